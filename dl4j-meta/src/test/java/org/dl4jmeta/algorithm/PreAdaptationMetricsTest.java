package org.dl4jmeta.algorithm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.optim.OuterOptimizer;
import org.dl4jmeta.optim.TrainingState;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.EpisodeSource;
import org.dl4jmeta.testutil.TinyTasks;
import org.dl4jmeta.train.IterationMetrics;
import org.dl4jmeta.train.MetaTrainer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The query loss and accuracy at theta (before adaptation) cost a query forward pass the meta-gradient does not
 * need: every learner leaves it out when asked, gives the same meta-gradient either way, and when it does measure
 * them they equal an independent forward pass at theta.
 */
class PreAdaptationMetricsTest {

    static Network net() {
        return TinyTasks.net();
    }

    static EpisodeSource tasks(DataType dt) {
        return TinyTasks.tasks(dt, 2, 4, 7);
    }

    static List<MetaLearner> learners(Network net) {
        return List.of(new Maml(net, MamlConfig.secondOrder(2, 0.3)), new Maml(net, MamlConfig.firstOrder(2, 0.3)),
                new Reptile(net, new ReptileConfig(2, 0.3)), new HfMaml(net, HfMamlConfig.fixedDelta(0.3, 1e-4)),
                new Imaml(net, ImamlConfig.builder(2.0).optInnerSteps(3).optInnerStepSize(0.1).build()),
                new BiMaml(net, new BiMamlConfig(MamlConfig.secondOrder(1, 0.3), 0.0, 0.0)));
    }

    @Test
    void everyLearnerSkipsThemOnRequestWithTheSameGradient() {
        Network net = net();
        Episode e = tasks(DataType.DOUBLE).episode(3);
        LossGradGraph forward = new LossGradGraph(net, e.queryX().size(0), DataType.DOUBLE, false);
        for (MetaLearner l : learners(net)) {
            ParamSet theta = l.initialise(11, DataType.DOUBLE);
            MetaGradient with = l.metaGradient(theta, e, true);
            MetaGradient without = l.metaGradient(theta, e, false);
            String id = l.id();
            assertArrayEquals(with.gradient().flat().toDoubleVector(), without.gradient().flat().toDoubleVector(),
                    0.0, id + ": the gradient must not depend on the metrics");
            assertEquals(with.metrics().queryLossAfter(), without.metrics().queryLossAfter(), 0.0, id);
            assertEquals(with.metrics().queryAccuracyAfter(), without.metrics().queryAccuracyAfter(), 0.0, id);
            LossGradGraph.Result atTheta = forward.run(theta, e.queryX(), e.queryY(), false);
            assertEquals(atTheta.loss(), with.metrics().queryLossBefore(), 1e-12, id);
            assertEquals(TaskMetrics.accuracy(atTheta.output(), e.queryY()), with.metrics().queryAccuracyBefore(),
                    0.0, id);
            assertTrue(Double.isFinite(with.metrics().supportLossBefore()), id);
            if (l instanceof BiMaml) {
                // phase 1's meta-objective is the query loss at theta itself: reported, as it costs nothing
                assertEquals(atTheta.loss(), without.metrics().queryLossBefore(), 1e-12, id);
            } else {
                assertTrue(Double.isNaN(without.metrics().queryLossBefore()), id + ": " + without.metrics());
                assertTrue(Double.isNaN(without.metrics().queryAccuracyBefore()), id + ": " + without.metrics());
            }
        }
    }

    @Test
    void trainerMeasuresThemOnIterationsDivisibleByTheSettingOnly() {
        Network net = net();
        Maml maml = new Maml(net, MamlConfig.firstOrder(1, 0.3));
        ParamSet theta0 = maml.initialise(5, DataType.FLOAT);
        List<IterationMetrics> seen = new ArrayList<>();
        TrainingState a = new TrainingState(theta0.copy(), new OuterOptimizer(new Adam(0.01), theta0.length(),
                DataType.FLOAT), 0);
        new MetaTrainer(maml, 2).preAdaptationMetricsEvery(3).addListener((m, s) -> seen.add(m))
                .fit(a, tasks(DataType.FLOAT), 6);
        TrainingState b = new TrainingState(theta0.copy(), new OuterOptimizer(new Adam(0.01), theta0.length(),
                DataType.FLOAT), 0);
        new MetaTrainer(maml, 2).fit(b, tasks(DataType.FLOAT), 6);
        assertArrayEquals(b.theta().flat().toFloatVector(), a.theta().flat().toFloatVector(), 0f,
                "the parameters must not depend on the setting");
        assertEquals(6, seen.size());
        for (IterationMetrics m : seen) {
            boolean measured = m.iteration() % 3 == 0;
            assertEquals(measured, Double.isFinite(m.queryLossBefore()), m.toString());
            assertEquals(measured, Double.isFinite(m.queryAccuracyBefore()), m.toString());
            assertTrue(Double.isFinite(m.metaLoss()) && Double.isFinite(m.queryAccuracyAfter()), m.toString());
        }
        try (MetaTrainer t = new MetaTrainer(maml, 2)) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> t.preAdaptationMetricsEvery(-2));
            assertTrue(ex.getMessage().contains("-2"), ex.getMessage());
        }
    }

    /** The trainer's C-heap trims (every task here, or never) change memory only, never the parameters. */
    @Test
    void trainerTrimsTheCHeapWithoutChangingTheParameters() {
        Network net = net();
        Maml maml = new Maml(net, MamlConfig.firstOrder(1, 0.3));
        ParamSet theta0 = maml.initialise(5, DataType.FLOAT);
        TrainingState a = new TrainingState(theta0.copy(), new OuterOptimizer(new Adam(0.01), theta0.length(),
                DataType.FLOAT), 0);
        new MetaTrainer(maml, 2).trimCHeapEvery(1).fit(a, tasks(DataType.FLOAT), 4);
        TrainingState b = new TrainingState(theta0.copy(), new OuterOptimizer(new Adam(0.01), theta0.length(),
                DataType.FLOAT), 0);
        new MetaTrainer(maml, 2).trimCHeapEvery(0).fit(b, tasks(DataType.FLOAT), 4);
        assertArrayEquals(b.theta().flat().toFloatVector(), a.theta().flat().toFloatVector(), 0f);
        try (MetaTrainer t = new MetaTrainer(maml, 2)) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> t.trimCHeapEvery(-3));
            assertTrue(ex.getMessage().contains("-3"), ex.getMessage());
        }
    }
}
