package org.dl4jmeta.algorithm;

/**
 * Configuration of MAML (Finn, Abbeel, Levine 2017) and first-order MAML.
 *
 * <p>Inner loop: phi_0 = theta, phi_{k+1} = phi_k - alpha_k grad L_support(phi_k), k = 0..K-1. Meta-objective:
 * L_query(phi_K). Second order differentiates through every step; first order treats each grad L_support as a
 * constant, so the meta-gradient is grad L_query(phi_K). With learned step sizes (Meta-SGD, Li et al. 2017;
 * per parameter tensor and per step as in MAML++, Antoniou et al. 2019) every alpha_k of every tensor is a
 * meta-parameter initialised to {@code innerStepSize}.
 *
 * @param innerSteps K, &gt;= 1
 * @param innerStepSize alpha, &gt; 0 and finite
 * @param firstOrder whether to drop second-order terms (first-order MAML)
 * @param learnInnerStepSizes whether alpha is learned per tensor and per step
 */
public record MamlConfig(int innerSteps, double innerStepSize, boolean firstOrder, boolean learnInnerStepSizes) {

    /**
     * @throws IllegalArgumentException if innerSteps &lt; 1 or innerStepSize is not a positive finite number
     */
    public MamlConfig {
        if (innerSteps < 1) {
            throw new IllegalArgumentException("innerSteps K must be >= 1, got " + innerSteps);
        }
        if (!(innerStepSize > 0) || Double.isInfinite(innerStepSize)) {
            throw new IllegalArgumentException("innerStepSize alpha must be > 0 and finite, got " + innerStepSize);
        }
    }

    /**
     * @param innerSteps K
     * @param innerStepSize alpha
     * @return exact second-order MAML with a fixed step size
     */
    public static MamlConfig secondOrder(int innerSteps, double innerStepSize) {
        return new MamlConfig(innerSteps, innerStepSize, false, false);
    }

    /**
     * @param innerSteps K
     * @param innerStepSize alpha
     * @return first-order MAML with a fixed step size
     */
    public static MamlConfig firstOrder(int innerSteps, double innerStepSize) {
        return new MamlConfig(innerSteps, innerStepSize, true, false);
    }

    /** @return this configuration with learned per-tensor, per-step step sizes */
    public MamlConfig withLearnedStepSizes() {
        return new MamlConfig(innerSteps, innerStepSize, firstOrder, true);
    }
}
