package org.dl4jmeta.train;

import org.dl4jmeta.optim.TrainingState;

/**
 * Observes meta-training, in the spirit of DL4J's {@code TrainingListener}. Called on the training thread, in
 * order: {@link #onStart} once, {@link #iterationDone} then {@link #shouldStop} after every outer update,
 * {@link #onEnd} once after the last iteration (not when training stops with an exception).
 */
public interface TrainingListener {

    /**
     * @param state the state training starts from
     */
    default void onStart(TrainingState state) {
    }

    /**
     * @param metrics the iteration's averages
     * @param state the state after the update (theta is live: copy it to keep it)
     */
    void iterationDone(IterationMetrics metrics, TrainingState state);

    /**
     * Asked after {@link #iterationDone}: whether training should stop before the iteration budget (e.g. a time
     * budget or a stop request; a learner's own goal, such as BI-MAML's gradient-norm target, is asked of the
     * learner by the trainer, not of a listener).
     *
     * @param metrics the iteration's averages
     * @param state the state after the update
     * @return true to stop
     */
    default boolean shouldStop(IterationMetrics metrics, TrainingState state) {
        return false;
    }

    /**
     * @param state the final state
     */
    default void onEnd(TrainingState state) {
    }
}
