package com.example.userext;

import java.util.Map;
import java.util.SplittableRandom;
import org.dl4jmeta.model.Layer;
import org.dl4jmeta.model.LayerSettings;
import org.dl4jmeta.model.LayerType;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A user's own layer, written outside the library's packages as a user would: a learned per-feature scale
 * y = x * g (g of shape [features], initialised to the setting {@code init}). Backward as ordinary SameDiff ops:
 * dg = sum over rows of dy * x, dx = dy * g, so second-order MAML through it is exact. Its {@link Type} saves and
 * restores it in model files; the test resources' {@code META-INF/services/org.dl4jmeta.model.LayerType} registers
 * it.
 */
public final class Scale implements Layer {

    private final String name;
    private final double init;

    /**
     * @param name layer name
     * @param init the initial scale, finite
     */
    public Scale(String name, double init) {
        if (!Double.isFinite(init)) {
            throw new IllegalArgumentException("scale '" + name + "' init must be finite, got " + init);
        }
        this.name = name;
        this.init = init;
    }

    @Override
    public String name() {
        return name;
    }

    /** @return the initial scale */
    public double init() {
        return init;
    }

    @Override
    public Map<String, long[]> paramShapes(long[] in) {
        if (in.length != 1) {
            throw new IllegalArgumentException("scale '" + name + "' needs [features] inputs, got rank " + in.length);
        }
        return Map.of("g", new long[] {in[0]});
    }

    @Override
    public long[] outputShape(long[] in) {
        paramShapes(in);
        return in.clone();
    }

    @Override
    public void initialise(Map<String, INDArray> params, long[] in, SplittableRandom rng) {
        params.get("g").assign(init);
    }

    @Override
    public Pass forward(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p) {
        SDVariable g = p.get("g");
        SDVariable y = x.mul(g);
        return new Pass() {
            @Override
            public SDVariable output() {
                return y;
            }

            @Override
            public long[] outputShape() {
                return inShape.clone();
            }

            @Override
            public SDVariable backward(SDVariable dy, Map<String, SDVariable> grads, boolean needInputGradient) {
                grads.put("g", sd.sum(dy.mul(x), 0));
                return needInputGradient ? dy.mul(g) : null;
            }
        };
    }

    /** Saves and restores {@link Scale} as layer type {@code userext-scale} with its setting {@code init}. */
    public static final class Type implements LayerType<Scale> {

        @Override
        public String id() {
            return "userext-scale";
        }

        @Override
        public Class<Scale> layerClass() {
            return Scale.class;
        }

        @Override
        public Map<String, Object> settings(Scale layer) {
            return Map.of("init", layer.init());
        }

        @Override
        public Scale create(String name, Map<String, Object> settings) {
            return new Scale(name, LayerSettings.of(id(), name, settings, "init").real("init"));
        }
    }
}
