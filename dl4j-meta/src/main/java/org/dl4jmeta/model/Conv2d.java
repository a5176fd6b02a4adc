package org.dl4jmeta.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2DDerivative;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.DeConv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;

/**
 * 2-D convolution, k x k kernel (k odd), 'same' padding, stride 1 or 2, NCHW, weights {@code W[k,k,in,out]}
 * and an optional bias.
 *
 * <p>'Same' padding follows TensorFlow (used by Finn et al.'s MAML code): output size ceil(H/s), total padding
 * max((out-1)s + k - H, 0), the smaller half on top/left; libnd4j's SAME mode pads the same way, so the forward
 * convolution and the fused backward op take the unpadded input. The hand-written backward pass pads explicitly
 * (a {@code pad} op, added only to graphs that use that pass) so that it can undo the padding exactly.
 *
 * <p>Backward, with xp the padded input, y = conv(xp, W) + b:
 * db = sum over (n,h,w) of dy; dW[i,j,c,o] = sum over (n,p,q) of xp[n,c,p s+i,q s+j] dy[n,o,p,q] (an im2col
 * followed by one matrix product); dxp = conv_transpose(dy, W) (deconv2d, stride s), dx = dxp without padding.
 * Initialisation: Glorot uniform (the "xavier_initializer_conv2d" of Finn et al.), zero bias.
 *
 * <p>In executed-only graphs laid out channels-last ({@link ChannelsLast}) the forward convolution and the fused
 * {@code conv2d_bp} run in NHWC; a first layer (one input channel, no input gradient) computes only the weight
 * gradient, dW[(i,j),o] = sum over (n,p,q) of xp[n,p s+i,q s+j] dy[n,p,q,o], as one matrix product of the
 * im2col columns with dy, which in NHWC already lies as [n p q, o], and db as a product with a vector of ones.
 */
public final class Conv2d implements ChannelsLast {

    private final String name;
    private final int outChannels;
    private final int kernel;
    private final int stride;
    private final boolean bias;

    /**
     * @param name layer name
     * @param outChannels number of filters, &gt;= 1
     * @param kernel kernel size k, odd and &gt;= 1
     * @param stride 1 or 2
     * @param bias whether to add a per-channel bias
     * @throws IllegalArgumentException on a bad value, named in the message
     */
    public Conv2d(String name, int outChannels, int kernel, int stride, boolean bias) {
        this.name = LayerNames.require(name);
        if (outChannels < 1) {
            throw new IllegalArgumentException("conv '" + name + "' outChannels must be >= 1, got " + outChannels);
        }
        if (kernel < 1 || kernel % 2 == 0) {
            throw new IllegalArgumentException("conv '" + name + "' kernel must be odd and >= 1, got " + kernel);
        }
        if (stride != 1 && stride != 2) {
            throw new IllegalArgumentException("conv '" + name + "' stride must be 1 or 2, got " + stride);
        }
        this.outChannels = outChannels;
        this.kernel = kernel;
        this.stride = stride;
        this.bias = bias;
    }

    @Override
    public String name() {
        return name;
    }

    /** @return the number of filters */
    public int outChannels() {
        return outChannels;
    }

    /** @return the kernel size */
    public int kernel() {
        return kernel;
    }

    /** @return the stride */
    public int stride() {
        return stride;
    }

    /** @return whether the layer has a bias */
    public boolean hasBias() {
        return bias;
    }

    @Override
    public Map<String, long[]> paramShapes(long[] in) {
        Shapes.requireRank(name, in, 3, "[channels,height,width]");
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("W", new long[] {kernel, kernel, in[0], outChannels});
        if (bias) {
            m.put("b", new long[] {outChannels});
        }
        return m;
    }

    @Override
    public long[] outputShape(long[] in) {
        Shapes.requireRank(name, in, 3, "[channels,height,width]");
        return new long[] {outChannels, outSize(in[1]), outSize(in[2])};
    }

    private long outSize(long size) {
        return (size + stride - 1) / stride;
    }

    private long totalPad(long size) {
        return Math.max((outSize(size) - 1) * stride + kernel - size, 0);
    }

    @Override
    public void initialise(Map<String, INDArray> params, long[] in, SplittableRandom rng) {
        double fanIn = (double) kernel * kernel * in[0];
        double fanOut = (double) kernel * kernel * outChannels;
        Init.glorotUniform(params.get("W"), fanIn, fanOut, rng);
        if (bias) {
            params.get("b").assign(0);
        }
    }

    /** This layer's kernel and stride, NCHW, YXIO weights, no explicit padding, the given padding mode. */
    private Conv2DConfig config(PaddingMode mode) {
        return config(mode, Conv2DConfig.NCHW);
    }

    private Conv2DConfig config(PaddingMode mode, String dataFormat) {
        return Conv2DConfig.builder().kH(kernel).kW(kernel).sH(stride).sW(stride).pH(0).pW(0).dH(1).dW(1)
                .paddingMode(mode).dataFormat(dataFormat).weightsFormat(WeightsFormat.YXIO).build();
    }

    @Override
    public Pass forward(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p) {
        return pass(sd, x, inShape, p, false);
    }

    /**
     * For graphs that are only executed: on a single-channel input (a first layer on grey images) the forward
     * convolution runs in NHWC, where libnd4j's oneDNN kernel is three to four times faster than in NCHW, since
     * [n,1,h,w] already lies in memory as [n,h,w,1]; its output is transposed back to NCHW by one copy, which
     * takes most of the gain: Omniglot's 80 (75) x 1 x 28 x 28 to 64 channels, two threads, 0.45 + 0.84 (0.33 +
     * 0.54) ms against 1.69 (1.04) ms in NCHW, the same values in that measurement. Every other input keeps
     * {@link #forward}, as do graphs SameDiff differentiates; the backward passes are {@link #forward}'s.
     */
    @Override
    public Pass nativeForward(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p) {
        return pass(sd, x, inShape, p, inShape[1] == 1 && inShape[0] > 0);
    }

    private Pass pass(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p, boolean channelsLast) {
        long n = inShape[0];
        long c = inShape[1];
        long h = inShape[2];
        long w = inShape[3];
        long padH = totalPad(h);
        long padW = totalPad(w);
        int top = (int) (padH / 2);
        int left = (int) (padW / 2);
        long hp = h + padH;
        long wp = w + padW;
        Conv2DConfig conf = config(PaddingMode.VALID);
        Conv2DConfig same = config(PaddingMode.SAME);
        SDVariable weights = p.get("W");
        long oh = outSize(h);
        long ow = outSize(w);
        SDVariable y;
        if (channelsLast) {
            SDVariable xhwc = sd.reshape(x, n, h, w, 1);
            Conv2DConfig sameHwc = config(PaddingMode.SAME, Conv2DConfig.NHWC);
            SDVariable yhwc = bias ? sd.cnn.conv2d(xhwc, weights, p.get("b"), sameHwc)
                    : sd.cnn.conv2d(xhwc, weights, sameHwc);
            // transposed as [n, hw, c] -> [n, c, hw]: libnd4j 1.0.0-M2.1 copies a rank-3 permute with a fast
            // strided loop, a rank-4 one more than twice as slowly (0.87 ms for 80 x 64 x 14 x 14 floats)
            y = sd.reshape(sd.permute(sd.reshape(yhwc, n, oh * ow, outChannels), 0, 2, 1), n, outChannels, oh, ow);
        } else {
            y = bias ? sd.cnn.conv2d(x, weights, p.get("b"), same) : sd.cnn.conv2d(x, weights, same);
        }
        long[] outShape = {n, outChannels, oh, ow};
        return new Pass() {
            private SDVariable padded;

            /** The explicitly padded input of the hand-written backward pass, added to the graph on first use. */
            private SDVariable padded() {
                if (padded == null) {
                    padded = pad(sd, x, h, w);
                }
                return padded;
            }

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
                if (bias) {
                    grads.put("b", sd.sum(dy, 0, 2, 3));
                }
                // im2col gives [n, c, k, k, oh, ow]; dW[(c,i,j), o] = sum over n and (p,q) of cols * dy is one matrix
                // product once n sits beside (p,q). Every transposition is written as a rank-3 permute: libnd4j
                // 1.0.0-M2.1 copies rank <= 3 permutes with a fast strided loop but the 6-D one element by element
                // (11 ms against 0.9 ms for layer 2's 2.3M values).
                long ckk = (long) kernel * kernel * c;
                long pq = oh * ow;
                SDVariable cols = sd.reshape(sd.cnn.im2Col(padded(), conf), n, ckk, pq);
                SDVariable colsT = sd.reshape(sd.permute(cols, 1, 0, 2), ckk, n * pq);
                SDVariable dyT = sd.reshape(sd.permute(sd.reshape(dy, n, outChannels, pq), 1, 0, 2),
                        outChannels, n * pq);
                SDVariable dwCkk = sd.mmul(colsT, dyT, false, true, false);
                SDVariable dw = sd.permute(sd.reshape(dwCkk, c, (long) kernel * kernel, outChannels), 1, 0, 2);
                grads.put("W", sd.reshape(dw, kernel, kernel, c, outChannels));
                if (!needInputGradient) {
                    return null;
                }
                DeConv2DConfig dconf = DeConv2DConfig.builder().kH(kernel).kW(kernel).sH(stride).sW(stride)
                        .pH(0).pW(0).dH(1).dW(1).isSameMode(false).dataFormat(DeConv2DConfig.NCHW).build();
                SDVariable dxp = sd.cnn.deconv2d(dy, weights, dconf);
                long covH = (oh - 1) * stride + kernel;
                long covW = (ow - 1) * stride + kernel;
                if (covH != hp || covW != wp) {
                    INDArray extra = org.nd4j.linalg.factory.Nd4j.createFromArray(new int[][] {
                        {0, 0}, {0, 0}, {0, (int) (hp - covH)}, {0, (int) (wp - covW)}});
                    dxp = sd.nn.pad(dxp, sd.constant(extra), 0.0);
                }
                return unpad(dxp);
            }

            /** The gradient of the padded input cut back to the input's extent. */
            private SDVariable unpad(SDVariable dxp) {
                if (padH == 0 && padW == 0) {
                    return dxp;
                }
                return sd.slice(dxp, new int[] {0, 0, top, left}, (int) n, (int) c, (int) h, (int) w);
            }

            /**
             * libnd4j's fused {@code conv2d_bp} in SAME mode on the unpadded input (oneDNN's kernels in the default
             * build): one op instead of the pad, im2col, transpositions, matrix product, transposed convolution and
             * slice above. It always computes the input gradient, which costs more than the weight gradient alone on
             * a first layer (one input channel, 28x28), so a layer whose input gradient is not wanted keeps
             * {@link #backward}.
             */
            @Override
            public SDVariable nativeBackward(SDVariable dy, Map<String, SDVariable> grads, boolean needInputGradient) {
                if (!needInputGradient) {
                    return backward(dy, grads, false);
                }
                SDVariable[] in = bias ? new SDVariable[] {x, weights, p.get("b"), dy}
                        : new SDVariable[] {x, weights, dy};
                SDVariable[] out = new Conv2DDerivative(sd, in, same).outputVariables();
                grads.put("W", out[1]);
                if (bias) {
                    grads.put("b", out[2]);
                }
                return out[0];
            }
        };
    }

    /** @return x [n,c,h,w] padded as 'same' padding pads it (top/left the smaller half), or x itself */
    private SDVariable pad(SameDiff sd, SDVariable x, long h, long w) {
        long padH = totalPad(h);
        long padW = totalPad(w);
        if (padH == 0 && padW == 0) {
            return x;
        }
        int top = (int) (padH / 2);
        int left = (int) (padW / 2);
        INDArray pads = org.nd4j.linalg.factory.Nd4j.createFromArray(new int[][] {
            {0, 0}, {0, 0}, {top, (int) (padH - top)}, {left, (int) (padW - left)}});
        return sd.nn.pad(x, sd.constant(pads), 0.0);
    }

    @Override
    public boolean runsChannelsLast(long[] inputShape) {
        return inputShape.length == 4 && inputShape[0] > 0;
    }

    @Override
    public Pass channelsLastForward(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p) {
        long n = inShape[0];
        long c = inShape[1];
        long h = inShape[2];
        long w = inShape[3];
        long oh = outSize(h);
        long ow = outSize(w);
        Conv2DConfig sameHwc = config(PaddingMode.SAME, Conv2DConfig.NHWC);
        SDVariable weights = p.get("W");
        SDVariable y = bias ? sd.cnn.conv2d(x, weights, p.get("b"), sameHwc) : sd.cnn.conv2d(x, weights, sameHwc);
        long[] outShape = {n, outChannels, oh, ow};
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
                return nativeBackward(dy, grads, needInputGradient);
            }

            @Override
            public SDVariable nativeBackward(SDVariable dy, Map<String, SDVariable> grads, boolean needInputGradient) {
                long rows = n * oh * ow;
                if (!needInputGradient && c == 1) {
                    // the weight gradient alone: im2col of the input seen as [n,1,h,w] gives [n, k k, p q], and
                    // dy [n,p,q,o] is already the [n p q, o] factor of the product
                    long kk = (long) kernel * kernel;
                    SDVariable x4 = sd.reshape(x, n, 1, h, w);
                    SDVariable cols = sd.reshape(sd.cnn.im2Col(pad(sd, x4, h, w), config(PaddingMode.VALID)), n, kk,
                            oh * ow);
                    SDVariable colsT = sd.reshape(sd.permute(cols, 1, 0, 2), kk, rows);
                    SDVariable dy2 = sd.reshape(dy, rows, outChannels);
                    grads.put("W", sd.reshape(sd.mmul(colsT, dy2), kernel, kernel, 1, outChannels));
                    if (bias) {
                        SDVariable ones = sd.constant(org.nd4j.linalg.factory.Nd4j.ones(dy.dataType(), 1, rows));
                        grads.put("b", sd.reshape(sd.mmul(ones, dy2), outChannels));
                    }
                    return null;
                }
                SDVariable[] in = bias ? new SDVariable[] {x, weights, p.get("b"), dy}
                        : new SDVariable[] {x, weights, dy};
                SDVariable[] out = new Conv2DDerivative(sd, in, sameHwc).outputVariables();
                grads.put("W", out[1]);
                if (bias) {
                    grads.put("b", out[2]);
                }
                return needInputGradient ? out[0] : null;
            }
        };
    }

    /** Saves and restores {@link Conv2d} in model files as type {@code conv2d}: units (filters), kernel, stride and bias. */
    public static final class Type implements LayerType<Conv2d> {

        @Override
        public String id() {
            return "conv2d";
        }

        @Override
        public Class<Conv2d> layerClass() {
            return Conv2d.class;
        }

        @Override
        public Map<String, Object> settings(Conv2d layer) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("units", layer.outChannels());
            m.put("kernel", layer.kernel());
            m.put("stride", layer.stride());
            m.put("bias", layer.hasBias());
            return m;
        }

        @Override
        public Conv2d create(String name, Map<String, Object> settings) {
            LayerSettings s = LayerSettings.of(id(), name, settings, "units", "kernel", "stride", "bias");
            return new Conv2d(name, s.integer("units"), s.integer("kernel"), s.integer("stride"), s.bool("bias"));
        }
    }
}
