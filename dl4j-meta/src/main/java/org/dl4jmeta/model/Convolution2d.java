package org.dl4jmeta.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;

/**
 * 2-D convolution with any kernel, stride and padding ({@link Window2d}: DL4J's {@code ConvolutionLayer} in
 * Same, Truncate or Strict mode, dilation 1), NCHW, weights {@code W[kh,kw,in,out]} and an optional bias. The
 * general form of {@link Conv2d} (odd square kernels in same mode only), used for imported DL4J networks.
 *
 * <p>With xp the input padded by the window's {top,bottom,left,right} zeros and y = conv(xp, W) + b (valid):
 * db = sum over (n,h,w) of dy; dW[i,j,c,o] = sum over (n,p,q) of xp[n,c,p sh+i,q sw+j] dy[n,o,p,q] (im2col and
 * one matrix product); dxp = conv_transpose(dy, W), extended with zeros over rows the last window does not reach,
 * and dx = dxp without the padding. Initialisation: Glorot uniform, zero bias.
 */
public final class Convolution2d implements Layer {

    private final String name;
    private final int outChannels;
    private final Window2d window;
    private final boolean bias;

    /**
     * @param name layer name
     * @param outChannels number of filters, &gt;= 1
     * @param window kernel, stride, padding and mode
     * @param bias whether to add a per-channel bias
     * @throws IllegalArgumentException on a bad value, named in the message
     */
    public Convolution2d(String name, int outChannels, Window2d window, boolean bias) {
        this.name = LayerNames.require(name);
        if (outChannels < 1) {
            throw new IllegalArgumentException("convolution '" + name + "' outChannels must be >= 1, got "
                    + outChannels);
        }
        this.window = java.util.Objects.requireNonNull(window, "window");
        this.outChannels = outChannels;
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

    /** @return kernel, stride, padding and mode */
    public Window2d window() {
        return window;
    }

    /** @return whether the layer has a bias */
    public boolean hasBias() {
        return bias;
    }

    @Override
    public Map<String, long[]> paramShapes(long[] in) {
        outputShape(in);
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("W", new long[] {window.kernelH(), window.kernelW(), in[0], outChannels});
        if (bias) {
            m.put("b", new long[] {outChannels});
        }
        return m;
    }

    @Override
    public long[] outputShape(long[] in) {
        Shapes.requireRank(name, in, 3, "[channels,height,width]");
        long[] o = window.outputSize(name, in[1], in[2]);
        return new long[] {outChannels, o[0], o[1]};
    }

    @Override
    public void initialise(Map<String, INDArray> params, long[] in, SplittableRandom rng) {
        double area = (double) window.kernelH() * window.kernelW();
        Init.glorotUniform(params.get("W"), area * in[0], area * outChannels, rng);
        if (bias) {
            params.get("b").assign(0);
        }
    }

    @Override
    public Pass forward(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p) {
        long n = inShape[0];
        long c = inShape[1];
        int[] pads = window.pads(name, inShape[2], inShape[3]);
        long[] o = window.outputSize(name, inShape[2], inShape[3]);
        long oh = o[0];
        long ow = o[1];
        Conv2DConfig conf = WindowOps.valid(window);
        SDVariable xp = WindowOps.pad(sd, x, pads, 0.0);
        SDVariable weights = p.get("W");
        SDVariable y = bias ? sd.cnn.conv2d(xp, weights, p.get("b"), conf) : sd.cnn.conv2d(xp, weights, conf);
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
                if (bias) {
                    grads.put("b", sd.sum(dy, 0, 2, 3));
                }
                // im2col gives [n, c, kh, kw, oh, ow]; as in Conv2d, every transposition is a rank-3 permute
                long kk = (long) window.kernelH() * window.kernelW();
                long ckk = kk * c;
                long pq = oh * ow;
                SDVariable cols = sd.reshape(sd.cnn.im2Col(xp, conf), n, ckk, pq);
                SDVariable colsT = sd.reshape(sd.permute(cols, 1, 0, 2), ckk, n * pq);
                SDVariable dyT = sd.reshape(sd.permute(sd.reshape(dy, n, outChannels, pq), 1, 0, 2),
                        outChannels, n * pq);
                SDVariable dwCkk = sd.mmul(colsT, dyT, false, true, false);
                SDVariable dw = sd.permute(sd.reshape(dwCkk, c, kk, outChannels), 1, 0, 2);
                grads.put("W", sd.reshape(dw, window.kernelH(), window.kernelW(), c, outChannels));
                if (!needInputGradient) {
                    return null;
                }
                SDVariable covered = sd.cnn.deconv2d(dy, weights, WindowOps.transposed(window));
                return WindowOps.unpad(sd, covered, inShape, pads, oh, ow, window);
            }
        };
    }

    @Override
    public String toString() {
        return "Convolution2d[" + name + ", " + outChannels + ", " + window + (bias ? ", bias" : "") + "]";
    }

    /**
     * Saves and restores {@link Convolution2d} in model files as type {@code convolution2d}: units, the
     * window ({@link WindowSettings}) and bias.
     */
    public static final class Type implements LayerType<Convolution2d> {

        @Override
        public String id() {
            return "convolution2d";
        }

        @Override
        public Class<Convolution2d> layerClass() {
            return Convolution2d.class;
        }

        @Override
        public Map<String, Object> settings(Convolution2d layer) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("units", layer.outChannels());
            WindowSettings.put(m, layer.window());
            m.put("bias", layer.hasBias());
            return m;
        }

        @Override
        public Convolution2d create(String name, Map<String, Object> settings) {
            LayerSettings s = LayerSettings.of(id(), name, settings,
                    WindowSettings.keys("units", "bias"));
            return new Convolution2d(name, s.integer("units"), WindowSettings.read(s), s.bool("bias"));
        }
    }
}
