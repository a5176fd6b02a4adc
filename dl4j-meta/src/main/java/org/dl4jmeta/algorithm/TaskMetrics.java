package org.dl4jmeta.algorithm;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Per-task observations.
 *
 * @param supportLossBefore support loss at theta (NaN when not measured, see
 *     {@link MetaLearner#metaGradient(org.dl4jmeta.model.ParamSet, org.dl4jmeta.task.Episode, boolean)})
 * @param queryLossBefore query loss at theta (NaN when not measured)
 * @param queryAccuracyBefore query accuracy at theta (NaN for regression, or when not measured)
 * @param queryLossAfter query loss after adaptation (MAML's meta-loss)
 * @param queryAccuracyAfter query accuracy after adaptation (NaN for regression)
 */
public record TaskMetrics(double supportLossBefore, double queryLossBefore, double queryAccuracyBefore,
                          double queryLossAfter, double queryAccuracyAfter) {

    /**
     * Classification accuracy: the fraction of rows whose arg-max output is the arg-max target.
     *
     * @param output network outputs [n, k]
     * @param targets one-hot targets [n, k]
     * @return the accuracy in [0, 1]
     */
    public static double accuracy(INDArray output, INDArray targets) {
        INDArray p = Nd4j.argMax(output, 1);
        INDArray t = Nd4j.argMax(targets, 1);
        long hits = 0;
        for (long i = 0; i < p.length(); i++) {
            if (p.getLong(i) == t.getLong(i)) {
                hits++;
            }
        }
        return (double) hits / p.length();
    }
}
