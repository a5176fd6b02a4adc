package org.dl4jmeta.testutil;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Relative error as in DL4J's GradCheckUtil: |a-n| / (|a|+|n|), with an absolute floor for tiny values. */
public final class Rel {

    private Rel() {
    }

    /** Largest element-wise relative error; pairs whose absolute difference is below absFloor count as 0. */
    public static double maxRelError(INDArray a, INDArray b, double absFloor) {
        double[] x = a.dup().data().asDouble();
        double[] y = b.dup().data().asDouble();
        if (x.length != y.length) {
            throw new IllegalArgumentException("lengths differ: " + x.length + " vs " + y.length);
        }
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            worst = Math.max(worst, rel(x[i], y[i], absFloor));
        }
        return worst;
    }

    /** Relative error of two scalars with an absolute floor. */
    public static double rel(double a, double n, double absFloor) {
        double diff = Math.abs(a - n);
        if (diff < absFloor) {
            return 0;
        }
        return diff / (Math.abs(a) + Math.abs(n));
    }
}
