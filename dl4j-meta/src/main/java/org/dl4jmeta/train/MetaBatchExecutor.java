package org.dl4jmeta.train;

import java.util.List;
import org.dl4jmeta.algorithm.LearnerState;
import org.dl4jmeta.algorithm.MetaGradient;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.EpisodeSource;

/**
 * Where the task meta-gradients of a meta-batch are computed when not on {@link MetaTrainer}'s own worker threads
 * (the default): e.g. on the executors of a Spark cluster. An executor only computes; {@link MetaTrainer} sums the
 * gradients in task order, scales them, checks them for NaN and steps the outer optimiser on the calling thread,
 * so any executor that returns the same per-task gradients gives the same parameters.
 *
 * <p>Task i of a call is episode {@code firstEpisode + i} of the training stream, which is a pure function of the
 * stream's seed and the index, so an executor may regenerate it wherever it computes it.
 *
 * <p>Call order: {@link #metaGradients} once per iteration, from one thread; {@link #close} when done (the
 * trainer never closes an executor it was given: its owner does).
 */
public interface MetaBatchExecutor extends AutoCloseable {

    /**
     * The meta-gradients of one meta-batch.
     *
     * @param theta the meta-parameters (not modified, and not modified by the caller during the call)
     * @param learnerState the learner's own state at this iteration (e.g. BI-MAML's phase), given to every task
     * @param source the training episodes on the calling side; an executor that regenerates them elsewhere must
     *     produce the same episodes
     * @param iteration the 1-based iteration being computed (for messages)
     * @param firstEpisode the index of task 0's episode, &gt;= 0
     * @param count the number of tasks B, &gt;= 1
     * @param preAdaptationMetrics whether to measure the query loss and accuracy at theta
     *     ({@link org.dl4jmeta.algorithm.MetaLearner#metaGradient(ParamSet, LearnerState, org.dl4jmeta.task.Episode, boolean)})
     * @return {@code count} meta-gradients in task order, each in theta's layout and the caller's (the trainer
     *     releases their native buffers once summed)
     * @throws RuntimeException if a task cannot be computed (the message names the task or where it ran)
     */
    List<MetaGradient> metaGradients(ParamSet theta, LearnerState learnerState, EpisodeSource source, int iteration,
                                     long firstEpisode, int count, boolean preAdaptationMetrics);

    /** Releases what the executor holds (nothing by default). */
    @Override
    default void close() {
    }
}
