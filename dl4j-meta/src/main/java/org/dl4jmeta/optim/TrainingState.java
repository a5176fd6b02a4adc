package org.dl4jmeta.optim;

import java.util.Objects;
import org.dl4jmeta.algorithm.LearnerState;
import org.dl4jmeta.model.ParamSet;

/**
 * What meta-training changes: the meta-parameters theta, the outer optimiser's state, the number of completed
 * iterations and the learner's own state (e.g. BI-MAML's phase; {@link LearnerState#NONE} for learners that keep
 * none). Together with the (immutable) configuration and the episode source's seed it determines the rest of a
 * run, which is what makes checkpoint-and-resume exact: checkpoints hold all four.
 *
 * <p>Mutable: the trainer ({@code MetaTrainer.step}) updates theta in place, then calls {@link #advance} with the
 * learner's next state. Call order: construct (or restore from a checkpoint), then one {@link #advance} per applied
 * update.
 */
public final class TrainingState {

    private final ParamSet theta;
    private final OuterOptimizer optimizer;
    private int iteration;
    private LearnerState learnerState;

    /**
     * A state whose learner state is {@link LearnerState#NONE} (which learners with a state read as their initial
     * one).
     *
     * @param theta meta-parameters (owned by the state from now on)
     * @param optimizer the outer optimiser
     * @param iteration completed iterations, &gt;= 0
     */
    public TrainingState(ParamSet theta, OuterOptimizer optimizer, int iteration) {
        this(theta, optimizer, iteration, LearnerState.NONE);
    }

    /**
     * @param theta meta-parameters (owned by the state from now on)
     * @param optimizer the outer optimiser
     * @param iteration completed iterations, &gt;= 0
     * @param learnerState the learner's own state, e.g. {@code learner.initialState()} or a checkpoint's
     * @throws IllegalArgumentException if iteration is negative
     */
    public TrainingState(ParamSet theta, OuterOptimizer optimizer, int iteration, LearnerState learnerState) {
        this.theta = Objects.requireNonNull(theta, "theta");
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        if (iteration < 0) {
            throw new IllegalArgumentException("iteration must be >= 0, got " + iteration);
        }
        this.iteration = iteration;
        this.learnerState = Objects.requireNonNull(learnerState, "learnerState");
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

    /** @return the learner's own state for the next iteration */
    public LearnerState learnerState() {
        return learnerState;
    }

    /**
     * Records one applied update: the iteration count advances and the learner's state becomes {@code next}. Called
     * by the trainer after it updated theta and the optimiser.
     *
     * @param next the learner's state after the update ({@code MetaLearner.afterIteration})
     */
    public void advance(LearnerState next) {
        learnerState = Objects.requireNonNull(next, "next");
        iteration++;
    }
}
