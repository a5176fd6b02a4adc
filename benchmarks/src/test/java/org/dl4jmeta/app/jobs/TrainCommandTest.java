package org.dl4jmeta.app.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.dl4jmeta.app.CliRun;
import org.dl4jmeta.io.Json;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.optim.TrainingState;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.train.IterationMetrics;
import org.dl4jmeta.train.TrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * The train command: a run folder with metrics, checkpoint, best and final model; resuming (after a budget or after
 * a stop request, as SIGTERM makes) reproduces the uninterrupted run's parameters exactly (CPU, double precision);
 * a NaN loss stops with exit 1 naming iteration and episode after checkpointing the last good state; config files
 * and bad input.
 */
class TrainCommandTest {

    static double[] params(Path modelFile) throws IOException {
        return ModelFile.read(modelFile).parameters().flat().toDoubleVector();
    }

    static List<JsonNode> metrics(Path run) throws IOException {
        List<JsonNode> out = new java.util.ArrayList<>();
        for (String l : Files.readAllLines(run.resolve(TrainJob.METRICS))) {
            out.add(Json.parse(l));
        }
        return out;
    }

    @Test
    void aRunWritesMetricsCheckpointBestAndFinalModel(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        CliRun r = Jobs.run(Jobs.args(Jobs.tiny(run, "--iterations", "4", "--val-every", "2", "--val-episodes",
                "3", "--checkpoint-every", "2")));
        assertEquals(0, r.code(), r.all());
        assertTrue(r.lastLine().matches("iterations=4 meta_loss=\\d+\\.\\d{4} accuracy_after=\\d\\.\\d{4} "
                + "seconds=\\d+\\.\\d"), r.lastLine());
        for (String f : List.of("checkpoint.zip", "best.zip", "model.zip", "metrics.jsonl", "config.json",
                "provenance.json")) {
            assertTrue(Files.exists(run.resolve(f)), f + " missing\n" + r.all());
        }
        List<JsonNode> m = metrics(run);
        assertEquals(4, m.stream().filter(n -> n.get("type").asText().equals("train")).count());
        assertEquals(2, m.stream().filter(n -> n.get("type").asText().equals("val")).count());
        SavedModel ckpt = ModelFile.read(run.resolve("checkpoint.zip"));
        assertEquals(SavedModel.Kind.CHECKPOINT, ckpt.kind());
        assertEquals(4, ckpt.progress().iteration());
        assertEquals("synthetic", ckpt.config().get("dataset"));
        assertEquals("FLOAT", ckpt.provenance().dataType());
        assertFalse(ckpt.provenance().dataChecksums().isEmpty());
        assertTrue(ckpt.provenance().backend().startsWith("CPU: nd4j-native "), ckpt.provenance().backend());
        assertTrue(Files.readString(run.resolve("provenance.json")).contains(ckpt.provenance().backend()));
        SavedModel best = ModelFile.read(run.resolve("best.zip"));
        assertEquals(SavedModel.Kind.META, best.kind());
        assertTrue(r.out().contains("best=" + run.resolve("best.zip") + " val_accuracy="), r.out());
        assertArrayEquals(ckpt.parameters().flat().toDoubleVector(), params(run.resolve("model.zip")), 0.0);
    }

    @Test
    void resumingReproducesTheUninterruptedRunExactly(@TempDir Path dir) throws IOException {
        Path straight = dir.resolve("straight");
        assertEquals(0, Jobs.run(Jobs.args(Jobs.tiny(straight, "--iterations", "4", "--dtype", "double"))).code());

        // stopped after 2 iterations by its budget, resumed to 4
        Path budget = dir.resolve("budget");
        assertEquals(0, Jobs.run(Jobs.args(Jobs.tiny(budget, "--iterations", "2", "--dtype", "double"))).code());
        CliRun again = Jobs.run(Jobs.args(Jobs.tiny(budget, "--iterations", "2", "--dtype", "double")));
        assertEquals(2, again.code(), again.all());
        assertTrue(again.err().contains("already holds an earlier run's config.json, metrics.jsonl, checkpoint.zip, model.zip, summary.json, provenance.json; add --resume"), again.err());
        CliRun resumed = Jobs.run("train", "--resume", "--run-dir", budget.toString(), "--iterations", "4");
        assertEquals(0, resumed.code(), resumed.all());
        assertArrayEquals(params(straight.resolve("model.zip")), params(budget.resolve("model.zip")), 0.0);
        List<Integer> iterations = metrics(budget).stream().map(n -> n.get("iteration").asInt()).toList();
        assertEquals(List.of(1, 2, 3, 4), iterations, "each iteration logged once");

        // stopped after iteration 1 the way SIGTERM stops it (stop signal, then checkpoint), resumed to 4
        Path stopped = dir.resolve("stopped");
        TrainCommand cmd = new TrainCommand();
        cmd.beforeRun = job -> job.testListener = new TrainingListener() {
            @Override
            public void iterationDone(IterationMetrics m, TrainingState s) {
                if (m.iteration() == 1) {
                    job.stopSignal().request();
                }
            }
        };
        List<String> a = Jobs.tiny(stopped, "--iterations", "4", "--dtype", "double");
        CliRun stop = Jobs.run(cmd, Jobs.args(a.subList(1, a.size())));
        assertEquals(130, stop.code(), stop.all());
        assertTrue(stop.out().contains("stopped at iteration 1 of 4; continue with"), stop.out());
        assertEquals(1, ModelFile.read(stopped.resolve("checkpoint.zip")).progress().iteration());
        assertEquals(0, Jobs.run("train", "--resume", "--run-dir", stopped.toString()).code());
        assertArrayEquals(params(straight.resolve("model.zip")), params(stopped.resolve("model.zip")), 0.0);
    }

    @Test
    void parallelTasksGiveTheSequentialRun(@TempDir Path dir) throws IOException {
        Path one = dir.resolve("one");
        Path two = dir.resolve("two");
        assertEquals(0, Jobs.run(Jobs.args(Jobs.tiny(one, "--iterations", "2", "--dtype", "double"))).code());
        CliRun r = Jobs.run(Jobs.args(Jobs.tiny(two, "--iterations", "2", "--dtype", "double", "--threads", "2")));
        assertEquals(0, r.code(), r.all());
        assertArrayEquals(params(one.resolve("model.zip")), params(two.resolve("model.zip")), 0.0);
    }

    @Test
    void aNonFiniteLossStopsNamingIterationAndEpisodeAfterCheckpointingTheLastGoodState(@TempDir Path dir)
            throws IOException {
        Path run = dir.resolve("nan");
        TrainCommand cmd = new TrainCommand();
        cmd.beforeRun = job -> job.sourceWrapper = source -> i -> {
            Episode e = source.episode(i);
            if (i == 5) {
                e.supportX().putScalar(0, Float.NaN);
            }
            return e;
        };
        List<String> a = Jobs.tiny(run, "--iterations", "6");
        CliRun r = Jobs.run(cmd, Jobs.args(a.subList(1, a.size())));
        assertEquals(1, r.code(), r.all());
        assertTrue(r.err().contains("iteration 3, episode 5"), r.err());
        assertTrue(r.err().contains("last good state (iteration 2) is saved in"), r.err());
        SavedModel ckpt = ModelFile.read(run.resolve("checkpoint.zip"));
        assertEquals(2, ckpt.progress().iteration());
        assertTrue(ckpt.parameters().isFinite());
    }

    @Test
    void aConfigFileSetsKeysAndFlagsOverrideThem(@TempDir Path dir) throws IOException {
        Path cfg = dir.resolve("job.json");
        Path run = dir.resolve("cfg-run");
        Files.writeString(cfg, "{\"dataset\": \"synthetic\", \"ways\": 3, \"queries\": 2, \"filters\": 4, "
                + "\"blocks\": 2, \"metaBatchSize\": 2, \"algorithm\": \"reptile\", \"iterations\": 1, "
                + "\"innerSteps\": 2, \"valEvery\": 0, \"runDir\": \"" + run.toString().replace("\\", "\\\\")
                + "\"}");
        CliRun r = Jobs.run("train", "--config", cfg.toString(), "--iterations", "2");
        assertEquals(0, r.code(), r.all());
        JsonNode saved = Json.parse(Files.readString(run.resolve("config.json")));
        assertEquals("reptile", saved.get("algorithm").asText());
        assertEquals(2, saved.get("iterations").asInt(), "the flag wins over the file");
        assertEquals(2, saved.get("innerSteps").asInt());
        assertEquals(5, saved.get("testInnerSteps").asInt() + 2, "unset keys keep the data set's defaults");

        Files.writeString(cfg, "{\"dataset\": \"synthetic\", \"wyas\": 3}");
        r = Jobs.run("train", "--config", cfg.toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("unknown key 'wyas'"), r.err());
        Files.writeString(cfg, "{\"dataset\": \"synthetic\", \"ways\": \"five\"}");
        r = Jobs.run("train", "--config", cfg.toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("'ways' must be an integer, got \"five\""), r.err());
    }

    @Test
    void accuracyBeforeAdaptationIsLoggedOnItsIterationsOnly(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        CliRun r = Jobs.run(Jobs.args(Jobs.tiny(run, "--iterations", "4", "--pre-adaptation-every", "2")));
        assertEquals(0, r.code(), r.all());
        for (JsonNode n : metrics(run)) {
            boolean measured = n.get("iteration").asInt() % 2 == 0;
            assertEquals(measured, n.has("accuracyBefore"), n.toString());
            assertEquals(measured, n.has("queryLossBefore"), n.toString());
            assertTrue(n.has("accuracyAfter") && n.has("metaLoss") && n.has("supportLossBefore"), n.toString());
        }
        // a resumed run may change it: the parameters do not depend on it
        r = Jobs.run("train", "--resume", "--run-dir", run.toString(), "--iterations", "6", "--pre-adaptation-every",
                "3");
        assertEquals(0, r.code(), r.all());
        JsonNode fifth = metrics(run).get(4);
        JsonNode sixth = metrics(run).get(5);
        assertEquals(5, fifth.get("iteration").asInt());
        assertFalse(fifth.has("accuracyBefore"), fifth.toString());
        assertTrue(sixth.get("accuracyBefore").asDouble() >= 0, sixth.toString());
        // a configuration saved before the setting existed reads as what those runs did: every iteration
        java.util.Map<String, Object> old = new java.util.LinkedHashMap<>(ModelFile.read(run.resolve("model.zip"))
                .config());
        assertEquals(3, TrainConfig.fromMap(old).preAdaptationEvery());
        old.remove("preAdaptationEvery");
        assertEquals(1, TrainConfig.fromMap(old).preAdaptationEvery());
        r = Jobs.run(Jobs.args(Jobs.tiny(dir.resolve("bad"), "--pre-adaptation-every", "-1")));
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("preAdaptationEvery must be >= 0 (0: never, 1: every iteration), got -1"),
                r.err());
    }

    @Test
    void reptileBatchesThatDoNotDivideTheSupportSetAreRefusedBeforeAnyFile(@TempDir Path dir) {
        Path run = dir.resolve("reptile");
        CliRun r = Jobs.run(Jobs.args(Jobs.tiny(run, "--algo", "reptile", "--algo-config", "innerBatchSize=2")));
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("Reptile innerBatchSize 2 must divide the support set's 3 examples"), r.err());
        assertFalse(java.nio.file.Files.exists(run.resolve("config.json")), "nothing written");
        r = Jobs.run(Jobs.args(Jobs.tiny(run, "--algo", "reptile", "--algo-config", "innerBatchSize=3",
                "--iterations", "2")));
        assertEquals(0, r.code(), "the same folder then takes a good run: " + r.all());
    }

    @Test
    void badValuesAreNamed(@TempDir Path dir) {
        CliRun r = Jobs.run(Jobs.args(Jobs.tiny(dir.resolve("a"), "--ways", "1")));
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("ways must be >= 2, got 1"), r.err());
        r = Jobs.run(Jobs.args(Jobs.tiny(dir.resolve("b"), "--algo", "mamll")));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("got 'mamll'"), r.err());
        r = Jobs.run("train", "--dataset", "omniglot");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--data-dir"), r.err());
        r = Jobs.run("train", "--dataset", "omniglot", "--data-dir", dir.resolve("nowhere").toString(),
                "--run-dir", dir.resolve("c").toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("nowhere"), r.err());
        r = Jobs.run("train", "--resume", "--run-dir", dir.resolve("empty").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("no checkpoint"), r.err());
    }

    @Test
    void aResumedRunKeepsTheCheckpointsConfiguration(@TempDir Path dir) {
        Path run = dir.resolve("run");
        assertEquals(0, Jobs.run(Jobs.args(Jobs.tiny(run, "--iterations", "1"))).code());
        CliRun r = Jobs.run("train", "--resume", "--run-dir", run.toString(), "--iterations", "2", "--ways", "4");
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("'ways' was 3, got 4"), r.err());
        r = Jobs.run("train", "--resume", "--run-dir", run.toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("already at iteration 1"), r.err());
    }

    @Test
    void aTruncatedCheckpointIsRefusedNamingTheFile(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        assertEquals(0, Jobs.run(Jobs.args(Jobs.tiny(run, "--iterations", "1"))).code());
        Path ckpt = run.resolve(TrainJob.CHECKPOINT);
        byte[] all = Files.readAllBytes(ckpt);
        Files.write(ckpt, java.util.Arrays.copyOf(all, all.length / 2));
        CliRun r = Jobs.run("train", "--resume", "--run-dir", run.toString(), "--iterations", "2");
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains(ckpt.toString()) && r.err().contains("truncated"), r.err());
    }

    @Test
    void aTimeBudgetEndsTheRunNormallyAndAResumeWithALargerBudgetContinuesIt(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        // 0.0001 minutes (6 ms) are spent within the first iteration: the run ends after it, as if done
        CliRun r = Jobs.run(Jobs.args(Jobs.tiny(run, "--iterations", "50", "--time-budget", "0.0001")));
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("time budget of 1.0E-4 minutes reached at iteration 1 of 50"), r.out());
        JsonNode summary = Json.parse(Files.readString(run.resolve(TrainJob.SUMMARY)));
        assertEquals("time-budget", summary.get("endedBy").asText());
        assertEquals(1, summary.get("iterations").asInt());
        double spent = summary.get("trainSeconds").asDouble();
        assertTrue(spent >= 0.006, "trainSeconds " + spent);
        assertTrue(Files.exists(run.resolve("model.zip")));

        // the same budget again: nothing left to spend, and the message says how to go on
        CliRun same = Jobs.run("train", "--resume", "--run-dir", run.toString(), "--time-budget", "0.0001");
        assertEquals(2, same.code(), same.all());
        assertTrue(same.err().contains("give a larger --time-budget"), same.err());

        // a budget of exactly 2 more iterations' worth is not predictable; an iteration budget is
        CliRun more = Jobs.run("train", "--resume", "--run-dir", run.toString(), "--time-budget", "0",
                "--iterations", "3");
        assertEquals(0, more.code(), more.all());
        JsonNode after = Json.parse(Files.readString(run.resolve(TrainJob.SUMMARY)));
        assertEquals("iterations", after.get("endedBy").asText());
        assertEquals(3, after.get("iterations").asInt());
        assertTrue(after.get("trainSeconds").asDouble() > spent, "training time accumulates over resumes: " + spent + " then " + after);

        CliRun bad = Jobs.run(Jobs.args(Jobs.tiny(dir.resolve("bad"), "--time-budget", "-1")));
        assertEquals(2, bad.code(), bad.all());
        assertTrue(bad.err().contains("timeBudgetMinutes must be >= 0 and finite (0: no time limit), got -1.0"),
                bad.err());
    }
}
