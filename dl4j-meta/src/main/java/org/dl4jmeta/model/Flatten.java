package org.dl4jmeta.model;

import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Flattens [n, c, h, w] to [n, c h w] (C order); backward reshapes the gradient back. */
public final class Flatten implements Layer {

    private final String name;

    /** @param name layer name */
    public Flatten(String name) {
        this.name = LayerNames.require(name);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Map<String, long[]> paramShapes(long[] in) {
        return Map.of();
    }

    @Override
    public long[] outputShape(long[] in) {
        return new long[] {Shapes.product(in, 0)};
    }

    @Override
    public void initialise(Map<String, INDArray> params, long[] in, SplittableRandom rng) {
        // no parameters
    }

    @Override
    public Pass forward(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p) {
        long[] outShape = {inShape[0], Shapes.product(inShape, 1)};
        SDVariable y = sd.reshape(x, outShape);
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
                return needInputGradient ? sd.reshape(dy, inShape) : null;
            }
        };
    }

    /** Saves and restores {@link Flatten} in model files as type {@code flatten}: no settings. */
    public static final class Type implements LayerType<Flatten> {

        @Override
        public String id() {
            return "flatten";
        }

        @Override
        public Class<Flatten> layerClass() {
            return Flatten.class;
        }

        @Override
        public Map<String, Object> settings(Flatten layer) {
            return Map.of();
        }

        @Override
        public Flatten create(String name, Map<String, Object> settings) {
            LayerSettings.of(id(), name, settings);
            return new Flatten(name);
        }
    }
}
