package org.dl4jmeta.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.dl4jmeta.algorithm.BiMaml;
import org.dl4jmeta.algorithm.BiMamlConfig;
import org.dl4jmeta.algorithm.LearnerState;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.optim.OuterOptimizer;
import org.dl4jmeta.optim.TrainingState;
import org.dl4jmeta.provenance.Provenance;
import org.dl4jmeta.task.EpisodeSource;
import org.dl4jmeta.task.SyntheticTasks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Checkpoint and resume reproduce the uninterrupted run bit for bit (CPU, double precision): N iterations straight
 * equal N/2 iterations, a checkpoint written to and read back from a model file with fresh learner, optimiser and
 * state objects, then N/2 more. Adam's moment estimates, the iteration (which fixes the episode stream) and the
 * learner's own state (BI-MAML's phase, held in the training state) all travel through the file.
 */
class ResumeTest {

    static final long[] INPUT = {1, 8, 8};

    static Network net() {
        return Conv4.build(INPUT, 4, Conv4.Downsampling.STRIDE, 2, 3);
    }

    static EpisodeSource tasks() {
        return SyntheticTasks.templateTasks(INPUT, 1, 6, 64, 3, 1, 2, 1.0, DataType.DOUBLE, 11);
    }

    static Provenance prov() {
        return Provenance.capture(DataType.DOUBLE, 11, Map.of("test", "resume"), Map.of());
    }

    double[] straight(MetaLearner learner, int iterations) {
        ParamSet theta = learner.initialise(3, DataType.DOUBLE);
        TrainingState s = new TrainingState(theta, new OuterOptimizer(new Adam(0.01), theta.length(), DataType.DOUBLE),
                0);
        new MetaTrainer(learner, 2).fit(s, tasks(), iterations);
        return s.theta().flat().toDoubleVector();
    }

    /** The learner state at the end of the last {@link #interrupted} run. */
    LearnerState lastState;

    double[] interrupted(MetaLearner first, Path dir, int half, int iterations) throws Exception {
        ParamSet theta = first.initialise(3, DataType.DOUBLE);
        TrainingState s = new TrainingState(theta, new OuterOptimizer(new Adam(0.01), theta.length(), DataType.DOUBLE),
                0);
        new MetaTrainer(first, 2).fit(s, tasks(), half);
        Path file = dir.resolve("checkpoint.zip");
        ModelFile.write(file, SavedModel.checkpoint(first, s, 2, 11, Map.of(), prov(), Map.of()));

        SavedModel loaded = ModelFile.read(file);
        MetaLearner second = loaded.createLearner();
        TrainingState resumed = loaded.restoreTrainingState();
        assertEquals(half, resumed.iteration());
        assertEquals((long) half * 2, loaded.progress().episodesConsumed());
        assertEquals(s.learnerState(), resumed.learnerState());
        new MetaTrainer(second, 2).fit(resumed, tasks(), iterations);
        lastState = resumed.learnerState();
        return resumed.theta().flat().toDoubleVector();
    }

    @Test
    void resumedSecondOrderMamlWithAdamEqualsTheUninterruptedRun(@TempDir Path dir) throws Exception {
        double[] a = straight(new Maml(net(), MamlConfig.secondOrder(1, 0.4)), 4);
        double[] b = interrupted(new Maml(net(), MamlConfig.secondOrder(1, 0.4)), dir, 2, 4);
        assertArrayEquals(a, b, 0.0);
    }

    @Test
    void resumedBiMamlKeepsItsPhase(@TempDir Path dir) throws Exception {
        // epsilon0 large enough that phase 2 starts after the first iteration, before the checkpoint at 2
        BiMamlConfig cfg = new BiMamlConfig(MamlConfig.firstOrder(1, 0.4), 1e6, 0);
        BiMaml reference = new BiMaml(net(), cfg);
        ParamSet theta = reference.initialise(3, DataType.DOUBLE);
        TrainingState s = new TrainingState(theta, new OuterOptimizer(new Adam(0.01), theta.length(), DataType.DOUBLE),
                0);
        new MetaTrainer(reference, 2).fit(s, tasks(), 4);
        assertEquals(new BiMaml.State(2, 1), s.learnerState());
        double[] b = interrupted(new BiMaml(net(), cfg), dir, 2, 4);
        assertEquals(new BiMaml.State(2, 1), lastState);
        assertArrayEquals(s.theta().flat().toDoubleVector(), b, 0.0);
    }
}
