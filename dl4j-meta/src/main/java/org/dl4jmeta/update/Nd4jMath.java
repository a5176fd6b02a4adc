package org.dl4jmeta.update;

import java.util.function.Consumer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link TensorMath} of ND4J arrays, out of place: each call returns a new array, which is also handed to the
 * optional {@code created} sink.
 */
final class Nd4jMath implements TensorMath<INDArray> {

    static final Nd4jMath INSTANCE = new Nd4jMath(null);

    private final Consumer<INDArray> created;

    Nd4jMath(Consumer<INDArray> created) {
        this.created = created;
    }

    private INDArray made(INDArray a) {
        if (created != null) {
            created.accept(a);
        }
        return a;
    }

    @Override
    public INDArray add(INDArray a, INDArray b) {
        return made(a.add(b));
    }

    @Override
    public INDArray sub(INDArray a, INDArray b) {
        return made(a.sub(b));
    }

    @Override
    public INDArray mul(INDArray a, INDArray b) {
        return made(a.mul(b));
    }

    @Override
    public INDArray mul(INDArray a, double s) {
        return made(a.mul(s));
    }
}
