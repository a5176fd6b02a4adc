package org.dl4jmeta.experiments;

import java.util.List;

/**
 * Configuration of the first-order MAML floor experiment (Fallah, Mokhtari, Ozdaglar 2020, "On the Convergence
 * Theory of Gradient-Based Model-Agnostic Meta-Learning Algorithms", Theorems 4.8 and 5.3 / Corollary on FO-MAML).
 *
 * <p>M quadratic tasks f_i(w) = 1/2 (w - a_i)' A_i (w - a_i) in d dimensions: A_i has eigenvalues drawn
 * log-uniformly in [minCurvature, maxCurvature] in its own random eigenbasis; a_i = a + sigma u_i with the u_i
 * centred and scaled so that the gradient dissimilarity at the centre a, sqrt((1/M) sum_i ||grad f_i(a) -
 * grad f(a)||^2), is exactly sigma. Every (alpha, sigma) of the grid is trained with MAML, HF-MAML and first-order
 * MAML.
 *
 * @param tasks M, &gt;= 2
 * @param dimension d, &gt;= 1
 * @param minCurvature smallest possible eigenvalue, &gt; 0
 * @param maxCurvature largest possible eigenvalue, &gt;= minCurvature
 * @param alphas inner step sizes, each &gt; 0 with alpha * maxCurvature &lt; 1
 * @param sigmas gradient dissimilarities, each &gt; 0
 * @param iterations iteration budget (first-order MAML always runs all of them), &gt;= 1
 * @param epsilon MAML and HF-MAML stop once ||grad F|| &lt;= epsilon, &gt; 0
 * @param hfDelta HF-MAML's finite-difference step, &gt; 0
 */
public record FomamlFloorConfig(int tasks, int dimension, double minCurvature, double maxCurvature,
                                List<Double> alphas, List<Double> sigmas, int iterations, double epsilon,
                                double hfDelta) {

    /**
     * @throws IllegalArgumentException naming the first bad value
     */
    public FomamlFloorConfig {
        if (tasks < 2) {
            throw new IllegalArgumentException("tasks M must be >= 2 (one task has no dissimilarity), got " + tasks);
        }
        if (dimension < 1) {
            throw new IllegalArgumentException("dimension d must be >= 1, got " + dimension);
        }
        if (!(minCurvature > 0) || Double.isInfinite(minCurvature)) {
            throw new IllegalArgumentException("minCurvature must be > 0 and finite, got " + minCurvature);
        }
        if (!(maxCurvature >= minCurvature) || Double.isInfinite(maxCurvature)) {
            throw new IllegalArgumentException("maxCurvature must be >= minCurvature (" + minCurvature
                    + ") and finite, got " + maxCurvature);
        }
        alphas = List.copyOf(alphas);
        sigmas = List.copyOf(sigmas);
        if (alphas.isEmpty() || sigmas.isEmpty()) {
            throw new IllegalArgumentException("alphas and sigmas need at least one value each, got " + alphas
                    + " and " + sigmas);
        }
        for (double a : alphas) {
            if (!(a > 0) || !(a * maxCurvature < 1)) {
                throw new IllegalArgumentException("every alpha must be > 0 with alpha * maxCurvature < 1 (maxCurvature "
                        + maxCurvature + "), got " + a);
            }
        }
        for (double s : sigmas) {
            if (!(s > 0) || Double.isInfinite(s)) {
                throw new IllegalArgumentException("every sigma must be > 0 and finite, got " + s);
            }
        }
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be >= 1, got " + iterations);
        }
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("epsilon must be > 0, got " + epsilon);
        }
        if (!(hfDelta > 0) || Double.isInfinite(hfDelta)) {
            throw new IllegalArgumentException("hfDelta must be > 0 and finite, got " + hfDelta);
        }
    }

    /**
     * @return M = 5 tasks in d = 5, eigenvalues in [0.5, 2], alpha in {0.05, 0.1, 0.2, 0.3}, sigma in {0.5, 1, 2},
     *     300 iterations, epsilon = 1e-10, delta = 1e-3
     */
    public static FomamlFloorConfig defaults() {
        return new FomamlFloorConfig(5, 5, 0.5, 2.0, List.of(0.05, 0.1, 0.2, 0.3), List.of(0.5, 1.0, 2.0), 300, 1e-10,
                1e-3);
    }
}
