package org.dl4jmeta.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.algorithm.Reptile;
import org.dl4jmeta.algorithm.ReptileConfig;
import org.dl4jmeta.eval.EpisodeEvaluator;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Dense;
import org.dl4jmeta.model.Flatten;
import org.dl4jmeta.model.Loss;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.model.Relu;
import org.dl4jmeta.optim.OuterOptimizer;
import org.dl4jmeta.optim.TrainingState;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.EpisodeSource;
import org.dl4jmeta.task.SyntheticTasks;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * A short meta-training run on synthetic tasks raises post-adaptation query accuracy well above the untrained
 * model's; training is reproducible; the outer optimiser is ND4J's.
 *
 * <p>Tasks: 3-way 1-shot over a pool of 6 random +-1 templates on 8x8 inputs with Gaussian noise of std 2; every
 * episode draws its classes and a fresh random label order, so without adaptation the query accuracy is at
 * chance, and what meta-training must learn is an initialisation from which one SGD step on one shot per class
 * suffices. Test episodes come from another episode seed (new draws, label orders and noise).
 */
class MetaTrainingTest {

    static final long[] INPUT = {1, 8, 8};

    static Network tinyNet() {
        return Conv4.build(INPUT, 8, Conv4.Downsampling.STRIDE, 2, 3);
    }

    static Network mlp() {
        return new Network(INPUT, List.of(new Flatten("flat"), new Dense("hidden", 32, true), new Relu("relu"),
                new Dense("head", 3, true)), Loss.softmaxCrossEntropy());
    }

    static EpisodeSource train(long seed) {
        return SyntheticTasks.templateTasks(INPUT, 1, 6, 64, 3, 1, 5, 2.0, DataType.FLOAT, seed);
    }

    static EpisodeSource test() {
        return SyntheticTasks.templateTasks(INPUT, 1, 6, 64, 3, 1, 5, 2.0, DataType.FLOAT, 99);
    }

    double trainAndCompare(MetaLearner learner, int iterations, double metaLr) {
        return trainAndCompare(learner, train(5), iterations, metaLr);
    }

    double trainAndCompare(MetaLearner learner, EpisodeSource trainSource, int iterations, double metaLr) {
        ParamSet theta0 = learner.initialise(3, DataType.FLOAT);
        EpisodeEvaluator ev = new EpisodeEvaluator(learner);
        int steps = learner.innerSteps();
        double untrained = ev.evaluate(theta0, test(), 60, steps).mean();
        assertTrue(untrained < 0.65, learner.id() + ": untrained accuracy " + untrained + " leaves no room to learn");
        TrainingState st = new TrainingState(theta0.copy(), new OuterOptimizer(new Adam(metaLr), theta0.length(),
                DataType.FLOAT), 0);
        new MetaTrainer(learner, 4).fit(st, trainSource, iterations);
        double trained = ev.evaluate(st.theta(), test(), 60, steps).mean();
        assertTrue(trained > untrained + 0.15, learner.id() + ": trained " + trained + " vs untrained " + untrained);
        return trained;
    }

    @Test
    void secondOrderMamlOnConv4LearnsToAdapt() {
        trainAndCompare(new Maml(tinyNet(), MamlConfig.secondOrder(1, 0.5)), 100, 0.01);
    }

    @Test
    void secondOrderMamlOnMlpLearnsToAdapt() {
        double acc = trainAndCompare(new Maml(mlp(), MamlConfig.secondOrder(1, 0.5)), 120, 0.01);
        assertTrue(acc > 0.8, "post-adaptation accuracy " + acc);
    }

    @Test
    void firstOrderMamlAndReptileLearnToo() {
        trainAndCompare(new Maml(mlp(), MamlConfig.firstOrder(1, 0.5)), 120, 0.01);
        // Reptile meta-trains on 5-shot tasks and is tested on 1-shot ones, as Nichol et al. train with more shots
        EpisodeSource fiveShot = SyntheticTasks.templateTasks(INPUT, 1, 6, 64, 3, 5, 5, 2.0, DataType.FLOAT, 5);
        trainAndCompare(new Reptile(mlp(), new ReptileConfig(5, 0.3)), fiveShot, 80, 0.03);
    }

    @Test
    void trainingIsReproducibleAndReportsMetrics() {
        Maml maml = new Maml(tinyNet(), MamlConfig.secondOrder(1, 0.5));
        ParamSet theta0 = maml.initialise(3, DataType.FLOAT);
        List<IterationMetrics> seen = new ArrayList<>();
        TrainingState a = new TrainingState(theta0.copy(), new OuterOptimizer(new Adam(0.01), theta0.length(),
                DataType.FLOAT), 0);
        new MetaTrainer(maml, 2).addListener((m, s) -> seen.add(m)).fit(a, train(5), 5);
        TrainingState b = new TrainingState(theta0.copy(), new OuterOptimizer(new Adam(0.01), theta0.length(),
                DataType.FLOAT), 0);
        new MetaTrainer(new Maml(tinyNet(), MamlConfig.secondOrder(1, 0.5)), 2).fit(b, train(5), 5);
        assertArrayEquals(a.theta().flat().toFloatVector(), b.theta().flat().toFloatVector(), 0f);
        assertEquals(5, seen.size());
        assertEquals(5, a.iteration());
        for (IterationMetrics m : seen) {
            assertTrue(m.metaLoss() > 0 && Double.isFinite(m.metaLoss()), m.toString());
            assertTrue(m.queryAccuracyBefore() >= 0 && m.queryAccuracyBefore() <= 1, m.toString());
            assertTrue(m.queryAccuracyAfter() >= 0 && m.queryAccuracyAfter() <= 1, m.toString());
            assertTrue(m.gradientNorm() > 0, m.toString());
        }
        TrainingState c = new TrainingState(theta0.copy(), new OuterOptimizer(new Adam(0.01), theta0.length(),
                DataType.FLOAT), 0);
        new MetaTrainer(maml, 2).fit(c, train(6), 5);
        assertTrue(c.theta().axpy(-1, a.theta()).norm2() > 0, "another episode seed gives another run");
    }

    @Test
    void sgdOuterStepIsThetaMinusLearningRateTimesGradient() {
        Network net = tinyNet();
        ParamSet theta = net.initialise(1, DataType.DOUBLE);
        ParamSet g = theta.withFlat(ramp(theta.length(), -1, 1));
        ParamSet expected = theta.axpy(-0.1, g);
        OuterOptimizer sgd = new OuterOptimizer(new Sgd(0.1), theta.length(), DataType.DOUBLE);
        assertTrue(sgd.step(theta, g, 0));
        assertEquals(0.0, theta.axpy(-1, expected).norm2(), 1e-12);
    }

    @Test
    void adamFirstStepHasMagnitudeLearningRate() {
        // Adam (Kingma and Ba 2015): the bias-corrected first step is lr * g / (|g| + eps) = lr * sign(g)
        Network net = tinyNet();
        ParamSet theta = net.initialise(1, DataType.DOUBLE);
        ParamSet before = theta.copy();
        ParamSet g = theta.withFlat(ramp(theta.length(), 0.5, 2));
        OuterOptimizer adam = new OuterOptimizer(new Adam(0.01), theta.length(), DataType.DOUBLE);
        adam.step(theta, g, 0);
        double[] d = before.axpy(-1, theta).flat().toDoubleVector();
        for (double v : d) {
            assertEquals(0.01, v, 1e-7);
        }
        OuterOptimizer restored = OuterOptimizer.restore(new Adam(0.01), theta.length(), adam.state());
        assertArrayEquals(adam.state().toDoubleVector(), restored.state().toDoubleVector(), 0.0);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> OuterOptimizer.restore(new Adam(0.01), theta.length() + 1, adam.state()));
        assertTrue(ex.getMessage().contains(String.valueOf(2 * (theta.length() + 1))), ex.getMessage());
    }

    static org.nd4j.linalg.api.ndarray.INDArray ramp(long n, double from, double to) {
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = from + (to - from) * i / (n - 1);
        }
        return Nd4j.createFromArray(v);
    }

    @Test
    void nonFiniteLossStopsWithIterationAndEpisodeAndKeepsTheta() {
        Maml maml = new Maml(tinyNet(), MamlConfig.secondOrder(1, 0.5));
        ParamSet theta0 = maml.initialise(3, DataType.FLOAT);
        EpisodeSource poisoned = i -> {
            Episode e = train(5).episode(i);
            if (i == 5) {
                e.supportX().putScalar(0, Float.NaN);
            }
            return e;
        };
        TrainingState st = new TrainingState(theta0.copy(), new OuterOptimizer(new Adam(0.01), theta0.length(),
                DataType.FLOAT), 0);
        MetaTrainer trainer = new MetaTrainer(maml, 2);
        NonFiniteLossException ex = assertThrows(NonFiniteLossException.class, () -> trainer.fit(st, poisoned, 10));
        assertEquals(3, ex.iteration());
        assertEquals(5, ex.episode());
        assertTrue(ex.getMessage().contains("iteration 3, episode 5"), ex.getMessage());
        assertEquals(2, st.iteration(), "the failed update was not applied");
        assertTrue(st.theta().isFinite());
    }
}
