package org.dl4jmeta.update;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An update on iMAML's regularised inner objective G(phi) = L_s(phi) + lambda/2 ||phi - theta||^2 (Rajeswaran, Finn,
 * Kakade, Levine 2019, eq. 4): the wrapped update receives grad G(phi_k) = g_k + lambda (phi_k - theta) in place of
 * g_k; with {@link Sgd}, phi_{k+1} = phi_k - alpha (g_k + lambda (phi_k - theta)). Theta enters every step, so the
 * unrolled graph's meta-gradient includes the term's dependence on theta.
 *
 * @param base the update that takes the regularised gradient
 * @param lambda the proximal strength, &gt; 0 and finite
 */
public record Proximal(InnerUpdate base, double lambda) implements InnerUpdate {

    /**
     * @throws IllegalArgumentException naming a bad lambda
     */
    public Proximal {
        Objects.requireNonNull(base, "base");
        if (!(lambda > 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("proximal lambda must be > 0 and finite, got " + lambda);
        }
    }

    private <T> UpdateStep<T> regularised(TensorMath<T> math, UpdateStep<T> s) {
        return s.withGradient(math.add(s.gradient(), math.mul(math.sub(s.phi(), s.theta()), lambda)));
    }

    @Override
    public <T> T apply(TensorMath<T> math, UpdateStep<T> s) {
        return base.apply(math, regularised(math, s));
    }

    @Override
    public List<MetaParameter> metaParameters(Map<String, long[]> adapted, int steps) {
        return base.metaParameters(adapted, steps);
    }

    @Override
    public Map<String, INDArray> firstOrderGradient(UpdateStep<INDArray> s, INDArray v) {
        return base.firstOrderGradient(regularised(TensorMath.nd4j(), s), v);
    }

    @Override
    public boolean sameForEveryTensor() {
        return base.sameForEveryTensor();
    }

    @Override
    public boolean adapts(String tensor) {
        return base.adapts(tensor);
    }

    @Override
    public void requireTensors(Collection<String> tensors) {
        base.requireTensors(tensors);
    }
}
