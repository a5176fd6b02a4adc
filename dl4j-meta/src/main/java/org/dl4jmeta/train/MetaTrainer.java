package org.dl4jmeta.train;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.dl4jmeta.algorithm.LearnerState;
import org.dl4jmeta.algorithm.MetaGradient;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.optim.TrainingState;
import org.dl4jmeta.parallel.WorkerPool;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.EpisodeSource;

/**
 * The meta-training loop (Finn et al. 2017, Algorithm 2): per iteration, a meta-batch of B tasks, the average of
 * their meta-gradients, one outer-optimiser update.
 *
 * <p>Iteration t (0-based) uses episodes tB .. tB+B-1 of the source, so a run is a pure function of the initial
 * state, the configuration and the source's seed, and resuming from a saved state reproduces the uninterrupted
 * run.
 *
 * <p>Parallel meta-batches: built with a learner factory and T threads, the tasks of a meta-batch are computed on T
 * workers, each with its own learner (and so its own graphs); the per-task meta-gradients are summed on the calling
 * thread in task order, exactly as the sequential loop sums them, so the result does not depend on T. With T = 1
 * everything runs inline on the calling thread.
 *
 * <p>Learner state: a learner's own state (BI-MAML's phase) lives in the {@link TrainingState}. Every task of an
 * iteration, on whatever worker, gets the state's {@link LearnerState}; after the update the primary learner's
 * {@link MetaLearner#afterIteration} gives the next one, and {@link #fit} stops early when
 * {@link MetaLearner#reachedGoal} says so. Learners are never listeners.
 *
 * <p>Where the tasks of {@link #fit}'s meta-batches are computed: by default on the trainer's workers, from episodes
 * requested in index order on the calling thread (so a prefetching source sees one consumer);
 * {@link #executor} puts them on a {@link MetaBatchExecutor} (e.g. a Spark cluster), which regenerates the
 * episodes where it computes them, without changing the arithmetic above.
 *
 * <p>Call order: construct, {@link #addListener} and {@link #executor} as needed, then {@link #fit} or
 * {@link #step} repeatedly, and {@link #close} to stop worker threads. Not thread-safe.
 */
public final class MetaTrainer implements AutoCloseable {

    private final MetaLearner learner;
    private final int metaBatchSize;
    private final WorkerPool<MetaLearner> pool;
    private final List<TrainingListener> listeners = new ArrayList<>();
    private int preAdaptationEvery = 1;
    private int trimEvery = 32;
    private long tasksSinceTrim;
    private MetaBatchExecutor executor;

    /**
     * A sequential trainer around one learner.
     *
     * @param learner the meta-learner
     * @param metaBatchSize tasks per outer update B, &gt;= 1
     */
    public MetaTrainer(MetaLearner learner, int metaBatchSize) {
        this.learner = Objects.requireNonNull(learner, "learner");
        requireBatch(metaBatchSize);
        this.metaBatchSize = metaBatchSize;
        this.pool = new WorkerPool<>(() -> learner, 1);
    }

    /**
     * A trainer computing the tasks of each meta-batch on {@code threads} workers.
     *
     * @param factory creates one learner per worker; every learner must be configured identically
     * @param metaBatchSize tasks per outer update B, &gt;= 1
     * @param threads workers T, &gt;= 1 (1: inline, no threads)
     * @throws IllegalArgumentException if metaBatchSize or threads is below 1
     */
    public MetaTrainer(Supplier<? extends MetaLearner> factory, int metaBatchSize, int threads) {
        Objects.requireNonNull(factory, "factory");
        requireBatch(metaBatchSize);
        this.metaBatchSize = metaBatchSize;
        this.pool = new WorkerPool<>(factory, threads);
        this.learner = pool.primary();
    }

    private static void requireBatch(int metaBatchSize) {
        if (metaBatchSize < 1) {
            throw new IllegalArgumentException("metaBatchSize must be >= 1, got " + metaBatchSize);
        }
    }

    /**
     * @param listener called after every iteration
     * @return this
     */
    public MetaTrainer addListener(TrainingListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * How often the tasks' query loss and accuracy at theta (before adaptation) are measured. Each measurement
     * costs a forward pass of every task's query set that the meta-gradient does not need (about a quarter of a
     * first-order MAML task); the parameters are the same whatever the setting.
     *
     * @param every measure on iterations (1-based) divisible by this, &gt;= 0: 1 (the default) every iteration, 0
     *     never; unmeasured iterations report NaN for them in {@link IterationMetrics}
     * @return this
     * @throws IllegalArgumentException if every is negative
     */
    public MetaTrainer preAdaptationMetricsEvery(int every) {
        if (every < 0) {
            throw new IllegalArgumentException("preAdaptationMetricsEvery must be >= 0 (0: never, 1: every "
                    + "iteration), got " + every);
        }
        this.preAdaptationEvery = every;
        return this;
    }

    /**
     * How often the C heap's free pages go back to the operating system ({@link
     * org.dl4jmeta.model.NativeArrays#trimCHeap}): after the first iteration that ends at least this many tasks
     * after the last trim, once its arrays are closed. The parameters are the same whatever the setting.
     *
     * <p>Without trims the resident set climbs with the C allocator's fragmentation far above the live set: with
     * bench's JVM settings (Conv-4, 5-way 1-shot, 2 workers, 10 meta-steps of 32 tasks), peak 545 MB without and
     * 420-430 MB with a trim after each meta-step for second-order MAML with 1 inner step, 555 against 380 MB for
     * first-order MAML with 5. A trim costs 2-12 ms plus the page faults of touching the returned pages again; the
     * default, 32 tasks, keeps that to a trim per meta-step at meta-batch 32 and one every 8 at meta-batch 4.
     *
     * @param tasks at least this many tasks between trims, &gt;= 0 (0: never trim)
     * @return this
     * @throws IllegalArgumentException if tasks is negative
     */
    public MetaTrainer trimCHeapEvery(int tasks) {
        if (tasks < 0) {
            throw new IllegalArgumentException("trimCHeapEvery must be >= 0 tasks (0: never), got " + tasks);
        }
        this.trimEvery = tasks;
        return this;
    }

    /**
     * Computes {@link #fit}'s meta-batches with another executor instead of this trainer's workers. The trainer
     * does not close it. The workers' learners stay in use for explicit {@link #step} batches, for
     * {@code outerStepScale} and for the caller (validation).
     *
     * @param executor where the tasks' meta-gradients are computed
     * @return this
     */
    public MetaTrainer executor(MetaBatchExecutor executor) {
        this.executor = Objects.requireNonNull(executor, "executor");
        return this;
    }

    /** Each worker also checks its own tasks' gradients, so the calling thread only sums. */
    private List<Checked> onWorkers(ParamSet theta, LearnerState learnerState, List<Episode> batch, boolean before) {
        return pool.map(batch.size(), (l, i) -> {
            MetaGradient g = l.metaGradient(theta, learnerState, batch.get(i), before);
            return new Checked(g, g.gradient().firstNonFinite());
        });
    }

    /** The executor's gradients for episodes [first, first + B), checked here on the calling thread. */
    private List<Checked> onExecutor(ParamSet theta, LearnerState learnerState, EpisodeSource source, int iteration,
                                     long first, boolean before) {
        List<MetaGradient> g = executor.metaGradients(theta, learnerState, source, iteration, first, metaBatchSize,
                before);
        if (g.size() != metaBatchSize) {
            throw new IllegalStateException("the meta-batch executor returned " + g.size() + " meta-gradients for "
                    + metaBatchSize + " tasks at iteration " + iteration);
        }
        List<Checked> checked = new ArrayList<>(g.size());
        for (MetaGradient mg : g) {
            checked.add(new Checked(mg, mg.gradient().firstNonFinite()));
        }
        return checked;
    }

    /** @return the meta-batch size */
    public int metaBatchSize() {
        return metaBatchSize;
    }

    /** @return the number of workers computing a meta-batch's tasks */
    public int threads() {
        return pool.size();
    }

    /**
     * @return the learner used on the calling thread (also for {@code outerStepScale}); between iterations it may be
     *     used there, e.g. for validation
     */
    public MetaLearner learner() {
        return learner;
    }

    /**
     * Trains until {@code state.iteration() == iterations}, the learner reaches its goal
     * ({@link MetaLearner#reachedGoal}) or a listener asks to stop.
     *
     * @param state the state to continue from (updated in place)
     * @param source the training episodes
     * @param iterations total iterations to reach, &gt;= state.iteration()
     * @return the same state object
     * @throws NonFiniteLossException if a loss or gradient becomes NaN or infinite (state keeps the last good
     *     parameters)
     */
    public TrainingState fit(TrainingState state, EpisodeSource source, int iterations) {
        if (iterations < state.iteration()) {
            throw new IllegalArgumentException("iterations (" + iterations + ") must be >= the state's completed "
                    + "iterations (" + state.iteration() + ")");
        }
        List<TrainingListener> all = List.copyOf(listeners);
        all.forEach(l -> l.onStart(state));
        boolean stop = false;
        while (state.iteration() < iterations && !stop) {
            long first = (long) state.iteration() * metaBatchSize;
            int iteration = state.iteration() + 1;
            LazyBatch batch = new LazyBatch(source, first, metaBatchSize);
            IterationMetrics m = update(state, batch, first, executor == null
                    ? (theta, ls, before) -> onWorkers(theta, ls, batch.all(), before)
                    : (theta, ls, before) -> onExecutor(theta, ls, source, iteration, first, before));
            stop = learner.reachedGoal(state.learnerState(), m.iteration(), m.gradientNorm());
            for (TrainingListener l : all) {
                stop |= l.shouldStop(m, state);
            }
        }
        all.forEach(l -> l.onEnd(state));
        return state;
    }

    /**
     * One outer update from a given meta-batch.
     *
     * @param state the state (theta updated in place, iteration and learner state advanced)
     * @param batch the tasks
     * @param firstEpisodeIndex the source index of {@code batch.get(0)}, for error messages
     * @return the iteration's metrics
     * @throws NonFiniteLossException if a loss or gradient is NaN or infinite (nothing is updated); it names the
     *     first such task in batch order
     */
    public IterationMetrics step(TrainingState state, List<Episode> batch, long firstEpisodeIndex) {
        if (batch.isEmpty()) {
            throw new IllegalArgumentException("a meta-batch needs at least one episode, got none");
        }
        return update(state, batch, firstEpisodeIndex, (theta, ls, before) -> onWorkers(theta, ls, batch, before));
    }

    /** Computes a meta-batch's task gradients at theta, in task order, each with its first non-finite tensor. */
    @FunctionalInterface
    private interface TaskGradients {
        List<Checked> compute(ParamSet theta, LearnerState learnerState, boolean preAdaptationMetrics);
    }

    /**
     * One iteration: the tasks' gradients and the outer update run with a worker's native thread count on the
     * calling thread too ({@link WorkerPool#atWorkerThreads}: no OpenMP team left spinning on the workers' cores
     * when the next meta-batch starts), the listeners with the caller's own.
     */
    private IterationMetrics update(TrainingState state, List<Episode> batch, long firstEpisodeIndex,
                                    TaskGradients tasks) {
        IterationMetrics m = pool.atWorkerThreads(() -> compute(state, batch, firstEpisodeIndex, tasks));
        for (TrainingListener l : listeners) {
            l.iterationDone(m, state);
        }
        return m;
    }

    private IterationMetrics compute(TrainingState state, List<Episode> batch, long firstEpisodeIndex,
                                     TaskGradients tasks) {
        long t0 = System.nanoTime();
        int iteration = state.iteration() + 1;
        ParamSet theta = state.theta();
        LearnerState learnerState = state.learnerState();
        boolean before = preAdaptationEvery > 0 && iteration % preAdaptationEvery == 0;
        List<Checked> grads = tasks.compute(theta, learnerState, before);
        ParamSet sum = theta.zerosLike();
        double metaLoss = 0;
        double supportBefore = 0;
        double queryBefore = 0;
        double accBefore = 0;
        double accAfter = 0;
        for (int i = 0; i < batch.size(); i++) {
            MetaGradient mg = grads.get(i).gradient();
            double loss = mg.metrics().queryLossAfter();
            if (!Double.isFinite(loss)) {
                throw new NonFiniteLossException(iteration, firstEpisodeIndex + i, "query loss after adaptation is "
                        + loss);
            }
            String bad = grads.get(i).firstNonFinite();
            if (bad != null) {
                throw new NonFiniteLossException(iteration, firstEpisodeIndex + i,
                        "meta-gradient of parameter '" + bad + "' is not finite");
            }
            sum.axpyi(1.0, mg.gradient());
            metaLoss += loss;
            supportBefore += mg.metrics().supportLossBefore();
            queryBefore += mg.metrics().queryLossBefore();
            accBefore += mg.metrics().queryAccuracyBefore();
            accAfter += mg.metrics().queryAccuracyAfter();
        }
        // the task gradients are summed: their native buffers go back now, not when a collection finds them
        // (MetaLearner#metaGradient hands them to the caller); so does the sum once the optimiser has used it
        grads.forEach(c -> c.gradient().gradient().release());
        int b = batch.size();
        sum.scalei(learner.outerStepScale(theta, batch) / b);
        boolean stepped = state.optimizer().step(theta, sum, iteration - 1);
        double norm = sum.norm2();
        sum.release();
        tasksSinceTrim += b;
        if (trimEvery > 0 && tasksSinceTrim >= trimEvery) {
            org.dl4jmeta.model.NativeArrays.trimCHeap();
            tasksSinceTrim = 0;
        }
        if (!stepped) {
            throw new NonFiniteLossException(iteration, firstEpisodeIndex, "the outer update overflowed");
        }
        state.advance(learner.afterIteration(learnerState, iteration, norm));
        return new IterationMetrics(iteration, metaLoss / b, supportBefore / b, queryBefore / b, accBefore / b,
                accAfter / b, norm, (System.nanoTime() - t0) / 1e6);
    }

    /** A task's meta-gradient and the first of its tensors that is not finite (null if none). */
    private record Checked(MetaGradient gradient, String firstNonFinite) {
    }

    /**
     * A meta-batch's episodes, each generated on the calling thread when first read, once: all of them for the
     * trainer's own workers, none for an executor elsewhere unless {@code outerStepScale} reads them.
     */
    private static final class LazyBatch extends AbstractList<Episode> {
        private final EpisodeSource source;
        private final long first;
        private final Episode[] episodes;

        LazyBatch(EpisodeSource source, long first, int size) {
            this.source = source;
            this.first = first;
            this.episodes = new Episode[size];
        }

        @Override
        public Episode get(int i) {
            Objects.checkIndex(i, episodes.length);
            if (episodes[i] == null) {
                episodes[i] = source.episode(first + i);
            }
            return episodes[i];
        }

        @Override
        public int size() {
            return episodes.length;
        }

        /** @return this batch with every episode generated, in index order */
        List<Episode> all() {
            for (int i = 0; i < episodes.length; i++) {
                get(i);
            }
            return this;
        }
    }

    /** Stops the worker threads (none with one worker). Idempotent. */
    @Override
    public void close() {
        pool.close();
    }
}
