package org.dl4jmeta.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.algorithm.BiMaml;
import org.dl4jmeta.algorithm.BiMamlConfig;
import org.dl4jmeta.algorithm.LearnerTypes;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.model.BatchNorm;
import org.dl4jmeta.model.Conv2d;
import org.dl4jmeta.model.Dense;
import org.dl4jmeta.model.Flatten;
import org.dl4jmeta.model.GlobalAvgPool;
import org.dl4jmeta.model.Layer;
import org.dl4jmeta.model.LayerTypes;
import org.dl4jmeta.model.MaxPool2x2;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.model.Relu;
import org.dl4jmeta.optim.OuterOptimizer;
import org.dl4jmeta.optim.TrainingState;
import org.dl4jmeta.task.EpisodeSource;
import org.dl4jmeta.task.SyntheticTasks;
import org.dl4jmeta.train.MetaTrainer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Model files written at commit a61f196, before layers and learners were registered (test resources
 * {@code legacy/}, see their README), load with the current code: every built-in layer type with its settings, the
 * learner and its configuration, the parameters, Adam's state and BI-MAML's phase; resuming the old checkpoint
 * continues exactly as the current code's uninterrupted run, and re-running its three iterations now gives the
 * same parameters to double rounding (bit for bit until the batch norm of 2026-12-02 summed per channel in another
 * order: the values then moved by a few parts in 10^12).
 */
class LegacyFilesTest {

    static final long[] INPUT = {1, 8, 8};

    static Path resource(String name) throws URISyntaxException {
        return Path.of(LegacyFilesTest.class.getResource("/legacy/" + name).toURI());
    }

    static EpisodeSource tasks() {
        return SyntheticTasks.templateTasks(INPUT, 1, 6, 64, 3, 1, 2, 1.0, DataType.DOUBLE, 11);
    }

    static void assertEveryBuiltInLayer(Network net) {
        List<Layer> l = net.layers();
        assertEquals(8, l.size());
        List<Class<?>> classes = List.of(Conv2d.class, BatchNorm.class, Relu.class, MaxPool2x2.class, Conv2d.class,
                GlobalAvgPool.class, Flatten.class, Dense.class);
        for (int i = 0; i < l.size(); i++) {
            assertEquals(classes.get(i), l.get(i).getClass(), "layer " + i);
        }
        assertEquals(List.of("conv1", "bn1", "relu1", "pool1", "conv2", "gap", "flat", "out"),
                l.stream().map(Layer::name).toList());
        assertEquals(Map.of("units", 3, "kernel", 3, "stride", 1, "bias", true), LayerTypes.settings(l.get(0)));
        assertEquals(Map.of("eps", 1e-3), LayerTypes.settings(l.get(1)));
        assertEquals(Map.of("units", 4, "kernel", 3, "stride", 2, "bias", false), LayerTypes.settings(l.get(4)));
        assertEquals(Map.of("units", 3, "bias", true), LayerTypes.settings(l.get(7)));
        assertEquals("softmax-cross-entropy", net.loss().id());
        assertArrayEquals(INPUT, net.inputShape());
    }

    @Test
    void aVersion1MetaModelLoads() throws Exception {
        SavedModel m = ModelFile.read(resource("v1-meta.zip"));
        assertEquals(SavedModel.Kind.META, m.kind());
        Network net = m.buildNetwork();
        assertEveryBuiltInLayer(net);
        MetaLearner l = m.createLearner();
        assertInstanceOf(Maml.class, l);
        assertEquals(MamlConfig.secondOrder(2, 0.3).withLearnedStepSizes(), LearnerTypes.config(l));
        ParamSet expected = l.initialise(5, DataType.FLOAT);
        assertEquals(expected.names(), m.parameters().names());
        assertArrayEquals(expected.flat().toFloatVector(), m.parameters().flat().toFloatVector(), 0f);
        // written again by the current code, the network reads back as the same spec
        assertEquals(m.network().layers(), NetworkSpec.of(net).layers());
    }

    @Test
    void aVersion1BiMamlCheckpointResumesExactly() throws Exception {
        SavedModel c = ModelFile.read(resource("v1-checkpoint.zip"));
        assertEquals(SavedModel.Kind.CHECKPOINT, c.kind());
        assertEveryBuiltInLayer(c.buildNetwork());
        BiMamlConfig cfg = new BiMamlConfig(MamlConfig.secondOrder(1, 0.4), 1e6, 0);
        MetaLearner l = c.createLearner();
        assertEquals(cfg, LearnerTypes.config(l));
        TrainingState s = c.restoreTrainingState();
        assertEquals(3, s.iteration());
        assertEquals(new BiMaml.State(2, 1), s.learnerState());
        assertEquals(Map.of("bestValAccuracy", 0.5, "bestIteration", 2), c.progress().extras());
        assertEquals(new Adam(0.01), s.optimizer().config());

        // the same three iterations with the current code give the checkpoint's theta and Adam state, to rounding:
        // the code that wrote it summed batch norm's per-channel values in another order
        BiMaml now = new BiMaml(c.buildNetwork(), cfg);
        ParamSet theta = now.initialise(3, DataType.DOUBLE);
        TrainingState again = new TrainingState(theta, new OuterOptimizer(new Adam(0.01), theta.length(),
                DataType.DOUBLE), 0, now.initialState());
        new MetaTrainer(now, 2).fit(again, tasks(), 3);
        assertEquals(s.learnerState(), again.learnerState());
        assertClose(s.theta().flat().toDoubleVector(), again.theta().flat().toDoubleVector(), "theta");
        assertClose(s.optimizer().state().toDoubleVector(), again.optimizer().state().toDoubleVector(), "Adam state");

        // resuming the old checkpoint equals continuing the uninterrupted run from the same state, bit for bit
        TrainingState fromCheckpoint = c.restoreTrainingState();
        TrainingState fromCopy = c.restoreTrainingState();
        new MetaTrainer(l, 2).fit(fromCheckpoint, tasks(), 5);
        new MetaTrainer(now, 2).fit(fromCopy, tasks(), 5);
        assertArrayEquals(fromCopy.theta().flat().toDoubleVector(), fromCheckpoint.theta().flat().toDoubleVector(),
                0.0);
        assertTrue(!java.util.Arrays.equals(s.theta().flat().toDoubleVector(),
                fromCheckpoint.theta().flat().toDoubleVector()), "five more iterations left theta unchanged");
        // and stays within rounding of the run that never stopped
        new MetaTrainer(now, 2).fit(again, tasks(), 5);
        assertClose(again.theta().flat().toDoubleVector(), fromCheckpoint.theta().flat().toDoubleVector(), "theta");
    }

    /**
     * Equal to within 1e-10 of the largest magnitude: rounding, not a different computation (which moves theta by
     * 1e-3 and more). Adam divides each gradient by the root of its running square, which amplifies last-bit
     * differences of small gradients: three iterations here moved theta by 4e-12.
     */
    private static void assertClose(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(scale > 0 && worst <= 1e-10 * scale, what + " differs by " + worst + " (largest " + scale + ")");
    }
}
