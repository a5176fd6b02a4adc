package org.dl4jmeta.train;

/**
 * Averages over the tasks of one meta-batch.
 *
 * @param iteration the iteration just completed (1-based count of updates applied)
 * @param metaLoss mean query loss after adaptation (the meta-objective)
 * @param supportLossBefore mean support loss at theta (NaN on iterations without pre-adaptation metrics for
 *     learners where it costs its own forward pass: iMAML, BI-MAML's first phase)
 * @param queryLossBefore mean query loss at theta (NaN on iterations without pre-adaptation metrics, see
 *     {@link MetaTrainer#preAdaptationMetricsEvery})
 * @param queryAccuracyBefore mean query accuracy at theta (NaN for regression and on iterations without
 *     pre-adaptation metrics)
 * @param queryAccuracyAfter mean query accuracy after adaptation (NaN for regression)
 * @param gradientNorm Euclidean norm of the averaged meta-gradient
 * @param millis wall time of the iteration in milliseconds
 */
public record IterationMetrics(int iteration, double metaLoss, double supportLossBefore, double queryLossBefore,
                               double queryAccuracyBefore, double queryAccuracyAfter, double gradientNorm,
                               double millis) {
}
