package org.dl4jmeta.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.optim.OuterOptimizer;
import org.dl4jmeta.optim.TrainingState;
import org.dl4jmeta.provenance.Provenance;
import org.dl4jmeta.task.EpisodeSource;
import org.dl4jmeta.testutil.TinyTasks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The library-level run: validation and the best model, checkpoints, a stop and an exact resume through the run
 * folder's files, in the few lines a Java user writes (double precision, so resumed parameters equal the
 * uninterrupted run's bit for bit).
 */
class TrainingRunTest {

    private static final Supplier<MetaLearner> LEARNERS = () -> new Maml(TinyTasks.net(),
            MamlConfig.firstOrder(1, 0.4));

    private static EpisodeSource train() {
        return TinyTasks.tasks(DataType.DOUBLE, 1, 2, 5);
    }

    private static TrainingState initial() {
        ParamSet theta = LEARNERS.get().initialise(3, DataType.DOUBLE);
        return new TrainingState(theta, new OuterOptimizer(new Adam(0.01), theta.length(), DataType.DOUBLE), 0);
    }

    private static TrainingRun run(RunFolder folder, int iterations) {
        TrainingRun.Settings s = TrainingRun.Settings.builder(2, iterations, 5).valEvery(3).valEpisodes(4)
                .checkpointEvery(2).build();
        return new TrainingRun(folder, LEARNERS, s, Map.of("note", "test"),
                Provenance.capture(DataType.DOUBLE, 5, Map.of(), Map.of()))
                .validation(TinyTasks.tasks(DataType.DOUBLE, 1, 2, 99));
    }

    @Test
    void aStoppedRunResumesToTheUninterruptedRunsParameters(@TempDir Path dir) throws Exception {
        TrainingRun.Outcome straight;
        try (RunFolder f = RunFolder.open(dir.resolve("straight"), RunFolder.Mode.FRESH)) {
            straight = run(f, 6).start(train(), initial());
        }
        assertEquals(TrainingRun.Ending.ITERATIONS, straight.ending());
        assertEquals(6, straight.iteration());
        assertTrue(straight.bestIteration() == 3 || straight.bestIteration() == 6, "validated at 3 and 6");

        Path resumed = dir.resolve("resumed");
        try (RunFolder f = RunFolder.open(resumed, RunFolder.Mode.FRESH)) {
            TrainingRun r = run(f, 6);
            r.addListener((m, s) -> {
                if (m.iteration() == 4) {
                    r.stopSignal().request();
                }
            });
            TrainingRun.Outcome o = r.start(train(), initial());
            assertEquals(TrainingRun.Ending.STOPPED, o.ending());
            assertEquals(4, o.checkpointIteration());
        }
        try (RunFolder f = RunFolder.open(resumed, RunFolder.Mode.RESUME)) {
            SavedModel ckpt = ModelFile.read(f.file(RunFolder.CHECKPOINT));
            TrainingRun.Outcome o = run(f, 6).resume(train(), ckpt, null);
            assertEquals(TrainingRun.Ending.ITERATIONS, o.ending());
            assertEquals(straight.bestValAccuracy(), o.bestValAccuracy(), 0.0);
        }
        double[] a = ModelFile.read(dir.resolve("straight").resolve(RunFolder.MODEL)).parameters().flat()
                .toDoubleVector();
        double[] b = ModelFile.read(resumed.resolve(RunFolder.MODEL)).parameters().flat().toDoubleVector();
        assertArrayEquals(a, b, 0.0);
        assertArrayEquals(ModelFile.read(dir.resolve("straight").resolve(RunFolder.BEST)).parameters().flat()
                .toDoubleVector(), ModelFile.read(resumed.resolve(RunFolder.BEST)).parameters().flat()
                .toDoubleVector(), 0.0);
        for (String name : RunFolder.RESULT_FILES) {
            if (!name.equals(RunFolder.TEST)) {
                assertTrue(Files.exists(resumed.resolve(name)), name);
            }
        }
    }

    @Test
    void aDivergingRunWritesNoModelAndKeepsItsCheckpoint(@TempDir Path dir) throws Exception {
        try (RunFolder f = RunFolder.open(dir.resolve("run"), RunFolder.Mode.FRESH)) {
            TrainingRun.Settings s = TrainingRun.Settings.builder(2, 50, 5).valEvery(0).checkpointEvery(2)
                    .divergence(new DivergenceCheck(10, 2.5)).build();
            ParamSet theta = LEARNERS.get().initialise(3, DataType.DOUBLE);
            // Adam at rate 0.2 moves each parameter by about 0.2 a step: past the bound of 2.5 within about ten steps
            TrainingState state = new TrainingState(theta, new OuterOptimizer(new Adam(0.2), theta.length(),
                    DataType.DOUBLE), 0);
            TrainingRun.Outcome o = new TrainingRun(f, LEARNERS, s, Map.of(),
                    Provenance.capture(DataType.DOUBLE, 5, Map.of(), Map.of())).start(train(), state);
            assertEquals(TrainingRun.Ending.DIVERGED, o.ending());
            assertTrue(o.problem().contains("above the bound 2.500"), o.problem());
            assertTrue(o.checkpointIteration() >= 2 && o.checkpointIteration() < o.iteration(), o.toString());
            SavedModel ckpt = ModelFile.read(f.file(RunFolder.CHECKPOINT));
            assertEquals(o.checkpointIteration(), ckpt.progress().iteration());
            assertTrue(ckpt.parameters().flat().amaxNumber().doubleValue() <= 2.5, "the kept state is within bound");
            assertFalse(Files.exists(f.file(RunFolder.MODEL)));
            assertFalse(Files.exists(f.file(RunFolder.SUMMARY)));
        }
    }

    @Test
    void badSettingsAndAFinishedCheckpointAreNamed(@TempDir Path dir) throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingRun.Settings.builder(0, 10, 1).build());
        assertTrue(e.getMessage().contains("metaBatchSize must be >= 1, got 0"), e.getMessage());
        try (RunFolder f = RunFolder.open(dir.resolve("run"), RunFolder.Mode.FRESH)) {
            run(f, 2).start(train(), initial());
        }
        try (RunFolder f = RunFolder.open(dir.resolve("run"), RunFolder.Mode.RESUME)) {
            SavedModel ckpt = ModelFile.read(f.file(RunFolder.CHECKPOINT));
            String config = Files.readString(f.file(RunFolder.CONFIG));
            TrainingRun other = new TrainingRun(f, LEARNERS, TrainingRun.Settings.builder(2, 2, 5).build(),
                    Map.of("note", "another configuration"), Provenance.capture(DataType.DOUBLE, 5, Map.of(),
                    Map.of()));
            IllegalArgumentException done = assertThrows(IllegalArgumentException.class,
                    () -> other.resume(train(), ckpt, null));
            assertTrue(done.getMessage().contains("already at iteration 2"), done.getMessage());
            assertEquals(config, Files.readString(f.file(RunFolder.CONFIG)), "a refused resume keeps config.json");
        }
    }
}
