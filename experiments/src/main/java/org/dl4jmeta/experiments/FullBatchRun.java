package org.dl4jmeta.experiments;

import java.util.ArrayList;
import java.util.List;
import org.dl4jmeta.algorithm.LearnerState;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.optim.OuterOptimizer;
import org.dl4jmeta.optim.TrainingState;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.train.IterationMetrics;
import org.dl4jmeta.train.MetaTrainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Deterministic meta-training through the library: every iteration's meta-batch is all M tasks in order, the
 * {@link MetaTrainer} averages their meta-gradients and ND4J's {@link Sgd} applies the update, so the run is
 * full-batch gradient descent on the meta-objective. Stepped one iteration at a time, so that two runs can be
 * interleaved (their wall times then see the same machine load).
 *
 * <p>Call order: construct (the observer sees the initial weights), {@link #step} until it returns false or the
 * budget ends, {@link #close}. Not thread-safe.
 */
final class FullBatchRun implements AutoCloseable {

    /** Sees the weights after every update (and before the first); returns true to stop training. */
    @FunctionalInterface
    interface Observer {
        /**
         * @param iteration updates applied so far (0: the initial weights)
         * @param metrics the trainer's metrics of that update (null at iteration 0)
         * @param w the weights after it, row-major flattened
         * @return whether to stop
         */
        boolean observe(int iteration, IterationMetrics metrics, double[] w);

        /**
         * Called just before {@link #observe} with the learner state that update's meta-gradients were computed in
         * (BI-MAML's phase; before iteration 0, the initial state). Default: ignored.
         *
         * @param used the learner state
         */
        default void learnerState(LearnerState used) {
        }
    }

    private final List<Episode> tasks;
    private final MetaLearner learner;
    private final MetaTrainer trainer;
    private final TrainingState state;
    private boolean stopped;
    private boolean observerStop;
    private LearnerState used;

    /**
     * @param learner the meta-learner
     * @param tasks the M tasks, one meta-batch
     * @param theta0 initial meta-parameters (copied)
     * @param stepSize the SGD step on the averaged meta-gradient
     * @param observer called now and after every update
     */
    FullBatchRun(MetaLearner learner, List<Episode> tasks, ParamSet theta0, double stepSize, Observer observer) {
        this.tasks = List.copyOf(tasks);
        this.learner = learner;
        ParamSet theta = theta0.copy();
        this.state = new TrainingState(theta, new OuterOptimizer(new Sgd(stepSize), theta.length(), DataType.DOUBLE),
                0, learner.initialState());
        this.trainer = new MetaTrainer(learner, tasks.size());
        trainer.addListener((m, s) -> {
            observer.learnerState(used);
            observerStop = observer.observe(m.iteration(), m, LinearModel.weights(s.theta()));
        });
        observer.learnerState(state.learnerState());
        this.stopped = observer.observe(0, null, LinearModel.weights(theta));
    }

    /**
     * One outer iteration over all tasks, unless stopped.
     *
     * @return false if the run had stopped or stops now (the observer asked or the learner reached its goal)
     */
    boolean step() {
        if (stopped) {
            return false;
        }
        long first = (long) state.iteration() * tasks.size();
        used = state.learnerState();
        IterationMetrics m = trainer.step(state, new ArrayList<>(tasks), first);
        stopped = observerStop | learner.reachedGoal(state.learnerState(), m.iteration(), m.gradientNorm());
        return !stopped;
    }

    /** @return whether the run has stopped */
    boolean stopped() {
        return stopped;
    }

    /**
     * Steps until stopped or {@code iterations} updates in all.
     *
     * @param iterations the budget
     * @return the final meta-parameters
     */
    ParamSet run(int iterations) {
        while (state.iteration() < iterations && step()) {
            // the observer records every iteration
        }
        return state.theta();
    }

    /** @return the learner's state now (BI-MAML's phase and switch iteration) */
    LearnerState learnerState() {
        return state.learnerState();
    }

    /** @return the number of updates applied */
    int iteration() {
        return state.iteration();
    }

    @Override
    public void close() {
        trainer.close();
    }

    /** @return |a - b| / (|a| + |b|), 0 when both are 0 (DL4J's gradient-check relative error) */
    static double relativeError(double a, double b) {
        double s = Math.abs(a) + Math.abs(b);
        return s == 0 ? 0 : Math.abs(a - b) / s;
    }
}
