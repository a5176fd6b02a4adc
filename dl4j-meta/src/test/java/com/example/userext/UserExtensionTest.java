package com.example.userext;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.algorithm.LearnerTypes;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.check.MetaGradientCheck;
import org.dl4jmeta.eval.EpisodeEvaluator;
import org.dl4jmeta.eval.EvaluationResult;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.model.Conv2d;
import org.dl4jmeta.model.Dense;
import org.dl4jmeta.model.Flatten;
import org.dl4jmeta.model.LayerTypes;
import org.dl4jmeta.model.Loss;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.model.Relu;
import org.dl4jmeta.optim.OuterOptimizer;
import org.dl4jmeta.optim.TrainingState;
import org.dl4jmeta.provenance.Provenance;
import org.dl4jmeta.task.EpisodeSource;
import org.dl4jmeta.task.SyntheticTasks;
import org.dl4jmeta.train.MetaTrainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/**
 * A layer ({@link Scale}, registered by the test resources' service file) and a learner
 * ({@link ScheduledReptile}, registered in code) written outside the library's packages go through the same calls
 * as the built-in ones: meta-training on two workers, checkpoint and meta-model files, an exact resume (bit for bit
 * in double, the learner's own state travelling in the checkpoint) and parallel evaluation; the layer's backward
 * pass passes the second-order finite-difference check.
 */
class UserExtensionTest {

    static final long[] INPUT = {1, 6, 6};

    @BeforeAll
    static void register() {
        LearnerTypes.register(new ScheduledReptile.Type());
    }

    static Network net() {
        return new Network(INPUT, List.of(new Conv2d("conv", 2, 3, 2, true), new Relu("relu"), new Flatten("flat"),
                new Scale("scale", 0.8), new Dense("out", 3, true)), Loss.softmaxCrossEntropy());
    }

    static EpisodeSource tasks() {
        return SyntheticTasks.templateTasks(INPUT, 1, 6, 36, 3, 1, 2, 1.0, DataType.DOUBLE, 21);
    }

    static ScheduledReptile learner() {
        return new ScheduledReptile(net(), new ScheduledReptile.Config(2, 0.3, 0.5));
    }

    static TrainingState fresh(MetaLearner l) {
        ParamSet theta = l.initialise(4, DataType.DOUBLE);
        return new TrainingState(theta, new OuterOptimizer(new Adam(0.05), theta.length(), DataType.DOUBLE), 0,
                l.initialState());
    }

    static Provenance prov() {
        return Provenance.capture(DataType.DOUBLE, 21, Map.of("test", "userext"), Map.of());
    }

    @Test
    void theUserLayerAndLearnerAreFoundLikeBuiltInOnes() {
        assertTrue(LayerTypes.ids().contains("userext-scale"), LayerTypes.ids().toString());
        assertTrue(LayerTypes.ids().contains("conv2d"), LayerTypes.ids().toString());
        assertTrue(LearnerTypes.names().contains("scheduled-reptile"), LearnerTypes.names().toString());
        assertEquals(Map.of("init", 0.8), LayerTypes.settings(new Scale("s", 0.8)));
    }

    @Test
    void userLayerAndLearnerTrainSaveResumeExactlyAndEvaluate(@TempDir Path dir) throws Exception {
        TrainingState straight = fresh(learner());
        try (MetaTrainer t = new MetaTrainer(UserExtensionTest::learner, 2, 2)) {
            t.fit(straight, tasks(), 4);
        }
        assertEquals(new ScheduledReptile.State(4), straight.learnerState());

        TrainingState first = fresh(learner());
        try (MetaTrainer t = new MetaTrainer(UserExtensionTest::learner, 2, 2)) {
            t.fit(first, tasks(), 2);
        }
        Path ckpt = dir.resolve("checkpoint.zip");
        Path model = dir.resolve("model.zip");
        ModelFile.write(ckpt, SavedModel.checkpoint(learner(), first, 2, 21, Map.of(), prov(), Map.of()));
        ModelFile.write(model, SavedModel.meta(learner(), first.theta(), Map.of(), prov()));

        SavedModel loaded = ModelFile.read(ckpt);
        assertEquals("userext-scale", loaded.network().layers().get(3).type());
        assertEquals(Map.of("init", 0.8), loaded.network().layers().get(3).settings());
        assertEquals("scheduled-reptile", loaded.algorithm().type());
        Network rebuilt = loaded.buildNetwork();
        assertInstanceOf(Scale.class, rebuilt.layers().get(3));
        assertEquals(0.8, ((Scale) rebuilt.layers().get(3)).init(), 0.0);
        assertEquals(new ScheduledReptile.Config(2, 0.3, 0.5), LearnerTypes.config(loaded.createLearner()));
        TrainingState resumed = loaded.restoreTrainingState();
        assertEquals(new ScheduledReptile.State(2), resumed.learnerState());
        try (MetaTrainer t = new MetaTrainer(loaded::createLearner, 2, 2)) {
            t.fit(resumed, tasks(), 4);
        }
        assertEquals(new ScheduledReptile.State(4), resumed.learnerState());
        assertArrayEquals(straight.theta().flat().toDoubleVector(), resumed.theta().flat().toDoubleVector(), 0.0);
        // the state matters: resuming with the learner's initial state instead gives other parameters
        TrainingState forgetful = loaded.restoreTrainingState();
        TrainingState wrong = new TrainingState(forgetful.theta(), forgetful.optimizer(), 2, learner().initialState());
        new MetaTrainer(learner(), 2).fit(wrong, tasks(), 4);
        assertNotEquals(straight.theta().flat().getDouble(0), wrong.theta().flat().getDouble(0));

        SavedModel meta = ModelFile.read(model);
        EvaluationResult sequential = new EpisodeEvaluator(meta.createLearner()).evaluate(meta.parameters(), tasks(),
                6, 2);
        EvaluationResult parallel;
        try (EpisodeEvaluator ev = new EpisodeEvaluator(meta::createLearner, 2)) {
            parallel = ev.evaluate(meta.parameters(), tasks(), 6, 2);
        }
        assertArrayEquals(sequential.accuracies(), parallel.accuracies(), 0.0);
        assertTrue(sequential.mean() >= 0 && sequential.mean() <= 1, "accuracy " + sequential.mean());
    }

    @Test
    void secondOrderMamlThroughTheUserLayerMatchesFiniteDifferences() {
        Network net = net();
        Maml maml = new Maml(net, MamlConfig.secondOrder(2, 0.2));
        ParamSet theta = maml.initialise(9, DataType.DOUBLE);
        MetaGradientCheck.Result r = MetaGradientCheck.check(maml, MetaGradientCheck.Objective.META_OBJECTIVE, theta,
                tasks().episode(3), 6, 1e-6, 1e-10, 5);
        assertTrue(r.maxRelativeError() < 1e-6, "max relative error " + r.maxRelativeError() + ": "
                + r.directions());
    }
}
