package org.dl4jmeta.predict;

import org.dl4jmeta.model.Loss;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A loss over the first k of a network's N outputs only: the unused outputs' logits are pushed to -1e9 before the
 * wrapped loss (softmax cross-entropy), so their softmax probability is exactly 0 in float and double, they
 * contribute nothing to the loss, and dL/dz is 0 for them (z' = z + m with m constant, so dL/dz = dL/dz'). An N-way
 * meta-model adapted to k &lt; N classes with this loss is the k-way softmax classifier on its first k outputs.
 */
final class MaskedOutputs implements Loss {

    /** What an unused output's logit is shifted by. */
    static final double MASK = -1e9;

    private final Loss inner;
    private final int used;
    private final int outputs;
    private final org.nd4j.linalg.api.buffer.DataType dataType;

    /**
     * @param inner the network's own loss
     * @param used k, the outputs kept (the first k)
     * @param outputs N, the network's outputs
     * @param dataType the logits' data type
     */
    MaskedOutputs(Loss inner, int used, int outputs, org.nd4j.linalg.api.buffer.DataType dataType) {
        this.inner = inner;
        this.used = used;
        this.outputs = outputs;
        this.dataType = dataType;
    }

    /** @return the constant row added to the logits: 0 for the first k outputs, {@link #MASK} after them */
    static INDArray mask(org.nd4j.linalg.api.buffer.DataType dt, int used, int outputs) {
        INDArray m = Nd4j.zeros(dt, 1, outputs);
        for (int j = used; j < outputs; j++) {
            m.putScalar(0, j, MASK);
        }
        return m;
    }

    @Override
    public Built build(SameDiff sd, SDVariable z, SDVariable y, long n) {
        SDVariable masked = z.add(sd.constant(mask(dataType, used, outputs)));
        return inner.build(sd, masked, y, n);
    }

    @Override
    public String id() {
        return inner.id() + "-first-" + used + "-of-" + outputs;
    }
}
