package org.dl4jmeta.experiments;

/**
 * Softmax cross-entropy of the linear model z = x W in plain Java: f(W) = -(1/n) sum_j log softmax(x_j W)_{y_j};
 * gradient X'(P - Y)/n; Hessian-vector product (1/n) sum_j x_j (diag(p_j) - p_j p_j') (V' x_j), with P the row-wise
 * softmax and Y the one-hot labels. W is row-major [inputs][classes] flattened.
 */
final class SoftmaxTask implements ReferenceTask {

    private final double[][] x;
    private final int[] labels;
    private final int classes;

    SoftmaxTask(double[][] x, int[] labels, int classes) {
        this.x = x;
        this.labels = labels.clone();
        this.classes = classes;
    }

    private double[] logits(double[] w, double[] xi) {
        double[] z = new double[classes];
        for (int j = 0; j < xi.length; j++) {
            for (int k = 0; k < classes; k++) {
                z[k] += xi[j] * w[j * classes + k];
            }
        }
        return z;
    }

    private static double[] softmax(double[] z) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            m = Math.max(m, v);
        }
        double s = 0;
        double[] p = new double[z.length];
        for (int k = 0; k < z.length; k++) {
            p[k] = Math.exp(z[k] - m);
            s += p[k];
        }
        for (int k = 0; k < z.length; k++) {
            p[k] /= s;
        }
        return p;
    }

    @Override
    public double loss(double[] w) {
        double total = 0;
        for (int i = 0; i < x.length; i++) {
            double[] z = logits(w, x[i]);
            double m = Double.NEGATIVE_INFINITY;
            for (double v : z) {
                m = Math.max(m, v);
            }
            double s = 0;
            for (double v : z) {
                s += Math.exp(v - m);
            }
            total -= z[labels[i]] - m - Math.log(s);
        }
        return total / x.length;
    }

    @Override
    public double[] gradient(double[] w) {
        double[] g = new double[w.length];
        for (int i = 0; i < x.length; i++) {
            double[] p = softmax(logits(w, x[i]));
            p[labels[i]] -= 1;
            accumulate(g, x[i], p);
        }
        return Linalg.scale(1.0 / x.length, g);
    }

    @Override
    public double[] hessianVector(double[] w, double[] v) {
        double[] h = new double[w.length];
        for (int i = 0; i < x.length; i++) {
            double[] p = softmax(logits(w, x[i]));
            double[] u = logits(v, x[i]);
            double pu = Linalg.dot(p, u);
            double[] s = new double[classes];
            for (int k = 0; k < classes; k++) {
                s[k] = p[k] * (u[k] - pu);
            }
            accumulate(h, x[i], s);
        }
        return Linalg.scale(1.0 / x.length, h);
    }

    private void accumulate(double[] out, double[] xi, double[] s) {
        for (int j = 0; j < xi.length; j++) {
            for (int k = 0; k < classes; k++) {
                out[j * classes + k] += xi[j] * s[k];
            }
        }
    }
}
