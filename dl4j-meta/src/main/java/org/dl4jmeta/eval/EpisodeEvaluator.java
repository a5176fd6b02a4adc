package org.dl4jmeta.eval;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.algorithm.TaskMetrics;
import org.dl4jmeta.model.NativeArrays;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.parallel.WorkerPool;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.EpisodeSource;

/**
 * Evaluates meta-parameters the way the papers do (Finn et al. 2017, section 5.2; 600 episodes in later work):
 * for each test episode, adapt theta on the support set with the test-time number of SGD steps and measure the
 * accuracy on the query set. Episodes come from a seeded source, so two models evaluated with the same source
 * see identical tasks.
 *
 * <p>Queries are predicted with batch norm in a {@link BatchNormMode}: {@link BatchNormMode#TRANSDUCTIVE} (the
 * query batch's statistics, the papers' protocol and the default) or {@link BatchNormMode#SUPPORT} (the support
 * set's statistics at the adapted parameters, each query predicted independently of the others); both modes adapt
 * identically and see the same episodes.
 *
 * <p>Built with a learner factory and T threads, episodes are spread over T workers, each with its own learner and
 * graphs; every episode's outcome is computed exactly as sequentially, so results do not depend on T.
 * Call order: construct, {@link #evaluate} or {@link #outcomes} any number of times, {@link #close}.
 * Not thread-safe.
 */
public final class EpisodeEvaluator implements AutoCloseable {

    private final WorkerPool<Worker> pool;

    /** A worker's learner and its query predictors by batch norm mode. */
    private static final class Worker {
        final MetaLearner learner;
        final Map<BatchNormMode, QueryPredictor> predictors = new EnumMap<>(BatchNormMode.class);

        Worker(MetaLearner learner) {
            this.learner = learner;
        }
    }

    /** @param learner the learner whose {@code adapt} is used (sequential evaluation) */
    public EpisodeEvaluator(MetaLearner learner) {
        Objects.requireNonNull(learner, "learner");
        this.pool = new WorkerPool<>(() -> new Worker(learner), 1);
    }

    /**
     * @param factory creates one learner per worker, all configured identically
     * @param threads workers T, &gt;= 1
     */
    public EpisodeEvaluator(Supplier<? extends MetaLearner> factory, int threads) {
        Objects.requireNonNull(factory, "factory");
        this.pool = new WorkerPool<>(() -> new Worker(factory.get()), threads);
    }

    /**
     * @param theta meta-parameters (not modified)
     * @param source test episodes
     * @param episodes number of episodes, &gt;= 1 (episodes 0..n-1 of the source)
     * @param steps test-time inner steps, &gt;= 1
     * @return per-episode accuracies with mean and 95% confidence interval
     */
    public EvaluationResult evaluate(ParamSet theta, EpisodeSource source, int episodes, int steps) {
        return EvaluationResult.of(outcomes(theta, source, episodes, steps));
    }

    /**
     * As {@link #evaluate(ParamSet, EpisodeSource, int, int)}, predicting the queries with batch norm in the given
     * mode.
     *
     * @param mode where batch norm takes its statistics when the queries are predicted
     * @return per-episode accuracies with mean and 95% confidence interval
     */
    public EvaluationResult evaluate(ParamSet theta, EpisodeSource source, int episodes, int steps,
                                     BatchNormMode mode) {
        return EvaluationResult.of(outcomes(theta, source, episodes, steps, mode));
    }

    /**
     * Adapts on and scores episodes 0..n-1 of a source.
     *
     * @param theta meta-parameters (not modified)
     * @param source test episodes
     * @param episodes number of episodes n, &gt;= 1
     * @param steps test-time inner steps, &gt;= 1
     * @return every episode's outcome, in episode order
     * @throws IllegalArgumentException if episodes or steps is below 1, or theta does not fit the episodes
     */
    public List<EpisodeOutcome> outcomes(ParamSet theta, EpisodeSource source, int episodes, int steps) {
        return outcomes(theta, source, episodes, steps, BatchNormMode.TRANSDUCTIVE);
    }

    /**
     * Adapts on and scores episodes 0..n-1 of a source, predicting the queries with batch norm in the given mode.
     *
     * @param theta meta-parameters (not modified)
     * @param source test episodes
     * @param episodes number of episodes n, &gt;= 1
     * @param steps test-time inner steps, &gt;= 1
     * @param mode where batch norm takes its statistics when the queries are predicted
     * @return every episode's outcome, in episode order
     * @throws IllegalArgumentException if episodes or steps is below 1, mode is null, or theta does not fit the
     *     episodes
     */
    public List<EpisodeOutcome> outcomes(ParamSet theta, EpisodeSource source, int episodes, int steps,
                                         BatchNormMode mode) {
        if (mode == null) {
            throw new IllegalArgumentException("batch norm mode must be one of transductive, support, got null");
        }
        if (episodes < 1) {
            throw new IllegalArgumentException("episodes must be >= 1, got " + episodes);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("test inner steps must be >= 1, got " + steps);
        }
        return pool.map(episodes, (w, i) -> outcome(w, theta, source.episode(i), i, steps, mode));
    }

    private static EpisodeOutcome outcome(Worker w, ParamSet theta, Episode e, long index, int steps,
                                          BatchNormMode mode) {
        ParamSet phi = w.learner.adapt(theta, e.supportX(), e.supportY(), steps);
        QueryPredictor.Prediction r = w.predictors.computeIfAbsent(mode,
                m -> new QueryPredictor(w.learner.network(), m)).predict(phi, e.supportX(), e.queryX(), e.queryY());
        // phi is this method's (MetaLearner#adapt returns the caller's set); its buffer goes back now unless a
        // learner handed back memory of theta
        NativeArrays.close(List.of(phi.flat()), List.of(theta.flat()));
        return new EpisodeOutcome(index, TaskMetrics.accuracy(r.output(), e.queryY()), r.loss(), r.output(),
                e.queryY());
    }

    /** Stops the worker threads. Idempotent. */
    @Override
    public void close() {
        pool.close();
    }
}
