package org.dl4jmeta.update;

import org.nd4j.autodiff.samediff.SDVariable;

/** {@link TensorMath} of SameDiff variables: each call adds one op to the variables' graph. */
final class SameDiffMath implements TensorMath<SDVariable> {

    static final SameDiffMath INSTANCE = new SameDiffMath();

    private SameDiffMath() {
    }

    @Override
    public SDVariable add(SDVariable a, SDVariable b) {
        return a.add(b);
    }

    @Override
    public SDVariable sub(SDVariable a, SDVariable b) {
        return a.sub(b);
    }

    @Override
    public SDVariable mul(SDVariable a, SDVariable b) {
        return a.mul(b);
    }

    @Override
    public SDVariable mul(SDVariable a, double s) {
        return a.mul(s);
    }
}
