package org.dl4jmeta.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** bench prints one JSON line per configuration with the documented fields, and rejects unknown ones. */
class BenchCommandTest {

    @Test
    void onePlausibleJsonLinePerConfiguration() {
        CliRun r = CliRun.run("bench", "--same-process", "--configs", "forward-backward,fomaml-1,maml-1",
                "--meta-batch", "2", "--repeats", "1", "--warmup", "0", "--ways", "2", "--queries", "1");
        assertEquals(0, r.code(), r.out() + r.err());
        List<String> lines = r.out().lines().filter(l -> l.startsWith("{")).toList();
        assertEquals(3, lines.size(), r.out());
        assertTrue(lines.get(0).contains("\"bench\":\"forward-backward\"") && lines.get(0).contains("\"median_ms\":"));
        String backend = org.dl4jmeta.provenance.BuildInfo.backend();
        for (String l : lines) {
            assertTrue(backend.startsWith("CPU: ") && l.contains("\"backend\":\"" + backend + "\""), l);
        }
        for (String l : lines.subList(1, 3)) {
            assertTrue(l.contains("\"meta_batch\":2") && l.contains("\"ms_per_task\":") && l.contains("\"tasks_per_s\":")
                    && l.contains("\"peak_rss_mb\":"), l);
            double perStep = Double.parseDouble(l.replaceAll(".*\"median_ms_per_meta_step\":([0-9.]+).*", "$1"));
            double perTask = Double.parseDouble(l.replaceAll(".*\"ms_per_task\":([0-9.]+).*", "$1"));
            assertEquals(perStep / 2, perTask, 0.11, l);
        }
    }

    @Test
    void samplerDrawsRealOmniglotMetaBatches() {
        java.nio.file.Path omniglot = java.nio.file.Path.of("..", "..", "shared", "datasets", "omniglot");
        if (!java.nio.file.Files.isDirectory(omniglot)) {
            omniglot = java.nio.file.Path.of("..", "shared", "datasets", "omniglot");
        }
        CliRun r = CliRun.run("bench", "--same-process", "--configs", "sampler", "--meta-batch", "8",
                "--data-dir", omniglot.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        String line = r.lastLine();
        assertTrue(line.contains("\"bench\":\"sampler\"") && line.contains("\"meta_batch\":8"), line);
        double median = Double.parseDouble(line.replaceAll(".*\"median_ms_per_meta_batch\":([0-9.]+).*", "$1"));
        assertTrue(median > 0, line);
        CliRun missing = CliRun.run("bench", "--same-process", "--configs", "sampler", "--data-dir",
                "/nonexistent/omniglot");
        assertEquals(2, missing.code(), missing.out() + missing.err());
        assertTrue(missing.err().contains("/nonexistent/omniglot"), missing.err());
    }

    @Test
    void profilePrintsAsManyOpsAsAsked() {
        CliRun r = CliRun.run("bench", "--same-process", "--configs", "forward-backward", "--repeats", "1",
                "--warmup", "0", "--ways", "2", "--queries", "1", "--profile", "--profile-top", "3");
        assertEquals(0, r.code(), r.out() + r.err());
        List<String> table = r.err().lines().dropWhile(l -> !l.startsWith("profile: forward-backward")).skip(2)
                .takeWhile(l -> !l.contains("all ops")).toList();
        assertEquals(3, table.size(), r.err());
        CliRun bad = CliRun.run("bench", "--configs", "forward-backward", "--profile", "--profile-top", "0");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("--profile-top must be >= 1") && bad.err().contains("got 0"), bad.err());
    }

    @Test
    void unknownConfigurationIsNamed() {
        CliRun r = CliRun.run("bench", "--configs", "sgd-3");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("sgd-3"), r.err());
    }

    @Test
    void anExistingOutIsRefusedBeforeMeasuring(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        java.nio.file.Path out = java.nio.file.Files.writeString(dir.resolve("old.jsonl"), "{\"old\":1}\n");
        CliRun r = CliRun.run("bench", "--configs", "forward-backward", "--out", out.toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("output " + out + " already exists"), r.err());
        assertEquals("{\"old\":1}\n", java.nio.file.Files.readString(out));
    }
}
