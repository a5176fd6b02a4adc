package org.dl4jmeta.algorithm;

import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A gradient-based meta-learner (the learn2learn shape: wrap a model, adapt, compute the meta-loss): it adapts
 * meta-parameters theta to a task and returns the gradient of the task's meta-objective with respect to theta;
 * an outer optimiser (ND4J's updaters) applies it.
 *
 * <p>Implementations cache compiled graphs per episode shape and are not thread-safe: use one instance per
 * thread. Call order: {@link #initialise} (or load theta), then {@link #metaGradient} and {@link #adapt} in any
 * order. Neither method mutates theta.
 *
 * <p>A learner keeps no training state of its own: what changes during meta-training (e.g. BI-MAML's phase) is a
 * {@link LearnerState} that the trainer holds, passes to
 * {@link #metaGradient(ParamSet, LearnerState, Episode, boolean)} and advances with {@link #afterIteration};
 * learners without one ignore it (the defaults).
 */
public interface MetaLearner {

    /** @return a short identifier, e.g. "maml", "fomaml", "reptile" */
    String id();

    /** @return the network being meta-learned */
    Network network();

    /**
     * Seeded initial meta-parameters: the network's parameters plus any learned algorithm parameters (e.g.
     * per-step inner step sizes).
     *
     * @param seed the seed
     * @param dataType FLOAT or DOUBLE
     * @return fresh meta-parameters
     */
    ParamSet initialise(long seed, DataType dataType);

    /**
     * Checks, before any training, that support sets of this size suit the learner's settings (Reptile's inner
     * mini-batches must divide it), so that a job can refuse a bad combination before it writes anything. The
     * default accepts every size.
     *
     * @param supportExamples examples in one support set, N ways times K shots
     * @throws IllegalArgumentException naming the setting, the size and the fix
     */
    default void requireSupportSize(int supportExamples) {
    }

    /**
     * Adapts theta to an episode's support set with the configured number of inner steps.
     *
     * @param theta meta-parameters (not modified)
     * @param episode the task
     * @return the adapted network parameters phi
     * @throws IllegalArgumentException if theta or the episode do not fit the network
     */
    default ParamSet adapt(ParamSet theta, Episode episode) {
        return adapt(theta, episode.supportX(), episode.supportY(), innerSteps());
    }

    /**
     * Adapts theta to a support set with a given number of SGD steps (e.g. more steps at test time). The built-in
     * learners adapt with graphs whose results do not depend on the number of OpenMP threads, so evaluation gives
     * the same numbers with any number of workers (meta-gradients use faster fused ops and match across worker
     * counts to rounding in float, exactly in double).
     *
     * @param theta meta-parameters (not modified)
     * @param supportX support inputs
     * @param supportY support targets
     * @param steps inner steps, &gt;= 1
     * @return the adapted network parameters phi, the caller's ({@link org.dl4jmeta.model.NativeArrays}'s ownership
     *     rule): evaluation releases it once the query is predicted, so it must not be memory the learner keeps
     *     (memory shared with theta is never released)
     * @throws IllegalArgumentException if steps &lt; 1 or shapes do not fit the network
     */
    ParamSet adapt(ParamSet theta, INDArray supportX, INDArray supportY, int steps);

    /**
     * The meta-gradient of one task and all its metrics:
     * {@code metaGradient(theta, episode, true)}.
     *
     * @param theta meta-parameters (not modified)
     * @param episode the task
     * @return the gradient in theta's layout, and metrics; the gradient is the caller's (a fresh set the learner
     *     keeps no reference to: the trainer releases its native buffer once it has summed it)
     * @throws IllegalArgumentException if theta or the episode do not fit the network
     */
    default MetaGradient metaGradient(ParamSet theta, Episode episode) {
        return metaGradient(theta, episode, true);
    }

    /**
     * The meta-gradient of one task and its metrics.
     *
     * @param theta meta-parameters (not modified)
     * @param episode the task
     * @param preAdaptationMetrics whether to measure the query loss and accuracy at theta (before adaptation),
     *     which costs a forward pass of the query set that the meta-gradient does not need (about a quarter of a
     *     first-order MAML task); when false they are NaN in the metrics, as is any support loss at theta that
     *     would cost its own pass. The gradient is the same either way.
     * @return the gradient in theta's layout, and metrics; the gradient is the caller's (a fresh set the learner
     *     keeps no reference to: the trainer releases its native buffer once it has summed it)
     * @throws IllegalArgumentException if theta or the episode do not fit the network
     */
    MetaGradient metaGradient(ParamSet theta, Episode episode, boolean preAdaptationMetrics);

    /** @return the configured number of inner steps used in meta-training */
    int innerSteps();

    /**
     * A factor the trainer multiplies into the averaged meta-gradient before the outer optimiser (1 by default;
     * HF-MAML's adaptive step size uses it, with SGD of rate 1 it is the outer step itself).
     *
     * @param theta the meta-parameters
     * @param batch the meta-batch
     * @return the factor, &gt; 0
     */
    default double outerStepScale(ParamSet theta, java.util.List<Episode> batch) {
        return 1.0;
    }

    /**
     * @return the learner's state when meta-training starts (e.g. BI-MAML's phase 1); {@link LearnerState#NONE} by
     *     default
     */
    default LearnerState initialState() {
        return LearnerState.NONE;
    }

    /**
     * The meta-gradient of one task in a given learner state. Default: the state is ignored,
     * {@code metaGradient(theta, episode, preAdaptationMetrics)}.
     *
     * @param theta meta-parameters (not modified)
     * @param state the learner's state for this iteration (from the training state)
     * @param episode the task
     * @param preAdaptationMetrics as in {@link #metaGradient(ParamSet, Episode, boolean)}
     * @return the gradient in theta's layout, and metrics; the gradient is the caller's (a fresh set the learner
     *     keeps no reference to: the trainer releases its native buffer once it has summed it)
     * @throws IllegalArgumentException if theta or the episode do not fit the network, or the state is not this
     *     learner's
     */
    default MetaGradient metaGradient(ParamSet theta, LearnerState state, Episode episode,
                                      boolean preAdaptationMetrics) {
        return metaGradient(theta, episode, preAdaptationMetrics);
    }

    /**
     * The learner's state after an outer update, from the iteration's outcome. Called by the trainer once per
     * iteration on one learner; the result goes into the training state. Default: unchanged.
     *
     * @param state the state the iteration's meta-gradients were computed in
     * @param iteration the 1-based iteration just completed
     * @param metaGradientNorm Euclidean norm of the averaged meta-gradient the outer optimiser applied
     * @return the next state
     */
    default LearnerState afterIteration(LearnerState state, int iteration, double metaGradientNorm) {
        return state;
    }

    /**
     * Whether meta-training has reached the learner's own goal and should stop before its iteration budget (e.g.
     * BI-MAML's gradient-norm target). Asked by the trainer after {@link #afterIteration}. Default: never.
     *
     * @param state the state after the iteration
     * @param iteration the 1-based iteration just completed
     * @param metaGradientNorm Euclidean norm of its averaged meta-gradient
     * @return true to stop
     */
    default boolean reachedGoal(LearnerState state, int iteration, double metaGradientNorm) {
        return false;
    }
}
