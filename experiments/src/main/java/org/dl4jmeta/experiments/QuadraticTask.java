package org.dl4jmeta.experiments;

import org.dl4jmeta.task.Episode;

/**
 * A quadratic task f(w) = 1/2 (w - a)' A (w - a) with A symmetric positive definite, and its exact expression as a
 * linear-regression episode for the library: X = sqrt(d) L' (A = L L', Cholesky; d rows), y = X a, so that the
 * squared error of the linear model, 1/(2d) ||X w - y||^2 = 1/2 (w - a)' X'X/d (w - a), is f exactly (no
 * constant). Support and query are the same (X, y), so MAML's inner and outer losses are both f.
 *
 * <p>Closed forms for one inner step of size alpha (Finn et al. 2017; Golmant 2019): the MAML objective
 * F(w) = f(w - alpha grad f(w)) = 1/2 (w - a)' D (w - a), D = (I - alpha A) A (I - alpha A), and the first-order
 * MAML direction A (I - alpha A) (w - a). Immutable (arrays are copied in and out).
 */
public final class QuadraticTask implements ReferenceTask {

    private final double[][] curvature;
    private final double[] optimum;

    /**
     * @param curvature A, d x d, symmetric positive definite
     * @param optimum a, length d
     * @throws IllegalArgumentException if the sizes disagree, A is not symmetric, not positive definite or not finite
     */
    public QuadraticTask(double[][] curvature, double[] optimum) {
        int d = optimum.length;
        if (d < 1 || curvature.length != d) {
            throw new IllegalArgumentException("curvature must be " + d + "x" + d + " to match the optimum, got "
                    + curvature.length + " rows");
        }
        for (int i = 0; i < d; i++) {
            if (curvature[i].length != d) {
                throw new IllegalArgumentException("curvature row " + i + " must have " + d + " entries, got "
                        + curvature[i].length);
            }
            if (!Double.isFinite(optimum[i])) {
                throw new IllegalArgumentException("optimum[" + i + "] must be finite, got " + optimum[i]);
            }
            for (int j = 0; j < d; j++) {
                double aij = curvature[i][j];
                if (!Double.isFinite(aij) || Math.abs(aij - curvature[j][i]) > 1e-12 * (1 + Math.abs(aij))) {
                    throw new IllegalArgumentException("curvature must be finite and symmetric, got A[" + i + "][" + j
                            + "]=" + aij + " and A[" + j + "][" + i + "]=" + curvature[j][i]);
                }
            }
        }
        Linalg.cholesky(curvature);
        this.curvature = Linalg.copy(curvature);
        this.optimum = optimum.clone();
    }

    /**
     * @param eigenvalues the spectrum of A, all &gt; 0
     * @param rotation an orthogonal d x d matrix Q (columns are the eigenvectors)
     * @param optimum a
     * @return the task with A = Q diag(eigenvalues) Q'
     * @throws IllegalArgumentException if an eigenvalue is not positive
     */
    public static QuadraticTask of(double[] eigenvalues, double[][] rotation, double[] optimum) {
        for (int i = 0; i < eigenvalues.length; i++) {
            if (!(eigenvalues[i] > 0) || Double.isInfinite(eigenvalues[i])) {
                throw new IllegalArgumentException("eigenvalue " + i + " must be > 0 and finite, got " + eigenvalues[i]);
            }
        }
        return new QuadraticTask(Linalg.fromSpectrum(eigenvalues, rotation), optimum);
    }

    /** @return d */
    public int dimension() {
        return optimum.length;
    }

    /** @return A (a copy) */
    public double[][] curvature() {
        return Linalg.copy(curvature);
    }

    /** @return a (a copy) */
    public double[] optimum() {
        return optimum.clone();
    }

    /**
     * @param w a point, length d
     * @return f(w) = 1/2 (w - a)' A (w - a)
     */
    @Override
    public double loss(double[] w) {
        double[] e = Linalg.sub(w, optimum);
        return 0.5 * Linalg.dot(e, Linalg.multiply(curvature, e));
    }

    /**
     * @param w a point, length d
     * @return grad f(w) = A (w - a)
     */
    @Override
    public double[] gradient(double[] w) {
        return Linalg.multiply(curvature, Linalg.sub(w, optimum));
    }

    /**
     * @param w a point (the Hessian A does not depend on it)
     * @param v a direction, length d
     * @return A v
     */
    @Override
    public double[] hessianVector(double[] w, double[] v) {
        return Linalg.multiply(curvature, v);
    }

    /**
     * @param alpha the inner step size
     * @return D = (I - alpha A) A (I - alpha A), the curvature of the one-step MAML objective F(w) = f(w - alpha grad
     *     f(w)) = 1/2 (w - a)' D (w - a)
     */
    public double[][] mamlCurvature(double alpha) {
        double[][] m = Linalg.identityMinus(alpha, curvature);
        double[][] d = Linalg.multiply(Linalg.multiply(m, curvature), m);
        return Linalg.scale(0.5, Linalg.add(d, 1, Linalg.transpose(d)));
    }

    /**
     * @param alpha the inner step size
     * @return B = A (I - alpha A), first-order MAML's direction being B (w - a)
     */
    public double[][] firstOrderCurvature(double alpha) {
        double[][] b = Linalg.multiply(curvature, Linalg.identityMinus(alpha, curvature));
        return Linalg.scale(0.5, Linalg.add(b, 1, Linalg.transpose(b)));
    }

    /**
     * The task as a library episode (DOUBLE), support = query = (X, y) with X'X/d = A and y = X a.
     *
     * @return the episode
     */
    public Episode episode() {
        int d = dimension();
        double[][] x = Linalg.scale(Math.sqrt(d), Linalg.transpose(Linalg.cholesky(curvature)));
        double[] y = Linalg.multiply(x, optimum);
        return new Episode(LinearModel.matrix(x), LinearModel.column(y), LinearModel.matrix(x), LinearModel.column(y));
    }
}
