package org.dl4jmeta.experiments;

/**
 * f(w) = 1/(2n) ||X w - y||^2 = 1/2 w'A w - b'w + c with A = X'X/n, b = X'y/n, c = y'y/(2n), in plain Java.
 */
final class LeastSquaresTask implements ReferenceTask {

    private final double[][] a;
    private final double[] b;
    private final double c;

    LeastSquaresTask(double[][] x, double[] y) {
        int n = x.length;
        this.a = Linalg.scale(1.0 / n, Linalg.multiply(Linalg.transpose(x), x));
        this.b = Linalg.scale(1.0 / n, Linalg.multiply(Linalg.transpose(x), y));
        this.c = Linalg.dot(y, y) / (2.0 * n);
    }

    double[][] curvature() {
        return Linalg.copy(a);
    }

    @Override
    public double loss(double[] w) {
        return 0.5 * Linalg.dot(w, Linalg.multiply(a, w)) - Linalg.dot(b, w) + c;
    }

    @Override
    public double[] gradient(double[] w) {
        return Linalg.sub(Linalg.multiply(a, w), b);
    }

    @Override
    public double[] hessianVector(double[] w, double[] v) {
        return Linalg.multiply(a, v);
    }
}
