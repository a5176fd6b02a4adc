package org.dl4jmeta.train;

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
     * Asked after {@link #iterationDone}: whether training has reached its goal (e.g. BI-MAML's gradient-norm
     * target) and should stop before the iteration budget.
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
