package org.dl4jmeta.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.eval.EpisodeEvaluator;
import org.dl4jmeta.eval.EvaluationResult;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
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
    void workersUseTheirOwnLearnerOnTheirOwnThread() {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        List<Object> created = new ArrayList<>();
        try (WorkerPool<Object> pool = new WorkerPool<>(() -> {
            Object o = new Object();
            created.add(o);
            return o;
        }, 3)) {
            for (int round = 0; round < 3; round++) {
                List<Integer> r = pool.map(12, (w, i) -> {
                    seen.add(System.identityHashCode(w) + "@" + Thread.currentThread().getName());
                    return i * i;
                });
                for (int i = 0; i < 12; i++) {
                    assertEquals(i * i, r.get(i));
                }
            }
        }
        assertEquals(3, created.size());
        // each context is bound to one thread: at most one thread name per context
        assertTrue(seen.stream().map(s -> s.substring(0, s.indexOf('@'))).distinct().count() == seen.size(),
                seen.toString());
    }

    @Test
    void workersShareTheCoresAndTheCallerGetsItsNativeThreadsBack() {
        int cores = Runtime.getRuntime().availableProcessors();
        int before = NativeThreads.get();
        NativeThreads.set(cores + 1); // a count no worker of a 2-worker pool gets (cores / 2)
        try (WorkerPool<Object> pool = new WorkerPool<>(Object::new, 2)) {
            for (int round = 0; round < 2; round++) {
                List<Integer> seen = pool.map(6, (w, i) -> NativeThreads.get());
                assertEquals(java.util.Collections.nCopies(6, Math.max(1, cores / 2)), seen);
                assertEquals(cores + 1, NativeThreads.get());
            }
            try (WorkerPool<Object> single = new WorkerPool<>(Object::new, 1)) {
                assertEquals(List.of(cores + 1, cores + 1), single.map(2, (w, i) -> NativeThreads.get()));
            }
        } finally {
            NativeThreads.set(before);
        }
    }

    @Test
    void theLowestIndexedFailureIsReported() {
        try (WorkerPool<Object> pool = new WorkerPool<>(Object::new, 2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.map(8, (w, i) -> {
                if (i == 3 || i == 6) {
                    throw new IllegalStateException("task " + i);
                }
                return i;
            }));
            assertEquals("task 3", e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new WorkerPool<>(Object::new, 0));
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
}
