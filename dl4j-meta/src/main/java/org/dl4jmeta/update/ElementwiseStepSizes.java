package org.dl4jmeta.update;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Meta-SGD's inner update (Li, Zhou, Chen, Li 2017, eq. 3): phi_{k+1} = phi_k - alpha_t (element-wise) g_k, one
 * learned step size per parameter element: alpha_t (named {@link #name}) has tensor t's shape, is meta-learned with
 * theta by the outer optimiser and is shared by all inner steps (the paper adapts with one step; learn2learn's
 * {@code MetaSGD} shares its rates across steps the same way). Every element starts at {@code initial}: the paper
 * draws them uniformly from [0.005, 0.1]; a constant start (learn2learn's choice) keeps the initial inner loop equal
 * to MAML's with step {@code initial}, so a run starts from the MAML baseline.
 *
 * @param initial the value every step size starts from, &gt; 0 and finite
 */
public record ElementwiseStepSizes(double initial) implements InnerUpdate {

    /**
     * @throws IllegalArgumentException naming a bad initial value
     */
    public ElementwiseStepSizes {
        if (!(initial > 0) || Double.isInfinite(initial)) {
            throw new IllegalArgumentException("initial Meta-SGD step size must be > 0 and finite, got " + initial);
        }
    }

    /**
     * @param tensor a network parameter name
     * @return the name of its step-size tensor in theta, e.g. {@code metasgd/conv1/W}
     */
    public static String name(String tensor) {
        return "metasgd/" + tensor;
    }

    @Override
    public <T> T apply(TensorMath<T> math, UpdateStep<T> s) {
        return math.sub(s.phi(), math.mul(s.gradient(), s.parameters().apply(name(s.tensor()))));
    }

    @Override
    public List<MetaParameter> metaParameters(Map<String, long[]> adapted, int steps) {
        List<MetaParameter> out = new ArrayList<>();
        for (Map.Entry<String, long[]> e : adapted.entrySet()) {
            out.add(new MetaParameter(name(e.getKey()), e.getValue(), initial));
        }
        return out;
    }

    /** d &lt;v, phi - alpha g&gt; / d alpha = -v g, element-wise. */
    @Override
    public Map<String, INDArray> firstOrderGradient(UpdateStep<INDArray> s, INDArray v) {
        return Map.of(name(s.tensor()), v.mul(s.gradient()).negi());
    }
}
