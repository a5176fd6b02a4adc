package org.dl4jmeta.model;

import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Global average pooling [n,c,h,w] -&gt; [n,c]: y = mean over (h,w) of x. Finn et al.'s Omniglot network averages
 * the last 2x2 feature map this way ({@code tf.reduce_mean(hidden4, [1, 2])}), giving 64 features.
 * Backward: dx = dy / (h w) at every position. Channels-last ({@link #channelsLastForward}): the input [n,h,w,c]
 * viewed as [n, h w, c] and averaged over its middle axis.
 */
public final class GlobalAvgPool extends GlobalPool implements ChannelsLast {

    /** @param name layer name */
    public GlobalAvgPool(String name) {
        super(name);
    }

    @Override
    protected SDVariable pool(SameDiff sd, SDVariable x) {
        return sd.mean(x, 2, 3);
    }

    @Override
    protected SDVariable poolBackward(SameDiff sd, SDVariable x, SDVariable y, SDVariable dy, long[] inShape) {
        SDVariable dy4 = sd.reshape(dy.mul(1.0 / (inShape[2] * inShape[3])), inShape[0], inShape[1], 1, 1);
        // spread to [n,c,h,w] by a broadcasting add to zeros: libnd4j 1.0.0-M2.1's tile took 0.6 ms for
        // 75 x 64 x 2 x 2 values in a profiled first-order MAML step
        return Shapes.zeros(sd, x, inShape).add(dy4);
    }

    @Override
    public Pass channelsLastForward(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p) {
        long n = inShape[0];
        long c = inShape[1];
        long hw = inShape[2] * inShape[3];
        SDVariable y = sd.mean(sd.reshape(x, n, hw, c), 1);
        long[] outShape = {n, c};
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
                SDVariable dy3 = sd.reshape(dy.mul(1.0 / hw), n, 1, c);
                return sd.reshape(Shapes.zeros(sd, x, new long[] {n, hw, c}).add(dy3), n, inShape[2], inShape[3], c);
            }
        };
    }

    /** Saves and restores {@link GlobalAvgPool} in model files as type {@code globalavgpool}: no settings. */
    public static final class Type implements LayerType<GlobalAvgPool> {

        @Override
        public String id() {
            return "globalavgpool";
        }

        @Override
        public Class<GlobalAvgPool> layerClass() {
            return GlobalAvgPool.class;
        }

        @Override
        public Map<String, Object> settings(GlobalAvgPool layer) {
            return Map.of();
        }

        @Override
        public GlobalAvgPool create(String name, Map<String, Object> settings) {
            LayerSettings.of(id(), name, settings);
            return new GlobalAvgPool(name);
        }
    }
}
