package org.dl4jmeta.update;

/**
 * Plain SGD on the support loss, phi_{k+1} = phi_k - alpha grad L_s(phi_k) (Finn, Abbeel, Levine 2017).
 *
 * @param alpha the step size, &gt; 0 and finite
 */
public record Sgd(double alpha) implements InnerUpdate {

    /**
     * @throws IllegalArgumentException naming a bad alpha
     */
    public Sgd {
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("SGD step size alpha must be > 0 and finite, got " + alpha);
        }
    }

    @Override
    public <T> T apply(TensorMath<T> math, UpdateStep<T> s) {
        return math.sub(s.phi(), math.mul(s.gradient(), alpha));
    }

    @Override
    public boolean sameForEveryTensor() {
        return true;
    }
}
