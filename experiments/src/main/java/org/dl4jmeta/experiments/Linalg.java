package org.dl4jmeta.experiments;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Dense linear algebra in plain Java doubles, independent of ND4J and SameDiff: the closed forms and exact
 * references of the experiments are computed with it, so that they check the library instead of repeating it.
 * Small sizes only (d up to a few hundred). Matrices are {@code double[rows][cols]}; nothing is modified in place
 * unless the name says so.
 */
final class Linalg {

    private Linalg() {
    }

    static double[][] identity(int d) {
        double[][] m = new double[d][d];
        for (int i = 0; i < d; i++) {
            m[i][i] = 1;
        }
        return m;
    }

    static double[][] copy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    static double[][] multiply(double[][] a, double[][] b) {
        if (a[0].length != b.length) {
            throw new IllegalArgumentException("cannot multiply " + a.length + "x" + a[0].length + " by "
                    + b.length + "x" + b[0].length);
        }
        double[][] c = new double[a.length][b[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int k = 0; k < b.length; k++) {
                double aik = a[i][k];
                for (int j = 0; j < b[0].length; j++) {
                    c[i][j] += aik * b[k][j];
                }
            }
        }
        return c;
    }

    static double[] multiply(double[][] a, double[] x) {
        if (a[0].length != x.length) {
            throw new IllegalArgumentException("cannot multiply " + a.length + "x" + a[0].length + " by a vector of "
                    + x.length);
        }
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            y[i] = dot(a[i], x);
        }
        return y;
    }

    /** @return a + s b */
    static double[][] add(double[][] a, double s, double[][] b) {
        double[][] c = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                c[i][j] = a[i][j] + s * b[i][j];
            }
        }
        return c;
    }

    static double[][] scale(double s, double[][] a) {
        return add(new double[a.length][a[0].length], s, a);
    }

    /** @return I - s A */
    static double[][] identityMinus(double s, double[][] a) {
        return add(identity(a.length), -s, a);
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    /** @return a + s b */
    static double[] add(double[] a, double s, double[] b) {
        double[] c = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i] + s * b[i];
        }
        return c;
    }

    static double[] sub(double[] a, double[] b) {
        return add(a, -1, b);
    }

    static double[] scale(double s, double[] a) {
        double[] c = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            c[i] = s * a[i];
        }
        return c;
    }

    static double distance(double[] a, double[] b) {
        return norm(sub(a, b));
    }

    /**
     * Solves A x = b by Gaussian elimination with partial pivoting.
     *
     * @throws IllegalArgumentException if A is singular to working precision
     */
    static double[] solve(double[][] a, double[] b) {
        int n = b.length;
        double[][] m = copy(a);
        double[] x = b.clone();
        for (int c = 0; c < n; c++) {
            int p = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(m[r][c]) > Math.abs(m[p][c])) {
                    p = r;
                }
            }
            if (Math.abs(m[p][c]) < 1e-300) {
                throw new IllegalArgumentException("matrix is singular at column " + c);
            }
            double[] tr = m[c];
            m[c] = m[p];
            m[p] = tr;
            double tx = x[c];
            x[c] = x[p];
            x[p] = tx;
            for (int r = c + 1; r < n; r++) {
                double f = m[r][c] / m[c][c];
                if (f != 0) {
                    for (int k = c; k < n; k++) {
                        m[r][k] -= f * m[c][k];
                    }
                    x[r] -= f * x[c];
                }
            }
        }
        for (int r = n - 1; r >= 0; r--) {
            double s = x[r];
            for (int k = r + 1; k < n; k++) {
                s -= m[r][k] * x[k];
            }
            x[r] = s / m[r][r];
        }
        return x;
    }

    /**
     * Cholesky factor: A = L L' with L lower triangular.
     *
     * @throws IllegalArgumentException if A is not symmetric positive definite (names the failing pivot)
     */
    static double[][] cholesky(double[][] a) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                for (int k = 0; k < j; k++) {
                    s -= l[i][k] * l[j][k];
                }
                if (i == j) {
                    if (!(s > 0)) {
                        throw new IllegalArgumentException("matrix is not positive definite: pivot " + i + " is " + s);
                    }
                    l[i][i] = Math.sqrt(s);
                } else {
                    l[i][j] = s / l[j][j];
                }
            }
        }
        return l;
    }

    /**
     * Eigenvalues of a symmetric matrix by cyclic Jacobi rotations (Golub and Van Loan, Algorithm 8.5.3), in
     * ascending order; accurate to a few ulps of the largest eigenvalue.
     */
    static double[] symmetricEigenvalues(double[][] a) {
        int n = a.length;
        double[][] m = copy(a);
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            double total = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    total += m[i][j] * m[i][j];
                    if (i != j) {
                        off += m[i][j] * m[i][j];
                    }
                }
            }
            if (off <= 1e-30 * total) {
                break;
            }
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (m[p][q] == 0) {
                        continue;
                    }
                    double theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < n; k++) {
                        double mkp = m[k][p];
                        double mkq = m[k][q];
                        m[k][p] = c * mkp - s * mkq;
                        m[k][q] = s * mkp + c * mkq;
                    }
                    for (int k = 0; k < n; k++) {
                        double mpk = m[p][k];
                        double mqk = m[q][k];
                        m[p][k] = c * mpk - s * mqk;
                        m[q][k] = s * mpk + c * mqk;
                    }
                }
            }
        }
        double[] ev = new double[n];
        for (int i = 0; i < n; i++) {
            ev[i] = m[i][i];
        }
        Arrays.sort(ev);
        return ev;
    }

    /** @return Q diag(eigenvalues) Q', symmetrised exactly */
    static double[][] fromSpectrum(double[] eigenvalues, double[][] q) {
        int d = eigenvalues.length;
        double[][] a = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j <= i; j++) {
                double s = 0;
                for (int k = 0; k < d; k++) {
                    s += q[i][k] * eigenvalues[k] * q[j][k];
                }
                a[i][j] = s;
                a[j][i] = s;
            }
        }
        return a;
    }

    /** @return a uniformly random rotation: Gram-Schmidt of a Gaussian matrix (columns orthonormal) */
    static double[][] randomRotation(SplittableRandom rng, int d) {
        double[][] cols = new double[d][d];
        for (int j = 0; j < d; j++) {
            double[] v = gaussian(rng, d);
            for (int pass = 0; pass < 2; pass++) {
                for (int k = 0; k < j; k++) {
                    v = add(v, -dot(v, cols[k]), cols[k]);
                }
            }
            cols[j] = scale(1 / norm(v), v);
        }
        return transpose(cols);
    }

    static double[] gaussian(SplittableRandom rng, int d) {
        double[] v = new double[d];
        for (int i = 0; i < d; i++) {
            v[i] = rng.nextGaussian();
        }
        return v;
    }

    /** @return d values spaced evenly on a log scale from lo to hi (lo alone when d is 1) */
    static double[] logSpaced(double lo, double hi, int d) {
        double[] v = new double[d];
        for (int i = 0; i < d; i++) {
            v[i] = d == 1 ? lo : lo * Math.pow(hi / lo, (double) i / (d - 1));
        }
        return v;
    }

    static double maxAbsDifference(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
