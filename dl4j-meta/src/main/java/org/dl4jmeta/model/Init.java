package org.dl4jmeta.model;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Seeded weight initialisers (no global random state: every draw comes from the caller's stream). */
final class Init {

    private Init() {
    }

    /**
     * Glorot and Bengio (2010) uniform: U(-r, r) with r = sqrt(6 / (fanIn + fanOut)).
     */
    static void glorotUniform(INDArray target, double fanIn, double fanOut, SplittableRandom rng) {
        double r = Math.sqrt(6.0 / (fanIn + fanOut));
        double[] v = new double[(int) target.length()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (2 * rng.nextDouble() - 1) * r;
        }
        target.assign(Nd4j.create(v, target.shape(), DataType.DOUBLE).castTo(target.dataType()));
    }
}
