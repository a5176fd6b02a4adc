package org.dl4jmeta.model;

import java.util.Arrays;

/** Small shape helpers shared by the layers. */
final class Shapes {

    private Shapes() {
    }

    static long product(long[] shape, int from) {
        long n = 1;
        for (int i = from; i < shape.length; i++) {
            n *= shape[i];
        }
        return n;
    }

    static long[] withBatch(long batch, long[] perExample) {
        long[] s = new long[perExample.length + 1];
        s[0] = batch;
        System.arraycopy(perExample, 0, s, 1, perExample.length);
        return s;
    }

    static long[] perExample(long[] full) {
        return Arrays.copyOfRange(full, 1, full.length);
    }

    static void requireRank(String layer, long[] perExample, int rank, String layout) {
        if (perExample.length != rank) {
            throw new IllegalArgumentException("layer '" + layer + "' needs per-example input of rank " + rank + " "
                    + layout + ", got " + Arrays.toString(perExample));
        }
    }

    /**
     * Zeros of x's shape and type, for spreading per-channel values to full size by a broadcasting add (whose
     * gradient is a fast reduction): a constant when the shape is static, else {@code zerosLike(x)}.
     */
    static org.nd4j.autodiff.samediff.SDVariable zeros(org.nd4j.autodiff.samediff.SameDiff sd,
                                                       org.nd4j.autodiff.samediff.SDVariable x, long[] shape) {
        boolean staticShape = Arrays.stream(shape).allMatch(d -> d > 0);
        return staticShape ? sd.constant(org.nd4j.linalg.factory.Nd4j.zeros(x.dataType(), shape)) : sd.zerosLike(x);
    }
}
