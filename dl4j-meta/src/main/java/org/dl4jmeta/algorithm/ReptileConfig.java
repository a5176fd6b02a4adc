package org.dl4jmeta.algorithm;

/**
 * Configuration of Reptile (Nichol, Achiam, Schulman 2018, Algorithm 1): K SGD steps of size alpha on the task
 * from theta give phi_K; the meta-gradient is theta - phi_K, so SGD with step epsilon on it is the paper's
 * theta &lt;- theta + epsilon (phi_K - theta).
 *
 * @param innerSteps K, &gt;= 1
 * @param innerStepSize alpha, &gt; 0 and finite
 */
public record ReptileConfig(int innerSteps, double innerStepSize) {

    /**
     * @throws IllegalArgumentException if innerSteps &lt; 1 or innerStepSize is not a positive finite number
     */
    public ReptileConfig {
        if (innerSteps < 1) {
            throw new IllegalArgumentException("innerSteps K must be >= 1, got " + innerSteps);
        }
        if (!(innerStepSize > 0) || Double.isInfinite(innerStepSize)) {
            throw new IllegalArgumentException("innerStepSize alpha must be > 0 and finite, got " + innerStepSize);
        }
    }
}
