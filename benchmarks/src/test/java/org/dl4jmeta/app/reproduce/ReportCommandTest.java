package org.dl4jmeta.app.reproduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.dl4jmeta.app.CliRun;
import org.dl4jmeta.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * report: the README's tables are regenerated from result files between their markers, the rest of the README
 * is untouched, the numbers are those of the files (the per-task ratio to PyTorch computed from them), and a README
 * without markers is refused unchanged.
 */
class ReportCommandTest {

    private static Map<String, Object> result(String setting, String algorithm, double accuracy, double ci95) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("setting", setting);
        r.put("algorithm", algorithm);
        r.put("title", OmniglotAlgorithm.parse(algorithm).title());
        r.put("status", "done");
        r.put("accuracy", accuracy);
        r.put("ci95", ci95);
        r.put("paperAccuracy", OmniglotAlgorithm.parse(algorithm).paperAccuracy(Setting.parse(setting)));
        r.put("budget", "10m");
        r.put("seed", 1);
        r.put("episodes", 600);
        r.put("evalSeed", 1);
        r.put("evalQueries", 15);
        r.put("testInnerSteps", 3);
        r.put("training", Map.of("iterations", 321, "trainSeconds", 600.5, "endedBy", "time-budget"));
        r.put("trainConfig", Map.of("metaBatchSize", 8, "innerSteps", 1));
        r.put("provenance", Map.of("commit", "0123456789abcdef", "environment", Map.of("cores", "2")));
        return r;
    }

    @Test
    void theReadmeTablesComeFromTheResultFiles(@TempDir Path dir) throws IOException {
        Path results = dir.resolve("omniglot");
        Files.createDirectories(results);
        Files.writeString(results.resolve("omniglot-20w1s-maml-seed1.json"),
                Json.write(result("20w1s", "maml", 0.71234, 0.0101)));
        Map<String, Object> imaml = result("5w1s", "imaml-gd", 0.9, 0.005);
        imaml.put("baseline", Map.of("accuracy", 0.527, "ci95", 0.01, "episodes", 600, "testInnerSteps", 16));
        Files.writeString(results.resolve("omniglot-5w1s-imaml-gd-seed1.json"), Json.write(imaml));
        Path bench = dir.resolve("bench.jsonl");
        Files.writeString(bench, String.join("\n",
                "{\"bench\":\"forward-backward\",\"images\":80,\"median_ms\":36.0,\"peak_rss_mb\":900,"
                        + "\"omp_threads\":2,\"cpus\":2,\"nd4j_build\":\"nd4j-native-onednn-avx2\",\"commit\":\"abc\"}",
                "{\"bench\":\"maml-1\",\"meta_batch\":32,\"workers\":2,\"median_ms_per_meta_step\":2851.2,"
                        + "\"ms_per_task\":89.1,\"tasks_per_s\":11.2,\"peak_rss_mb\":1500,\"peak_heap_mb\":200,"
                        + "\"peak_offheap_mb\":700,\"omp_threads\":1,\"cpus\":2}",
                "{\"bench\":\"imaml-5\",\"meta_batch\":4,\"workers\":2,\"median_ms_per_meta_step\":800,"
                        + "\"ms_per_task\":200,\"tasks_per_s\":5,\"peak_rss_mb\":1000,\"omp_threads\":1,\"cpus\":2}"));
        Path readme = dir.resolve("README.md");
        String before = "# Title\n\nintro\n<!-- report:omniglot-table -->\nold table\n<!-- /report:omniglot-table -->\n"
                + "middle\n<!-- report:performance-table -->\nold\n<!-- /report:performance-table -->\ntail\n"
                + "<!-- report:shipped-models -->\n<!-- /report:shipped-models -->\n";
        Files.writeString(readme, before);
        Path pretrained = shipped(dir);
        CliRun r = CliRun.run("report", "--readme", readme.toString(), "--omniglot", results.toString(), "--bench",
                bench.toString(), "--pretrained", pretrained.toString());
        assertEquals(0, r.code(), r.all());
        String after = Files.readString(readme);
        assertTrue(after.startsWith("# Title\n\nintro\n<!-- report:omniglot-table -->\n"), after);
        assertTrue(after.contains("<!-- /report:omniglot-table -->\nmiddle\n<!-- report:performance-table -->\n"));
        assertTrue(after.contains("<!-- /report:performance-table -->\ntail\n<!-- report:shipped-models -->\n"), after);
        assertTrue(after.endsWith("<!-- /report:shipped-models -->\n"), after);
        assertTrue(after.contains("**`pretrained:demo-5way`**: 5-way 1-shot maml meta-model, Conv-4 (4 x 64 filters), "
                + "meta-trained on omniglot (lake split) train classes, within-alphabet episodes for 2500 iterations "
                + "of 32 tasks (5 queries per class, 1 inner step of 0.4; 25.0 min on 2 CPU cores, ended by "
                + "iterations, commit 0123456789)."), after);
        assertTrue(after.contains("| omniglot lake test split, 5-way 1-shot, within-alphabet episodes (seed 1) | 600 "
                + "| 95.53 ± 0.35% | 15 | 3 | support | fedcba9876 |"), after);
        assertTrue(after.contains("```bash\njava -jar dl4j-meta.jar train --ways 5\n```"), after);
        assertTrue(!after.contains("old table"), after);
        assertTrue(after.contains("| MAML, dl4j-meta | not run | not run | 71.23 ± 1.01 (10m, 321 it.; untrained not "
                + "measured) | not run |"), after);
        assertTrue(after.contains("| iMAML-GD, dl4j-meta | 90.00 ± 0.50 (10m, 321 it.; untrained 52.70 ± 1.00) |"),
                after);
        assertTrue(after.contains("| 20-way 1-shot | MAML | 71.23 ± 1.01 | not measured | - | 95.80 | -24.57 | 10m | "
                + "10.0 min, time-budget | 321 x 8 |"), after);
        assertTrue(after.contains("| 5-way 1-shot | iMAML-GD | 90.00 ± 0.50 | 52.70 ± 1.00 | yes | 99.16 |"), after);
        // 89.1 ms per task against PyTorch's 951 ms / 32 tasks = 29.7 ms: 3.0x
        assertTrue(after.contains("| MAML second order, 1 inner step | 32 | 2 | 2851 | 89.1 | 11.20 | 29.7 | 3.0x |"),
                after);
        assertTrue(after.contains("| forward+backward, 80 images | - | 1 | 36.0 | - | - | 12.0 | 3.0x |"), after);
        assertTrue(after.contains("| iMAML (GD inner), 5 inner steps | 4 | 2 | 800 | 200.0 | 5.00 | - | - |"), after);

        CliRun again = CliRun.run("report", "--readme", readme.toString(), "--omniglot", results.toString(),
                "--bench", bench.toString(), "--pretrained", pretrained.toString());
        assertTrue(again.out().contains("(unchanged)"), again.all());

        // a shipped model without its evaluation is refused by name, and the README is kept
        Files.delete(pretrained.resolve("demo-5way.eval-test.json"));
        CliRun missing = CliRun.run("report", "--readme", readme.toString(), "--omniglot", results.toString(),
                "--bench", bench.toString(), "--pretrained", pretrained.toString());
        assertEquals(2, missing.code(), missing.all());
        assertTrue(missing.err().contains("shipped model demo-5way has no evaluation"), missing.err());
        again = CliRun.run("report", "--readme", readme.toString(), "--omniglot", results.toString(),
                "--bench", bench.toString(), "--pretrained", shipped(dir).toString());
        assertTrue(again.out().contains("(unchanged)"), again.all());
    }

    @Test
    void roundsOfOneConfigurationBecomeOneRowWithTheirMedianAndRange(@TempDir Path dir) throws IOException {
        Path bench = dir.resolve("bench.jsonl");
        Files.writeString(bench, String.join("\n",
                "{\"round\":1,\"rounds\":3,\"bench\":\"fomaml-1\",\"meta_batch\":32,\"workers\":2,"
                        + "\"median_ms_per_meta_step\":960,\"ms_per_task\":30.0,\"tasks_per_s\":33.3,"
                        + "\"peak_rss_mb\":800,\"omp_threads\":1,\"cpus\":2,\"time\":\"2026-11-30T10:00:00Z\"}",
                "{\"round\":2,\"rounds\":3,\"bench\":\"fomaml-1\",\"meta_batch\":32,\"workers\":2,"
                        + "\"median_ms_per_meta_step\":640,\"ms_per_task\":20.0,\"tasks_per_s\":50.0,"
                        + "\"peak_rss_mb\":900,\"omp_threads\":1,\"cpus\":2,\"time\":\"2026-11-30T10:05:00Z\"}",
                "{\"round\":3,\"rounds\":3,\"bench\":\"fomaml-1\",\"meta_batch\":32,\"workers\":2,"
                        + "\"median_ms_per_meta_step\":800,\"ms_per_task\":25.0,\"tasks_per_s\":40.0,"
                        + "\"peak_rss_mb\":700,\"omp_threads\":1,\"cpus\":2,\"time\":\"2026-11-30T10:10:00Z\"}"));
        Path readme = dir.resolve("README.md");
        Files.writeString(readme, "<!-- report:omniglot-table -->\n<!-- /report:omniglot-table -->\n"
                + "<!-- report:performance-table -->\n<!-- /report:performance-table -->\n"
                + "<!-- report:shipped-models -->\n<!-- /report:shipped-models -->\n");
        Path results = Files.createDirectories(dir.resolve("omniglot"));
        Files.writeString(results.resolve("omniglot-20w1s-maml-seed1.json"),
                Json.write(result("20w1s", "maml", 0.71234, 0.0101)));
        CliRun r = CliRun.run("report", "--readme", readme.toString(), "--omniglot", results.toString(), "--bench",
                bench.toString(), "--pretrained", shipped(dir).toString());
        assertEquals(0, r.code(), r.all());
        String after = Files.readString(readme);
        // median of 30, 20, 25 ms per task: 25.0, against PyTorch's 419 / 32 = 13.1: 1.9x; the first round's RSS
        assertTrue(after.contains("| MAML first order, 1 inner step | 32 | 2 | 800 | 25.0 | 40.00 | 13.1 | 1.9x | 800 |"),
                after);
        assertTrue(after.contains("| 1 | 3: 20.0-30.0 |"), after);
        assertTrue(after.contains("2026-11-30T10:00:00Z to 2026-11-30T10:10:00Z"), after);
        assertEquals(1, after.lines().filter(l -> l.startsWith("| MAML first order")).count(), after);
    }

    @Test
    void aReadmeWithoutMarkersIsRefusedAndKept(@TempDir Path dir) throws IOException {
        Path readme = dir.resolve("README.md");
        Files.writeString(readme, "# no markers\n");
        Path bench = dir.resolve("bench.jsonl");
        Files.writeString(bench, "");
        CliRun r = CliRun.run("report", "--readme", readme.toString(), "--omniglot", dir.resolve("none").toString(),
                "--bench", bench.toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("<!-- report:omniglot-table -->"), r.err());
        assertEquals("# no markers\n", Files.readString(readme));
        CliRun noBench = CliRun.run("report", "--readme", readme.toString(), "--bench",
                dir.resolve("missing.jsonl").toString());
        assertEquals(2, noBench.code(), noBench.all());
        assertTrue(noBench.err().contains("missing.jsonl") && noBench.err().contains("bench --out"), noBench.err());
    }

    /** A folder with one shipped model's files, as the report reads them (the zip itself is not opened). */
    private static Path shipped(Path dir) throws IOException {
        Path p = Files.createDirectories(dir.resolve("pretrained"));
        Files.write(p.resolve("demo-5way.zip"), new byte[0]);
        Files.writeString(p.resolve("demo-5way.provenance.json"), "{\"commit\":\"0123456789abcdef\","
                + "\"environment\":{\"cores\":\"2\"},\"config\":{\"dataset\":\"omniglot\",\"splitScheme\":\"lake\","
                + "\"episodes\":\"within-alphabet\",\"trainSplit\":\"train\",\"ways\":5,\"shots\":1,\"queries\":5,"
                + "\"algorithm\":\"maml\",\"innerSteps\":1,\"innerStepSize\":0.4,\"metaBatchSize\":32,"
                + "\"filters\":64,\"blocks\":4}}");
        Files.writeString(p.resolve("demo-5way.summary.json"), "{\"iterations\":2500,\"trainSeconds\":1500.2,"
                + "\"endedBy\":\"iterations\"}");
        Files.writeString(p.resolve("demo-5way.commands.sh"), "java -jar dl4j-meta.jar train --ways 5\n");
        Files.writeString(p.resolve("demo-5way.eval-test.json"), "{\"accuracy\":0.95533,\"ci95\":0.0035,"
                + "\"episodes\":600,\"batchNorm\":\"support\",\"provenance\":{\"commit\":\"fedcba9876543210\"},"
                + "\"config\":{\"dataset\":\"omniglot\",\"splitScheme\":\"lake\",\"episodeKind\":\"within-alphabet\","
                + "\"split\":\"test\",\"ways\":5,\"shots\":1,\"queries\":15,\"innerSteps\":3,\"seed\":1}}");
        return p;
    }
}
