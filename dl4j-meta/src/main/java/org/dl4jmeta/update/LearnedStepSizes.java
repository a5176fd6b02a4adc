package org.dl4jmeta.update;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SGD with one learned step size per parameter tensor and inner step: phi_{k+1} = phi_k - alpha_{k,t} g_k, every
 * alpha_{k,t} (shape [1], named {@link #name}) a meta-parameter initialised to {@code initial} (Li et al. 2017,
 * Meta-SGD, per tensor; per step as in MAML++, Antoniou et al. 2019). Steps beyond the configured count (longer
 * adaptation at test time) use the last step's sizes.
 *
 * @param initial the initial step size, &gt; 0 and finite
 */
public record LearnedStepSizes(double initial) implements InnerUpdate {

    /**
     * @throws IllegalArgumentException naming a bad initial value
     */
    public LearnedStepSizes {
        if (!(initial > 0) || Double.isInfinite(initial)) {
            throw new IllegalArgumentException("initial learned step size must be > 0 and finite, got " + initial);
        }
    }

    /**
     * @param step inner step k
     * @param tensor network parameter name
     * @return the name of the learned step size of that tensor at that step, e.g. {@code alpha/step0/conv1/W}
     */
    public static String name(int step, String tensor) {
        return "alpha/step" + step + "/" + tensor;
    }

    private static String name(UpdateStep<?> s) {
        return name(Math.min(s.step(), s.steps() - 1), s.tensor());
    }

    @Override
    public <T> T apply(TensorMath<T> math, UpdateStep<T> s) {
        return math.sub(s.phi(), math.mul(s.gradient(), s.parameters().apply(name(s))));
    }

    @Override
    public List<MetaParameter> metaParameters(Map<String, long[]> adapted, int steps) {
        List<MetaParameter> out = new ArrayList<>();
        for (int k = 0; k < steps; k++) {
            for (String t : adapted.keySet()) {
                out.add(new MetaParameter(name(k, t), new long[] {1}, initial));
            }
        }
        return out;
    }

    @Override
    public Map<String, INDArray> firstOrderGradient(UpdateStep<INDArray> s, INDArray v) {
        double d = -v.mul(s.gradient()).sumNumber().doubleValue();
        return Map.of(name(s), Nd4j.valueArrayOf(new long[] {1}, d, v.dataType()));
    }
}
