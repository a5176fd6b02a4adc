package org.dl4jmeta.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
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

    /**
     * The forward pass, channels-first, for graphs SameDiff differentiates and (default {@link #nativeForward})
     * executed-only graphs whose values are not channels-last; its {@link Pass#nativeBackward} is libnd4j's fused
     * {@code conv2d_bp}.
     */
    @Override
    public Pass forward(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p) {
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
        Conv2DConfig same = config(PaddingMode.SAME);
        SDVariable weights = p.get("W");
        long oh = outSize(h);
        long ow = outSize(w);
        long[] outShape = {n, outChannels, oh, ow};
        // one input channel that receives no gradient: the columns serve the forward product and the weight gradient
        SDVariable inputColumns = n > 0 && c == 1 && receivesNoGradient(x)
                ? columnsT(sd, pad(sd, x, h, w), n, c, oh, ow) : null;
        SDVariable y = inputColumns != null ? columnsForward(sd, inputColumns, inShape, weights, p.get("b"))
                : bias ? sd.cnn.conv2d(x, weights, p.get("b"), same) : sd.cnn.conv2d(x, weights, same);
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
                // dW[(c,i,j), o] = sum over n and (p,q) of cols * dy: one matrix product of the columns with dy,
                // transposed to [o, n p q] by a rank-3 permute
                long pq = oh * ow;
                SDVariable colsT = inputColumns != null ? inputColumns : columnsT(sd, padded(), n, c, oh, ow);
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

    /**
     * @return whether no gradient can reach x: a placeholder or constant (a network's input), so that SameDiff never
     *     asks this layer's forward op for an input gradient
     */
    private static boolean receivesNoGradient(SDVariable x) {
        VariableType t = x.getVariableType();
        return t == VariableType.PLACEHOLDER || t == VariableType.CONSTANT;
    }

    /**
     * The forward convolution of a one-channel input that receives no gradient (a network's input, as Omniglot's), as
     * one matrix product of the weights with the input's im2col columns: y[o,(n,p,q)] = b[o] + sum over (c,i,j) of
     * W[(c,i,j),o] cols[(c,i,j),(n,p,q)] (the bias as a last row of the weights, against a row of ones), transposed
     * to [n,o,p,q] by a rank-3 permute. The same values as the convolution, but SameDiff differentiates it into a
     * matrix product's backward op and skips the columns' own gradient, where the convolution's gradient is libnd4j's
     * {@code conv2d_bp}, which always computes the input gradient too and is slow on one input channel in either
     * layout: for the query pass of Omniglot's first layer (75 images of 28x28) it took 6-8 ms per task of
     * second-order MAML's 23-28 ms. Same-process alternation: second-order MAML 1 step 0.94-0.95 of the time per
     * task, 5-7 MB more peak intermediates (the output's transposition). Several channels keep the convolution: their
     * columns are k k c times the input (Mini-ImageNet's 3 x 84 x 84: 57 MB for 75 images), unmeasured.
     *
     * @param colsT the input's im2col columns [(c,i,j), (n,p,q)] from {@link #columnsT}
     * @param inShape the input's full shape [n,c,h,w]
     * @param b the bias, or null
     * @return the output [n,o,oh,ow]
     */
    private SDVariable columnsForward(SameDiff sd, SDVariable colsT, long[] inShape, SDVariable weights,
                                      SDVariable b) {
        long n = inShape[0];
        long c = inShape[1];
        long oh = outSize(inShape[2]);
        long ow = outSize(inShape[3]);
        long pq = oh * ow;
        // W [k,k,c,o] as [(c,i,j), o]: the columns' row order is (c,i,j)
        SDVariable w2 = sd.reshape(sd.permute(sd.reshape(weights, (long) kernel * kernel, c, outChannels), 1, 0, 2),
                c * kernel * kernel, outChannels);
        SDVariable cols = colsT;
        if (b != null) {
            // the bias as one more row of the weights, against a row of ones: its gradient comes out of the same
            // product's backward op instead of a broadcast add's reduction over the full-size output
            w2 = sd.concat(0, w2, sd.reshape(b, 1, outChannels));
            cols = sd.concat(0, colsT, sd.constant(org.nd4j.linalg.factory.Nd4j.ones(colsT.dataType(), 1, n * pq)));
        }
        SDVariable yT = sd.mmul(w2, cols, true, false, false);
        return sd.reshape(sd.permute(sd.reshape(yT, outChannels, n, pq), 1, 0, 2), n, outChannels, oh, ow);
    }

    /**
     * @return the im2col columns of the padded input as a matrix [(c,i,j), (n,p,q)]: im2col gives [n,c,k,k,oh,ow],
     *     transposed by a rank-3 permute (libnd4j 1.0.0-M2.1 copies rank &lt;= 3 permutes with a fast strided loop
     *     but a 6-D one element by element: 11 ms against 0.9 ms for layer 2's 2.3M values)
     */
    private SDVariable columnsT(SameDiff sd, SDVariable padded, long n, long c, long oh, long ow) {
        long ckk = (long) kernel * kernel * c;
        SDVariable cols = sd.reshape(sd.cnn.im2Col(padded, config(PaddingMode.VALID)), n, ckk, oh * ow);
        return sd.reshape(sd.permute(cols, 1, 0, 2), ckk, n * oh * ow);
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

    /**
     * For executed-only graphs laid out channels-last: oneDNN's NHWC convolution (on one input channel three to
     * four times faster than in NCHW, where [n,1,h,w] already lies in memory as [n,h,w,1]; on layer 2 of Omniglot's
     * Conv-4 7.0 against 3.0 ms on one thread) and its fused {@code conv2d_bp}.
     */
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
                    SDVariable colsT = columnsT(sd, pad(sd, sd.reshape(x, n, 1, h, w), h, w), n, 1, oh, ow);
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
