package org.dl4jmeta.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.eval.EpisodeEvaluator;
import org.dl4jmeta.eval.EvaluationResult;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.optim.OuterOptimizer;
import org.dl4jmeta.optim.TrainingState;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.EpisodeSource;
import org.dl4jmeta.testutil.TinyTasks;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Tasks of a meta-batch computed on several workers give the sequential averaged meta-gradient: per-task gradients
 * are summed in task order on the calling thread, so in double precision the parameters after training agree bit for
 * bit, and in float within float rounding. Parallel evaluation gives the sequential per-episode accuracies.
 */
class ParallelMetaBatchTest {

    static Network net() {
        return TinyTasks.net();
    }

    static EpisodeSource tasks(DataType dt) {
        return TinyTasks.tasks(dt, 1, 2, 5);
    }

    static double[] train(DataType dt, int threads, int iterations) {
        return train(dt, threads, iterations, new Adam(0.01));
    }

    static double[] train(DataType dt, int threads, int iterations, org.nd4j.linalg.learning.config.IUpdater updater) {
        Network net = net();
        MamlConfig cfg = MamlConfig.secondOrder(1, 0.4);
        ParamSet theta = new Maml(net, cfg).initialise(3, dt);
        TrainingState s = new TrainingState(theta, new OuterOptimizer(updater, theta.length(), dt), 0);
        try (MetaTrainer t = threads == 0 ? new MetaTrainer(new Maml(net, cfg), 5)
                : new MetaTrainer(() -> new Maml(net, cfg), 5, threads)) {
            t.fit(s, tasks(dt), iterations);
        }
        return s.theta().flat().toDoubleVector();
    }

    @Test
    void parallelEqualsSequentialInDoubleExactly() {
        double[] seq = train(DataType.DOUBLE, 0, 2);
        assertArrayEquals(seq, train(DataType.DOUBLE, 1, 2), 0.0);
        assertArrayEquals(seq, train(DataType.DOUBLE, 3, 2), 0.0);
    }

    @Test
    void parallelEqualsSequentialInFloatWithinRounding() {
        // plain SGD: parallel workers run their native ops with fewer OpenMP threads, so float reductions round
        // differently, and Adam would blow that rounding up to a full step in the conv biases, whose gradient
        // before batch norm is zero in exact arithmetic (rounding noise only)
        var sgd = new org.nd4j.linalg.learning.config.Sgd(0.1);
        double[] seq = train(DataType.FLOAT, 0, 2, sgd);
        double[] par = train(DataType.FLOAT, 2, 2, sgd);
        for (int i = 0; i < seq.length; i++) {
            assertEquals(seq[i], par[i], 1e-6 * Math.max(1, Math.abs(seq[i])), "parameter " + i);
        }
    }

    @Test
    void parallelEvaluationEqualsSequential() {
        Network net = net();
        MamlConfig cfg = MamlConfig.firstOrder(2, 0.4);
        MetaLearner l = new Maml(net, cfg);
        ParamSet theta = l.initialise(1, DataType.FLOAT);
        EvaluationResult seq = new EpisodeEvaluator(l).evaluate(theta, tasks(DataType.FLOAT), 9, 2);
        EvaluationResult par;
        try (EpisodeEvaluator ev = new EpisodeEvaluator(() -> new Maml(net, cfg), 2)) {
            par = ev.evaluate(theta, tasks(DataType.FLOAT), 9, 2);
        }
        assertArrayEquals(seq.accuracies(), par.accuracies(), 0.0);
        assertArrayEquals(seq.losses(), par.losses(), 0.0);
        Episode e = tasks(DataType.FLOAT).episode(0);
        assertEquals(3, e.ways());
    }

    /** MAML recording the calling thread's native thread count where the trainer asks its outer step scale. */
    private static final class RecordingLearner extends org.dl4jmeta.algorithm.MamlVariant {
        private final List<Integer> outerStepThreads;

        RecordingLearner(Maml maml, List<Integer> outerStepThreads) {
            super(maml);
            this.outerStepThreads = outerStepThreads;
        }

        @Override
        public String id() {
            return maml().id();
        }

        @Override
        public double outerStepScale(ParamSet theta, List<Episode> batch) {
            outerStepThreads.add(org.dl4jmeta.parallel.NativeThreads.get());
            return 1.0;
        }
    }

    @Test
    void theOuterUpdateRunsAtAWorkersNativeThreadsAndListenersAtTheCallers() {
        int cores = Runtime.getRuntime().availableProcessors();
        int before = org.dl4jmeta.parallel.NativeThreads.get();
        int caller = cores + 1; // a count no worker of a 2-worker pool gets (cores / 2)
        org.dl4jmeta.parallel.NativeThreads.set(caller);
        try {
            Network net = net();
            MamlConfig cfg = MamlConfig.firstOrder(1, 0.4);
            List<Integer> outer = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Integer> listener = new ArrayList<>();
            ParamSet theta = new Maml(net, cfg).initialise(3, DataType.FLOAT);
            TrainingState s = new TrainingState(theta, new OuterOptimizer(new Adam(0.01), theta.length(),
                    DataType.FLOAT), 0);
            try (MetaTrainer t = new MetaTrainer(() -> new RecordingLearner(new Maml(net, cfg), outer), 4, 2)) {
                t.addListener((m, st) -> listener.add(org.dl4jmeta.parallel.NativeThreads.get()));
                t.fit(s, tasks(DataType.FLOAT), 2);
            }
            assertEquals(List.of(Math.max(1, cores / 2), Math.max(1, cores / 2)), outer);
            assertEquals(List.of(caller, caller), listener);
            assertEquals(caller, org.dl4jmeta.parallel.NativeThreads.get());
        } finally {
            org.dl4jmeta.parallel.NativeThreads.set(before);
        }
    }
}
