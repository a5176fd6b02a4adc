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
     * @return the adapted network parameters phi
     * @throws IllegalArgumentException if steps &lt; 1 or shapes do not fit the network
     */
    ParamSet adapt(ParamSet theta, INDArray supportX, INDArray supportY, int steps);

    /**
     * The meta-gradient of one task and all its metrics:
     * {@code metaGradient(theta, episode, true)}.
     *
     * @param theta meta-parameters (not modified)
     * @param episode the task
     * @return the gradient in theta's layout, and metrics
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
     * @return the gradient in theta's layout, and metrics
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
}
