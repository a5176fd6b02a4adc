package org.dl4jmeta.experiments;

/**
 * Configuration of the quadratic-optimum experiment (Golmant 2019, "On the Convergence of Model-Agnostic
 * Meta-Learning"): two quadratic tasks f = 1/2 (x-a)'J(x-a) and h = 1/2 (x-b)'H(x-b) in d dimensions, J with
 * eigenvalues log-spaced in [1, conditionJ], H in [1, conditionH], each in its own random eigenbasis; one-step MAML
 * with inner step eta trained by full-batch gradient descent; and the tight case J = H = diag(tightAlpha, tightBeta),
 * eta = 2/(tightAlpha + tightBeta).
 *
 * @param dimension d, &gt;= 1
 * @param conditionJ largest / smallest eigenvalue of J, &gt;= 1
 * @param conditionH largest / smallest eigenvalue of H, &gt;= 1
 * @param innerStepSize eta, &gt; 0 with eta * max(conditionJ, conditionH) &lt; 1 (so that I - eta J and I - eta H
 *     are contractions and D_J, D_H are positive definite)
 * @param outerStepSize the SGD step on F, &gt;= 0; 0 picks 2/(mu + L) of the closed-form Hessian of F, the fastest
 *     fixed step of gradient descent on a quadratic
 * @param iterations outer iterations, &gt;= 1
 * @param tightAlpha the smaller eigenvalue of the tight case, &gt; 0
 * @param tightBeta the larger eigenvalue of the tight case, &gt; tightAlpha
 */
public record QuadraticOptimumConfig(int dimension, double conditionJ, double conditionH, double innerStepSize,
                                     double outerStepSize, int iterations, double tightAlpha, double tightBeta) {

    /**
     * @throws IllegalArgumentException naming the first bad value
     */
    public QuadraticOptimumConfig {
        if (dimension < 1) {
            throw new IllegalArgumentException("dimension must be >= 1, got " + dimension);
        }
        if (!(conditionJ >= 1) || Double.isInfinite(conditionJ)) {
            throw new IllegalArgumentException("conditionJ must be >= 1 and finite, got " + conditionJ);
        }
        if (!(conditionH >= 1) || Double.isInfinite(conditionH)) {
            throw new IllegalArgumentException("conditionH must be >= 1 and finite, got " + conditionH);
        }
        if (!(innerStepSize > 0) || !(innerStepSize * Math.max(conditionJ, conditionH) < 1)) {
            throw new IllegalArgumentException("innerStepSize eta must be > 0 with eta * max(conditionJ, conditionH) "
                    + "< 1 (largest eigenvalue " + Math.max(conditionJ, conditionH) + "), got " + innerStepSize);
        }
        if (!(outerStepSize >= 0) || Double.isInfinite(outerStepSize)) {
            throw new IllegalArgumentException("outerStepSize must be >= 0 (0: automatic) and finite, got "
                    + outerStepSize);
        }
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be >= 1, got " + iterations);
        }
        if (!(tightAlpha > 0) || Double.isInfinite(tightAlpha)) {
            throw new IllegalArgumentException("tightAlpha must be > 0 and finite, got " + tightAlpha);
        }
        if (!(tightBeta > tightAlpha) || Double.isInfinite(tightBeta)) {
            throw new IllegalArgumentException("tightBeta must be > tightAlpha (" + tightAlpha + ") and finite, got "
                    + tightBeta);
        }
    }

    /**
     * @return the defaults: d = 10, condition numbers 2 (J) and 20 (H), eta = 0.02, automatic outer step, 300
     *     iterations, tight case diag(1, 10)
     */
    public static QuadraticOptimumConfig defaults() {
        return new QuadraticOptimumConfig(10, 2, 20, 0.02, 0, 300, 1, 10);
    }
}
