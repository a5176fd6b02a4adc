package org.dl4jmeta.model;

import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;

/**
 * 2x2 max-pooling with stride 2 and 'valid' padding (odd sizes are floored: 21 -&gt; 10, as in Finn et al.'s
 * Mini-ImageNet network, giving 32 x 5 x 5 features from 84 x 84 inputs).
 *
 * <p>Backward: each window's gradient goes to the position(s) holding the maximum; the mask is
 * [x = max of its window] computed on a [n,c,h/2,2,w/2,2] reshape, and ties share the gradient equally
 * (a valid subgradient). Rows and columns dropped by the flooring get zero gradient.
 */
public final class MaxPool2x2 implements Layer {

    private final String name;

    /** @param name layer name */
    public MaxPool2x2(String name) {
        this.name = LayerNames.require(name);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Map<String, long[]> paramShapes(long[] in) {
        outputShape(in);
        return Map.of();
    }

    @Override
    public long[] outputShape(long[] in) {
        Shapes.requireRank(name, in, 3, "[channels,height,width]");
        if (in[1] < 2 || in[2] < 2) {
            throw new IllegalArgumentException("max-pool '" + name + "' needs height and width >= 2, got "
                    + java.util.Arrays.toString(in));
        }
        return new long[] {in[0], in[1] / 2, in[2] / 2};
    }

    @Override
    public void initialise(Map<String, INDArray> params, long[] in, SplittableRandom rng) {
        // no parameters
    }

    @Override
    public Pass forward(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p) {
        long n = inShape[0];
        long c = inShape[1];
        long h = inShape[2];
        long w = inShape[3];
        long h2 = h / 2;
        long w2 = w / 2;
        Pooling2DConfig conf = Pooling2DConfig.builder().kH(2).kW(2).sH(2).sW(2).pH(0).pW(0).dH(1).dW(1)
                .type(Pooling2D.Pooling2DType.MAX).paddingMode(PaddingMode.VALID).isNHWC(false).build();
        SDVariable y = sd.cnn.maxPooling2d(x, conf);
        long[] outShape = {n, c, h2, w2};
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
                SDVariable xc = (h == 2 * h2 && w == 2 * w2) ? x
                        : sd.slice(x, new int[] {0, 0, 0, 0}, (int) n, (int) c, (int) (2 * h2), (int) (2 * w2));
                SDVariable x6 = sd.reshape(xc, n, c, h2, 2, w2, 2);
                SDVariable m6 = sd.reshape(y, n, c, h2, 1, w2, 1);
                SDVariable mask = sd.castTo(sd.eq(x6, m6), x.dataType());
                SDVariable count = sd.sum(mask, true, 3, 5);
                SDVariable dy6 = sd.reshape(dy, n, c, h2, 1, w2, 1);
                SDVariable dx = sd.reshape(mask.mul(dy6.div(count)), n, c, 2 * h2, 2 * w2);
                if (h == 2 * h2 && w == 2 * w2) {
                    return dx;
                }
                INDArray extra = org.nd4j.linalg.factory.Nd4j.createFromArray(new int[][] {
                    {0, 0}, {0, 0}, {0, (int) (h - 2 * h2)}, {0, (int) (w - 2 * w2)}});
                return sd.nn.pad(dx, sd.constant(extra), 0.0);
            }
        };
    }

    /** Saves and restores {@link MaxPool2x2} in model files as type {@code maxpool2x2}: no settings. */
    public static final class Type implements LayerType<MaxPool2x2> {

        @Override
        public String id() {
            return "maxpool2x2";
        }

        @Override
        public Class<MaxPool2x2> layerClass() {
            return MaxPool2x2.class;
        }

        @Override
        public Map<String, Object> settings(MaxPool2x2 layer) {
            return Map.of();
        }

        @Override
        public MaxPool2x2 create(String name, Map<String, Object> settings) {
            LayerSettings.of(id(), name, settings);
            return new MaxPool2x2(name);
        }
    }
}
