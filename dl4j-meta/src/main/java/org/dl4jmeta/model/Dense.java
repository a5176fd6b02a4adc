package org.dl4jmeta.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Fully connected layer y = x W + b, W of shape [in, out]. Backward: dW = x' dy, db = sum over rows of dy,
 * dx = dy W'. Initialisation: Glorot uniform, zero bias.
 */
public final class Dense implements Layer {

    private final String name;
    private final int outputs;
    private final boolean bias;

    /**
     * @param name layer name
     * @param outputs number of outputs, &gt;= 1
     * @param bias whether to add a bias
     * @throws IllegalArgumentException if outputs &lt; 1
     */
    public Dense(String name, int outputs, boolean bias) {
        this.name = LayerNames.require(name);
        if (outputs < 1) {
            throw new IllegalArgumentException("dense '" + name + "' outputs must be >= 1, got " + outputs);
        }
        this.outputs = outputs;
        this.bias = bias;
    }

    @Override
    public String name() {
        return name;
    }

    /** @return the number of outputs */
    public int outputs() {
        return outputs;
    }

    /** @return whether the layer has a bias */
    public boolean hasBias() {
        return bias;
    }

    @Override
    public Map<String, long[]> paramShapes(long[] in) {
        Shapes.requireRank(name, in, 1, "[features] (add a Flatten layer before it)");
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("W", new long[] {in[0], outputs});
        if (bias) {
            m.put("b", new long[] {outputs});
        }
        return m;
    }

    @Override
    public long[] outputShape(long[] in) {
        paramShapes(in);
        return new long[] {outputs};
    }

    @Override
    public void initialise(Map<String, INDArray> params, long[] in, SplittableRandom rng) {
        Init.glorotUniform(params.get("W"), in[0], outputs, rng);
        if (bias) {
            params.get("b").assign(0);
        }
    }

    @Override
    public Pass forward(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p) {
        SDVariable w = p.get("W");
        SDVariable z = sd.mmul(x, w);
        SDVariable y = bias ? z.add(p.get("b")) : z;
        long[] outShape = {inShape[0], outputs};
        return new Pass() {
            @Override
            public SDVariable output() {
                return y;
            }

            @Override
            public long[] outputShape() {
                return outShape.clone();
            }

            @Override
            public SDVariable backward(SDVariable dy, Map<String, SDVariable> grads, boolean needInputGradient) {
                grads.put("W", sd.mmul(x, dy, true, false, false));
                if (bias) {
                    grads.put("b", sd.sum(dy, 0));
                }
                return needInputGradient ? sd.mmul(dy, w, false, true, false) : null;
            }
        };
    }

    /** Saves and restores {@link Dense} in model files as type {@code dense}: units (outputs) and bias. */
    public static final class Type implements LayerType<Dense> {

        @Override
        public String id() {
            return "dense";
        }

        @Override
        public Class<Dense> layerClass() {
            return Dense.class;
        }

        @Override
        public Map<String, Object> settings(Dense layer) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("units", layer.outputs());
            m.put("bias", layer.hasBias());
            return m;
        }

        @Override
        public Dense create(String name, Map<String, Object> settings) {
            LayerSettings s = LayerSettings.of(id(), name, settings, "units", "bias");
            return new Dense(name, s.integer("units"), s.bool("bias"));
        }
    }
}
