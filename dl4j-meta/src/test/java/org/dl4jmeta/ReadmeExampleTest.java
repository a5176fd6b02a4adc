package org.dl4jmeta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.algorithm.MetaGradient;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.eval.EpisodeEvaluator;
import org.dl4jmeta.eval.EvaluationResult;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.optim.OuterOptimizer;
import org.dl4jmeta.optim.TrainingState;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.EpisodeSource;
import org.dl4jmeta.task.SyntheticTasks;
import org.dl4jmeta.train.MetaTrainer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/** The README's API example, line for line, with smaller counts so it runs in seconds. */
class ReadmeExampleTest {

    @Test
    void readmeExampleRuns() {
        Network net = Conv4.omniglot(5);
        MetaLearner maml = new Maml(net, MamlConfig.secondOrder(1, 0.4));
        ParamSet theta = maml.initialise(42, DataType.FLOAT);
        EpisodeSource tasks = SyntheticTasks.templateTasks(new long[] {1, 28, 28}, 1, 20, 784, 5, 1, 15, 1.0,
                DataType.FLOAT, 7);
        TrainingState state = new TrainingState(theta, new OuterOptimizer(new Adam(1e-3), theta.length(),
                DataType.FLOAT), 0, maml.initialState());
        new MetaTrainer(maml, 2).addListener((m, s) -> System.out.println(m)).fit(state, tasks, 2);
        Episode task = tasks.episode(1_000_000);
        ParamSet before = state.theta().copy();
        ParamSet phi = maml.adapt(state.theta(), task);
        MetaGradient g = maml.metaGradient(state.theta(), task);
        EvaluationResult r = new EpisodeEvaluator(maml).evaluate(state.theta(), tasks, 3, 3);

        assertEquals(2, state.iteration());
        assertEquals(0.0, state.theta().axpy(-1, before).norm2(), 0.0, "adapt and metaGradient leave theta alone");
        assertTrue(phi.axpy(-1, before).norm2() > 0, "adaptation moved the task parameters");
        assertTrue(g.gradient().norm2() > 0);
        assertEquals(3, r.accuracies().length);
        assertTrue(r.mean() >= 0 && r.mean() <= 1 && r.ci95() >= 0);
    }
}
