package org.dl4jmeta.app.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dl4jmeta.app.CliRun;
import org.dl4jmeta.app.Main;
import org.dl4jmeta.io.Json;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SavedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * Nothing a user has is overwritten or corrupted by train: one process per run folder, earlier results kept unless
 * --overwrite, and a diverging run stops without saving its models and resumes with a lower rate.
 */
class RunSafetyTest {

    @Test
    @DisabledOnOs(OS.WINDOWS)
    void aSecondTrainOnABusyRunFolderIsRefusedAndTheFirstRunsFilesStayIntact(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(Jobs.tiny(run, "--iterations", "100000", "--dtype", "double", "--checkpoint-every", "2"));
        Path log = dir.resolve("first.log");
        Process first = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        CliRun fresh;
        CliRun overwrite;
        CliRun resume;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (!Files.exists(run.resolve(TrainJob.CHECKPOINT)) || metrics(run).size() < 3) {
                assertTrue(first.isAlive(), "training exited early:\n" + Files.readString(log));
                assertTrue(System.nanoTime() < deadline, "no progress within 180 s:\n" + Files.readString(log));
                Thread.sleep(100);
            }
            fresh = Jobs.run(Jobs.args(Jobs.tiny(run, "--iterations", "3", "--dtype", "double", "--seed", "7")));
            overwrite = Jobs.run(Jobs.args(withFlag(Jobs.tiny(run, "--iterations", "3", "--seed", "7"),
                    "--overwrite")));
            resume = Jobs.run("train", "--resume", "--run-dir", run.toString(), "--iterations", "100001");
            first.destroy();
            assertTrue(first.waitFor(120, TimeUnit.SECONDS), "training did not stop on SIGTERM");
        } finally {
            first.destroyForcibly();
        }
        String holder = "is in use by another training process (pid " + first.pid() + " on host ";
        for (CliRun r : List.of(fresh, overwrite, resume)) {
            assertEquals(2, r.code(), r.all());
            assertTrue(r.err().contains(holder), holder + " in\n" + r.err());
        }
        // the first run's files are its own: every metrics line parses, iterations 1..k once each, checkpoint at k
        List<JsonNode> lines = metrics(run);
        int k = ModelFile.read(run.resolve(TrainJob.CHECKPOINT)).progress().iteration();
        List<Integer> iterations = lines.stream().map(n -> n.get("iteration").asInt()).toList();
        assertEquals(java.util.stream.IntStream.rangeClosed(1, k).boxed().toList(), iterations);
        assertEquals(1L, ModelFile.read(run.resolve(TrainJob.CHECKPOINT)).provenance().seed(), "seed of the first run");
        // and it continues: the lock died with its process
        CliRun again = Jobs.run("train", "--resume", "--run-dir", run.toString(), "--iterations",
                String.valueOf(k + 1));
        assertEquals(0, again.code(), again.all());
    }

    @Test
    void finishedResultsAreKeptUnlessOverwriteIsGiven(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        assertEquals(0, Jobs.run(Jobs.args(Jobs.tiny(run, "--iterations", "1"))).code());
        // the checkpoint deleted to save space: model.zip and the rest still count as results
        Files.delete(run.resolve(TrainJob.CHECKPOINT));
        byte[] model = Files.readAllBytes(run.resolve(TrainJob.MODEL));
        CliRun refused = Jobs.run(Jobs.args(Jobs.tiny(run, "--iterations", "1", "--seed", "2")));
        assertEquals(2, refused.code(), refused.all());
        assertTrue(refused.err().contains("already holds an earlier run's config.json, metrics.jsonl, model.zip"),
                refused.err());
        assertTrue(java.util.Arrays.equals(model, Files.readAllBytes(run.resolve(TrainJob.MODEL))), "untouched");
        CliRun replaced = Jobs.run(Jobs.args(withFlag(Jobs.tiny(run, "--iterations", "1", "--seed", "2"),
                "--overwrite")));
        assertEquals(0, replaced.code(), replaced.all());
        assertEquals(2L, ModelFile.read(run.resolve(TrainJob.MODEL)).provenance().seed());
        CliRun both = Jobs.run("train", "--resume", "--overwrite", "--run-dir", run.toString());
        assertEquals(2, both.code(), both.all());
        assertTrue(both.err().contains("give one of them"), both.err());
    }

    @Test
    void aDivergingInnerLoopStopsWithExit1AndSavesNoModel(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        CliRun r = Jobs.run(Jobs.args(Jobs.tiny(run, "--iterations", "20", "--inner-step-size", "1e6",
                "--pre-adaptation-every", "1", "--checkpoint-every", "1")));
        assertEquals(1, r.code(), r.all());
        assertTrue(r.err().contains("training diverged at iteration 1: adaptation raised the query loss"), r.err());
        assertTrue(r.err().contains("no checkpoint was written before it; start again with a lower rate"), r.err());
        for (String f : List.of(TrainJob.MODEL, TrainJob.BEST, TrainJob.CHECKPOINT, TrainJob.SUMMARY)) {
            assertFalse(Files.exists(run.resolve(f)), f + " of a diverged run");
        }
    }

    @Test
    void aDivergedRunKeepsItsLastGoodCheckpointAndResumesWithALowerMetaLearningRate(@TempDir Path dir)
            throws IOException {
        Path run = dir.resolve("run");
        assertEquals(0, Jobs.run(Jobs.args(Jobs.tiny(run, "--iterations", "2", "--dtype", "double"))).code());
        byte[] good = Files.readAllBytes(run.resolve(TrainJob.CHECKPOINT));
        // a meta learning rate of 5 with a parameter bound of 8: Adam's steps of about 5 break it within a few
        CliRun diverged = Jobs.run("train", "--resume", "--run-dir", run.toString(), "--iterations", "30",
                "--meta-lr", "5", "--divergence-max-parameter", "8");
        assertEquals(1, diverged.code(), diverged.all());
        assertTrue(diverged.err().matches("(?s)error: training diverged at iteration \\d+: meta-parameter '.*"),
                diverged.err());
        assertTrue(diverged.err().contains("the last good state (iteration 2) is saved in"), diverged.err());
        assertTrue(java.util.Arrays.equals(good, Files.readAllBytes(run.resolve(TrainJob.CHECKPOINT))),
                "the checkpoint before the divergence is kept as it was");

        CliRun lower = Jobs.run("train", "--resume", "--run-dir", run.toString(), "--iterations", "4",
                "--meta-lr", "0.001");
        assertEquals(0, lower.code(), lower.all());
        JsonNode summary = Json.parse(Files.readString(run.resolve(TrainJob.SUMMARY)));
        JsonNode change = summary.get("configChanges").get(0);
        assertEquals("metaLr", change.get("key").asText());
        assertEquals(0.01, change.get("from").asDouble());
        assertEquals(0.001, change.get("to").asDouble());
        assertEquals(2, change.get("iteration").asInt());
        SavedModel model = ModelFile.read(run.resolve(TrainJob.MODEL));
        assertEquals(0.001, ((Number) model.config().get("metaLr")).doubleValue(), "the config says the new rate");
        assertTrue(model.provenance().config().get("resumeChanges").toString().contains("metaLr"),
                model.provenance().config().toString());

        CliRun other = Jobs.run("train", "--resume", "--run-dir", run.toString(), "--iterations", "5",
                "--ways", "4");
        assertEquals(2, other.code(), other.all());
        assertTrue(other.err().contains("may change only") && other.err().contains("innerStepSize")
                && other.err().contains("metaLr"), other.err());
    }

    @Test
    void testEpisodesAfterTrainingPrintTheTestAccuracyWithItsInterval(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        CliRun r = Jobs.run(Jobs.args(Jobs.tiny(run, "--iterations", "2", "--test-episodes", "6")));
        assertEquals(0, r.code(), r.all());
        List<String> out = r.out().lines().toList();
        assertTrue(out.get(out.size() - 1).matches("test_accuracy=0\\.\\d{4} ci95=0\\.\\d{4} episodes=6"),
                r.out());
        assertEquals(6, Json.parse(Files.readString(run.resolve(TrainJob.TEST))).get("episodes").asInt());
    }

    private static List<String> withFlag(List<String> args, String flag) {
        List<String> a = new ArrayList<>(args);
        a.add(flag);
        return a;
    }

    private static List<JsonNode> metrics(Path run) throws IOException {
        Path f = run.resolve(TrainJob.METRICS);
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(f)) {
            return out;
        }
        List<String> lines = Files.readAllLines(f);
        // the last line may be being written
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.isBlank()) {
                continue;
            }
            try {
                out.add(Json.parse(l));
            } catch (IOException e) {
                if (i < lines.size() - 1) {
                    throw e;
                }
            }
        }
        return out;
    }
}
