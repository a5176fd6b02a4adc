package org.dl4jmeta.algorithm;

/**
 * Configuration of Hessian-free MAML (Fallah, Mokhtari, Ozdaglar 2020, "On the Convergence Theory of
 * Gradient-Based Model-Agnostic Meta-Learning Algorithms", HF-MAML).
 *
 * <p>One inner step of size alpha. The Hessian-vector product of the MAML gradient is replaced by the central
 * difference d = (grad f(w + delta v) - grad f(w - delta v)) / (2 delta). delta is either fixed, or follows their
 * Theorem 4.17: delta = 1 / (6 rho alpha ||v||) with rho an estimate of the Hessian's Lipschitz constant.
 * Optionally the outer step follows their Lemma 4.9: beta = c / L~(w),
 * L~(w) = 4 L + (2 rho alpha / B) sum_j ||grad f_j(w)|| over the B tasks of the meta-batch.
 *
 * @param innerStepSize alpha, &gt; 0
 * @param delta the fixed finite-difference step (used when rho is 0), &gt; 0
 * @param rho Hessian Lipschitz estimate for delta (0: use the fixed delta), &gt;= 0
 * @param adaptiveOuterStep whether to scale the meta-gradient by beta = c / L~(w)
 * @param stepConstant c of the adaptive step, &gt; 0
 * @param smoothness L, the gradient Lipschitz estimate of the adaptive step, &gt; 0
 */
public record HfMamlConfig(double innerStepSize, double delta, double rho, boolean adaptiveOuterStep,
                           double stepConstant, double smoothness) {

    /**
     * @throws IllegalArgumentException naming the first bad value
     */
    public HfMamlConfig {
        if (!(innerStepSize > 0) || Double.isInfinite(innerStepSize)) {
            throw new IllegalArgumentException("innerStepSize alpha must be > 0 and finite, got " + innerStepSize);
        }
        if (!(delta > 0) || Double.isInfinite(delta)) {
            throw new IllegalArgumentException("delta must be > 0 and finite, got " + delta);
        }
        if (!(rho >= 0) || Double.isInfinite(rho)) {
            throw new IllegalArgumentException("rho must be >= 0 and finite, got " + rho);
        }
        if (adaptiveOuterStep && rho == 0) {
            throw new IllegalArgumentException("the adaptive outer step needs rho > 0, got " + rho);
        }
        if (!(stepConstant > 0)) {
            throw new IllegalArgumentException("stepConstant c must be > 0, got " + stepConstant);
        }
        if (!(smoothness > 0)) {
            throw new IllegalArgumentException("smoothness L must be > 0, got " + smoothness);
        }
    }

    /**
     * @param alpha inner step size
     * @param delta finite-difference step
     * @return HF-MAML with a fixed delta and the outer optimiser's own step
     */
    public static HfMamlConfig fixedDelta(double alpha, double delta) {
        return new HfMamlConfig(alpha, delta, 0, false, 1, 1);
    }

    /**
     * @param alpha inner step size
     * @param rho Hessian Lipschitz estimate
     * @return HF-MAML with delta = 1 / (6 rho alpha ||v||) (Theorem 4.17)
     */
    public static HfMamlConfig theoremDelta(double alpha, double rho) {
        return new HfMamlConfig(alpha, 1e-4, rho, false, 1, 1);
    }

    /**
     * @param c step constant
     * @param smoothnessL gradient Lipschitz estimate L
     * @return this configuration with the adaptive outer step beta = c / L~(w) (Lemma 4.9)
     */
    public HfMamlConfig withAdaptiveOuterStep(double c, double smoothnessL) {
        return new HfMamlConfig(innerStepSize, delta, rho, true, c, smoothnessL);
    }
}
