package org.dl4jmeta.update;

import org.nd4j.linalg.api.ndarray.INDArray;

/** {@link TensorMath} of ND4J arrays, out of place: each call returns a new array. */
final class Nd4jMath implements TensorMath<INDArray> {

    static final Nd4jMath INSTANCE = new Nd4jMath();

    private Nd4jMath() {
    }

    @Override
    public INDArray add(INDArray a, INDArray b) {
        return a.add(b);
    }

    @Override
    public INDArray sub(INDArray a, INDArray b) {
        return a.sub(b);
    }

    @Override
    public INDArray mul(INDArray a, INDArray b) {
        return a.mul(b);
    }

    @Override
    public INDArray mul(INDArray a, double s) {
        return a.mul(s);
    }
}
