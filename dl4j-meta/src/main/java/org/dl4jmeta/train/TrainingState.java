package org.dl4jmeta.train;

import java.util.Objects;
import org.dl4jmeta.model.ParamSet;

/**
 * What meta-training changes: the meta-parameters theta, the outer optimiser's state and the number of completed
 * iterations. Together with the (immutable) configuration and the episode source's seed it determines the rest of
 * a run, which is what makes checkpoint-and-resume exact.
 *
 * <p>Mutable: {@link MetaTrainer#step} updates theta in place and advances the iteration.
 */
public final class TrainingState {

    private final ParamSet theta;
    private final OuterOptimizer optimizer;
    private int iteration;

    /**
     * @param theta meta-parameters (owned by the state from now on)
     * @param optimizer the outer optimiser
     * @param iteration completed iterations, &gt;= 0
     */
    public TrainingState(ParamSet theta, OuterOptimizer optimizer, int iteration) {
        this.theta = Objects.requireNonNull(theta, "theta");
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        if (iteration < 0) {
            throw new IllegalArgumentException("iteration must be >= 0, got " + iteration);
        }
        this.iteration = iteration;
    }

    /** @return the meta-parameters (live) */
    public ParamSet theta() {
        return theta;
    }

    /** @return the outer optimiser */
    public OuterOptimizer optimizer() {
        return optimizer;
    }

    /** @return the number of completed iterations */
    public int iteration() {
        return iteration;
    }

    void advance() {
        iteration++;
    }
}
