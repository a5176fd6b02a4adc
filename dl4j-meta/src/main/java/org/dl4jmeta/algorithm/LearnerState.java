package org.dl4jmeta.algorithm;

/**
 * A learner's own training state, as opposed to theta and the outer optimiser's: what changes during meta-training
 * and decides later meta-gradients (e.g. BI-MAML's phase). An immutable value that the trainer keeps in its training
 * state, passes to {@link MetaLearner#metaGradient(org.dl4jmeta.model.ParamSet, LearnerState,
 * org.dl4jmeta.task.Episode, boolean)} and replaces with {@link MetaLearner#afterIteration} after every update, and
 * that checkpoints hold; learners themselves keep none, so every worker's learner computes the same thing.
 *
 * <p>Implementations are records whose components are JSON values (checkpoints store them field by field through
 * the learner's {@link LearnerType#stateClass()}).
 */
public interface LearnerState {

    /** The state of a learner that keeps none, and what a training state starts with unless given another. */
    LearnerState NONE = new None();

    /** The empty state. */
    record None() implements LearnerState {
    }
}
