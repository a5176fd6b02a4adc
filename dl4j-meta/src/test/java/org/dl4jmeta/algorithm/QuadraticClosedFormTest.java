package org.dl4jmeta.algorithm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.dl4jmeta.model.Dense;
import org.dl4jmeta.model.Loss;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * On quadratic tasks the algorithms have exact answers. A linear model w with squared error on (X, y) has
 * L(w) = 1/(2n) ||X w - y||^2 = 1/2 (w - a)' A (w - a) + c with A = X'X/n and a = A^-1 X'y/n. The expected values
 * are computed here in plain Java doubles, independently of ND4J and SameDiff:
 * <ul>
 *   <li>MAML, K steps: phi_{k+1} = phi_k - alpha A_s (phi_k - a_s); gradient (I - alpha A_s)^K A_q (phi_K - a_q)
 *       (for K = 1: (I - alpha A_s) A_q (theta' - a_q));</li>
 *   <li>first-order MAML: A_q (phi_K - a_q);</li>
 *   <li>Reptile: phi_K - a_s = (I - alpha A_s)^K (theta - a_s), gradient theta - phi_K; with inner mini-batches
 *       phi_{k+1} = phi_k - alpha grad L_{B_(k mod m)}(phi_k) on the m consecutive batches of the rows.</li>
 * </ul>
 */
class QuadraticClosedFormTest {

    static final int D = 4;
    static final double ALPHA = 0.1;

    final double[][] xs = matrix(6, D, 1);
    final double[] ys = vector(6, 2);
    final double[][] xq = matrix(5, D, 3);
    final double[] yq = vector(5, 4);
    final double[] theta0 = vector(D, 5);
    final Network net = new Network(new long[] {D}, List.of(new Dense("lin", 1, false)), Loss.squaredError());

    Episode episode() {
        return new Episode(toNd(xs), column(ys), toNd(xq), column(yq));
    }

    ParamSet theta() {
        ParamSet p = net.initialise(0, DataType.DOUBLE);
        p.get("lin/W").assign(Nd4j.create(theta0, new long[] {D, 1}, DataType.DOUBLE));
        return p;
    }

    @ParameterizedTest(name = "K={0}")
    @ValueSource(ints = {1, 3})
    void secondOrderMamlEqualsClosedForm(int k) {
        double[] phi = inner(theta0, k);
        double[] expected = powApply(identityMinusAlphaA(xs), k, grad(xq, yq, phi));
        double[] got = flat(new Maml(net, MamlConfig.secondOrder(k, ALPHA)).metaGradient(theta(), episode()));
        assertClose(expected, got, 1e-12);
    }

    @ParameterizedTest(name = "K={0}")
    @ValueSource(ints = {1, 3})
    void firstOrderMamlEqualsClosedForm(int k) {
        double[] expected = grad(xq, yq, inner(theta0, k));
        double[] got = flat(new Maml(net, MamlConfig.firstOrder(k, ALPHA)).metaGradient(theta(), episode()));
        assertClose(expected, got, 1e-12);
    }

    @ParameterizedTest(name = "K={0}")
    @ValueSource(ints = {1, 4})
    void reptileEqualsClosedForm(int k) {
        double[][] a = gram(xs);
        double[] aS = solve(a, xty(xs, ys));
        // phi_K - a_s = (I - alpha A_s)^K (theta - a_s)
        double[] phi = add(aS, powApply(identityMinusAlphaA(xs), k, sub(theta0, aS)));
        double[] got = flat(new Reptile(net, new ReptileConfig(k, ALPHA)).metaGradient(theta(), episode()));
        assertClose(sub(theta0, phi), got, 1e-12);
    }

    @ParameterizedTest(name = "K={0}")
    @ValueSource(ints = {1, 3, 5})
    void reptileWithInnerMiniBatchesEqualsClosedForm(int k) {
        // 6 regression rows are one class, so the batches of 2 are rows {0,1}, {2,3}, {4,5}; step k uses k mod 3
        double[] p = theta0.clone();
        for (int i = 0; i < k; i++) {
            int b = i % 3;
            double[][] xb = {xs[2 * b], xs[2 * b + 1]};
            double[] yb = {ys[2 * b], ys[2 * b + 1]};
            p = sub(p, scale(ALPHA, grad(xb, yb, p)));
        }
        MetaGradient mg = new Reptile(net, new ReptileConfig(k, ALPHA, 2)).metaGradient(theta(), episode());
        assertClose(sub(theta0, p), flat(mg), 1e-12);
        assertEquals(loss(new double[][] {xs[0], xs[1]}, new double[] {ys[0], ys[1]}, theta0),
                mg.metrics().supportLossBefore(), 1e-12, "support loss before: the first batch's at theta");
        // a batch of the whole support set is the full-batch rule
        assertClose(flat(new Reptile(net, new ReptileConfig(k, ALPHA)).metaGradient(theta(), episode())),
                flat(new Reptile(net, new ReptileConfig(k, ALPHA, 6)).metaGradient(theta(), episode())), 0);
    }

    @Test
    void learnedStepSizeGradientEqualsClosedForm() {
        // one step: dL_q(theta - alpha g_s)/dalpha = -<grad L_q(theta'), g_s>
        double[] gs = grad(xs, ys, theta0);
        double[] phi = inner(theta0, 1);
        double expected = -dot(grad(xq, yq, phi), gs);
        for (MamlConfig cfg : List.of(MamlConfig.secondOrder(1, ALPHA), MamlConfig.firstOrder(1, ALPHA))) {
            Maml maml = new Maml(net, cfg.withLearnedStepSizes());
            ParamSet th = maml.initialise(0, DataType.DOUBLE);
            th.get("lin/W").assign(Nd4j.create(theta0, new long[] {D, 1}, DataType.DOUBLE));
            ParamSet g = maml.metaGradient(th, episode()).gradient();
            assertEquals(expected, g.get(Maml.rateName(0, "lin/W")).getDouble(0), 1e-12, cfg.toString());
        }
    }

    @Test
    void adaptDoesNotMutateThetaAndFollowsSgd() {
        ParamSet th = theta();
        ParamSet before = th.copy();
        ParamSet phi = new Maml(net, MamlConfig.secondOrder(3, ALPHA)).adapt(th, episode());
        assertEquals(0.0, th.axpy(-1, before).norm2(), 0.0, "theta must not change");
        assertClose(inner(theta0, 3), phi.flat().toDoubleVector(), 1e-13);
    }

    @Test
    void metricsAreTheQuadraticLosses() {
        MetaGradient mg = new Maml(net, MamlConfig.secondOrder(2, ALPHA)).metaGradient(theta(), episode());
        assertEquals(loss(xs, ys, theta0), mg.metrics().supportLossBefore(), 1e-12);
        assertEquals(loss(xq, yq, theta0), mg.metrics().queryLossBefore(), 1e-12);
        assertEquals(loss(xq, yq, inner(theta0, 2)), mg.metrics().queryLossAfter(), 1e-12);
        assertTrue(Double.isNaN(mg.metrics().queryAccuracyAfter()), "no accuracy for regression");
    }

    // ---- plain-Java linear algebra -------------------------------------------------------------

    double[] inner(double[] theta, int k) {
        double[] p = theta.clone();
        for (int i = 0; i < k; i++) {
            p = sub(p, scale(ALPHA, grad(xs, ys, p)));
        }
        return p;
    }

    static double loss(double[][] x, double[] y, double[] w) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            double r = dot(x[i], w) - y[i];
            s += r * r;
        }
        return s / (2 * x.length);
    }

    /** X'(Xw - y)/n = A (w - a). */
    static double[] grad(double[][] x, double[] y, double[] w) {
        double[] g = new double[w.length];
        for (int i = 0; i < x.length; i++) {
            double r = dot(x[i], w) - y[i];
            for (int j = 0; j < w.length; j++) {
                g[j] += x[i][j] * r / x.length;
            }
        }
        return g;
    }

    static double[][] gram(double[][] x) {
        int d = x[0].length;
        double[][] a = new double[d][d];
        for (double[] row : x) {
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    a[i][j] += row[i] * row[j] / x.length;
                }
            }
        }
        return a;
    }

    static double[] xty(double[][] x, double[] y) {
        double[] b = new double[x[0].length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < b.length; j++) {
                b[j] += x[i][j] * y[i] / x.length;
            }
        }
        return b;
    }

    static double[][] identityMinusAlphaA(double[][] x) {
        double[][] a = gram(x);
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a.length; j++) {
                a[i][j] = (i == j ? 1 : 0) - ALPHA * a[i][j];
            }
        }
        return a;
    }

    static double[] powApply(double[][] m, int k, double[] v) {
        double[] r = v.clone();
        for (int t = 0; t < k; t++) {
            double[] n = new double[r.length];
            for (int i = 0; i < r.length; i++) {
                n[i] = dot(m[i], r);
            }
            r = n;
        }
        return r;
    }

    /** Gaussian elimination with partial pivoting. */
    static double[] solve(double[][] a0, double[] b0) {
        int n = b0.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) {
            a[i] = a0[i].clone();
        }
        double[] b = b0.clone();
        for (int c = 0; c < n; c++) {
            int p = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(a[r][c]) > Math.abs(a[p][c])) {
                    p = r;
                }
            }
            double[] t = a[c];
            a[c] = a[p];
            a[p] = t;
            double tb = b[c];
            b[c] = b[p];
            b[p] = tb;
            for (int r = c + 1; r < n; r++) {
                double f = a[r][c] / a[c][c];
                for (int j = c; j < n; j++) {
                    a[r][j] -= f * a[c][j];
                }
                b[r] -= f * b[c];
            }
        }
        double[] x = new double[n];
        for (int r = n - 1; r >= 0; r--) {
            double s = b[r];
            for (int j = r + 1; j < n; j++) {
                s -= a[r][j] * x[j];
            }
            x[r] = s / a[r][r];
        }
        return x;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double[] sub(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] - b[i];
        }
        return r;
    }

    static double[] add(double[] a, double[] b) {
        return sub(a, scale(-1, b));
    }

    static double[] scale(double s, double[] a) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = s * a[i];
        }
        return r;
    }

    static double[][] matrix(int n, int d, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] m = new double[n][d];
        for (double[] row : m) {
            for (int j = 0; j < d; j++) {
                row[j] = rng.nextGaussian();
            }
        }
        return m;
    }

    static double[] vector(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rng.nextGaussian();
        }
        return v;
    }

    static INDArray toNd(double[][] m) {
        return Nd4j.create(m).castTo(DataType.DOUBLE);
    }

    static INDArray column(double[] v) {
        return Nd4j.create(v, new long[] {v.length, 1}, DataType.DOUBLE);
    }

    static double[] flat(MetaGradient g) {
        return g.gradient().flat().toDoubleVector();
    }

    static void assertClose(double[] expected, double[] got, double tol) {
        assertEquals(expected.length, got.length, "length");
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        assertTrue(scale > 1e-3, "expected values are too small to test anything");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], got[i], tol * Math.max(1, scale),
                    "element " + i + ": expected " + java.util.Arrays.toString(expected) + " got "
                            + java.util.Arrays.toString(got));
        }
    }
}
