package org.dl4jmeta.model;

import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Global max pooling [n,c,h,w] -&gt; [n,c]: y = max over (h,w) of x (DL4J's {@code GlobalPoolingLayer} with
 * {@code PoolingType.MAX}). Backward: the gradient goes to the position(s) holding each channel's maximum, ties
 * sharing it equally: dx = [x = y] dy / #ties (the mask is piecewise constant, so no second-order term).
 */
public final class GlobalMaxPool implements Layer {

    private final String name;

    /** @param name layer name */
    public GlobalMaxPool(String name) {
        this.name = LayerNames.require(name);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Map<String, long[]> paramShapes(long[] in) {
        Shapes.requireRank(name, in, 3, "[channels,height,width]");
        return Map.of();
    }

    @Override
    public long[] outputShape(long[] in) {
        Shapes.requireRank(name, in, 3, "[channels,height,width]");
        return new long[] {in[0]};
    }

    @Override
    public void initialise(Map<String, INDArray> params, long[] in, SplittableRandom rng) {
        // no parameters
    }

    @Override
    public Pass forward(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p) {
        SDVariable y = sd.max(x, 2, 3);
        long[] outShape = {inShape[0], inShape[1]};
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
                if (!needInputGradient) {
                    return null;
                }
                SDVariable mask = sd.castTo(sd.eq(x, sd.reshape(y, inShape[0], inShape[1], 1, 1)), x.dataType());
                SDVariable dy4 = sd.reshape(dy, inShape[0], inShape[1], 1, 1);
                return mask.mul(dy4.div(sd.sum(mask, true, 2, 3)));
            }
        };
    }

    /** Saves and restores {@link GlobalMaxPool} in model files as type {@code globalmaxpool}: no settings. */
    public static final class Type implements LayerType<GlobalMaxPool> {

        @Override
        public String id() {
            return "globalmaxpool";
        }

        @Override
        public Class<GlobalMaxPool> layerClass() {
            return GlobalMaxPool.class;
        }

        @Override
        public Map<String, Object> settings(GlobalMaxPool layer) {
            return Map.of();
        }

        @Override
        public GlobalMaxPool create(String name, Map<String, Object> settings) {
            LayerSettings.of(id(), name, settings);
            return new GlobalMaxPool(name);
        }
    }
}
