package org.dl4jmeta.algorithm;

import org.nd4j.shade.jackson.annotation.JsonInclude;

/**
 * Configuration of Reptile (Nichol, Achiam, Schulman 2018, Algorithm 1): K SGD steps of size alpha on the task
 * from theta give phi_K; the meta-gradient is theta - phi_K, so SGD with step epsilon on it is the paper's
 * theta &lt;- theta + epsilon (phi_K - theta).
 *
 * <p>With {@code innerBatchSize} b &gt; 0 every inner step sees a different mini-batch of b support examples, as in
 * the paper's few-shot runs (section 6 and appendix A: inner batches of 10 drawn from 10 examples per class, one
 * pass over them in 5 steps). The paper's section 5 explains why: the meta-gradient's useful term is the inner
 * product of the gradients of different mini-batches, E[g_1' g_2], which full-batch steps reduce to the gradient
 * norm of one loss. The batches are fixed, not drawn ({@link Reptile#miniBatches}): the support set is dealt
 * class by class in turn and cut into consecutive runs of b, so each batch holds as many examples of every class as
 * the support set allows and the meta-gradient is a function of the episode alone.
 *
 * @param innerSteps K, &gt;= 1
 * @param innerStepSize alpha, &gt; 0 and finite
 * @param innerBatchSize b, support examples per inner step, &gt;= 1, or null (also given as 0) for every step on the
 *     whole support set, which model files of earlier releases mean by leaving it out; the support set's size must
 *     be a multiple of it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReptileConfig(int innerSteps, double innerStepSize, Integer innerBatchSize) {

    /**
     * @throws IllegalArgumentException if innerSteps &lt; 1, innerStepSize is not a positive finite number or
     *     innerBatchSize &lt; 0
     */
    public ReptileConfig {
        if (innerSteps < 1) {
            throw new IllegalArgumentException("innerSteps K must be >= 1, got " + innerSteps);
        }
        if (!(innerStepSize > 0) || Double.isInfinite(innerStepSize)) {
            throw new IllegalArgumentException("innerStepSize alpha must be > 0 and finite, got " + innerStepSize);
        }
        if (innerBatchSize != null && innerBatchSize < 0) {
            throw new IllegalArgumentException("innerBatchSize must be >= 0 (0: the whole support set every step), "
                    + "got " + innerBatchSize);
        }
        if (innerBatchSize != null && innerBatchSize == 0) {
            innerBatchSize = null;
        }
    }

    /**
     * Every inner step on the whole support set (the configuration of releases before {@code innerBatchSize}).
     *
     * @param innerSteps K, &gt;= 1
     * @param innerStepSize alpha, &gt; 0 and finite
     */
    public ReptileConfig(int innerSteps, double innerStepSize) {
        this(innerSteps, innerStepSize, null);
    }

    /** @return b, or 0 for the whole support set */
    public int innerBatchSizeOrZero() {
        return innerBatchSize == null ? 0 : innerBatchSize;
    }
}
