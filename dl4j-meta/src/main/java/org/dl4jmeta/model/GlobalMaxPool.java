package org.dl4jmeta.model;

import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Global max pooling [n,c,h,w] -&gt; [n,c]: y = max over (h,w) of x (DL4J's {@code GlobalPoolingLayer} with
 * {@code PoolingType.MAX}). Backward: the gradient goes to the position(s) holding each channel's maximum, ties
 * sharing it equally: dx = [x = y] dy / #ties (the mask is piecewise constant, so no second-order term).
 */
public final class GlobalMaxPool extends GlobalPool {

    /** @param name layer name */
    public GlobalMaxPool(String name) {
        super(name);
    }

    @Override
    protected SDVariable pool(SameDiff sd, SDVariable x) {
        return sd.max(x, 2, 3);
    }

    @Override
    protected SDVariable poolBackward(SameDiff sd, SDVariable x, SDVariable y, SDVariable dy, long[] inShape) {
        SDVariable mask = sd.castTo(sd.eq(x, sd.reshape(y, inShape[0], inShape[1], 1, 1)), x.dataType());
        SDVariable dy4 = sd.reshape(dy, inShape[0], inShape[1], 1, 1);
        return mask.mul(dy4.div(sd.sum(mask, true, 2, 3)));
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
