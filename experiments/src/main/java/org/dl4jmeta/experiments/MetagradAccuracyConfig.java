package org.dl4jmeta.experiments;

import java.util.List;

/**
 * Configuration of the meta-gradient accuracy experiment (Rajeswaran, Finn, Kakade, Levine 2019, "Meta-Learning
 * with Implicit Gradients", Fig. 2a): an ill-conditioned linear regression task whose exact iMAML meta-gradient is
 * known in closed form.
 *
 * <p>Support loss L_s(w) = 1/2 (w - a_s)' A_s (w - a_s), A_s with eigenvalues log-spaced in
 * [maxCurvature / condition, maxCurvature]; query loss L_q with eigenvalues log-spaced in
 * [maxCurvature / queryCondition, maxCurvature]; each in its own random eigenbasis.
 *
 * @param dimension d, &gt;= 1
 * @param condition the condition number of A_s, &gt;= 1
 * @param maxCurvature the largest eigenvalue of A_s and A_q, &gt; 0
 * @param queryCondition the condition number of A_q, &gt;= 1
 * @param lambda iMAML's regularisation strength, &gt; 0
 * @param innerStepSize the inner GD step eta on G(phi) = L_s(phi) + lambda/2 ||phi - theta||^2, &gt;= 0 with
 *     eta (maxCurvature + lambda) &lt; 2 (0: 1 / (maxCurvature + lambda))
 * @param innerSteps the numbers of inner GD steps to compare, each &gt;= 1
 * @param cgIterations iMAML's conjugate-gradient iterations to compare, each &gt;= 1
 */
public record MetagradAccuracyConfig(int dimension, double condition, double maxCurvature, double queryCondition,
                                     double lambda, double innerStepSize, List<Integer> innerSteps,
                                     List<Integer> cgIterations) {

    /**
     * @throws IllegalArgumentException naming the first bad value
     */
    public MetagradAccuracyConfig {
        if (dimension < 1) {
            throw new IllegalArgumentException("dimension must be >= 1, got " + dimension);
        }
        if (!(condition >= 1) || Double.isInfinite(condition)) {
            throw new IllegalArgumentException("condition must be >= 1 and finite, got " + condition);
        }
        if (!(maxCurvature > 0) || Double.isInfinite(maxCurvature)) {
            throw new IllegalArgumentException("maxCurvature must be > 0 and finite, got " + maxCurvature);
        }
        if (!(queryCondition >= 1) || Double.isInfinite(queryCondition)) {
            throw new IllegalArgumentException("queryCondition must be >= 1 and finite, got " + queryCondition);
        }
        if (!(lambda > 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("lambda must be > 0 and finite, got " + lambda);
        }
        if (!(innerStepSize >= 0) || !(innerStepSize * (maxCurvature + lambda) < 2)) {
            throw new IllegalArgumentException("innerStepSize eta must be >= 0 (0: automatic) with eta * (maxCurvature"
                    + " + lambda) < 2 (" + (maxCurvature + lambda) + "), got " + innerStepSize);
        }
        innerSteps = List.copyOf(innerSteps);
        cgIterations = List.copyOf(cgIterations);
        if (innerSteps.isEmpty() || innerSteps.stream().anyMatch(k -> k < 1)) {
            throw new IllegalArgumentException("innerSteps must be one or more values >= 1, got " + innerSteps);
        }
        if (cgIterations.isEmpty() || cgIterations.stream().anyMatch(k -> k < 1)) {
            throw new IllegalArgumentException("cgIterations must be one or more values >= 1, got " + cgIterations);
        }
        if (cgIterations.stream().distinct().count() != cgIterations.size()) {
            throw new IllegalArgumentException("cgIterations must not repeat a value, got " + cgIterations);
        }
    }

    /** @return eta, or 1 / (maxCurvature + lambda) when it is 0 */
    public double effectiveInnerStepSize() {
        return innerStepSize > 0 ? innerStepSize : 1 / (maxCurvature + lambda);
    }

    /**
     * @return d = 20, condition number 1000 with largest eigenvalue 10, query condition 100, lambda = 1, automatic
     *     eta, 1, 2, 4, ..., 256 inner steps, 2 and 5 CG iterations (the paper's two iMAML curves)
     */
    public static MetagradAccuracyConfig defaults() {
        return new MetagradAccuracyConfig(20, 1000, 10, 100, 1.0, 0, List.of(1, 2, 4, 8, 16, 32, 64, 128, 256),
                List.of(2, 5));
    }
}
