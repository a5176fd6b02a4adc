package org.dl4jmeta.model;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Max or average pooling with any kernel, stride and padding ({@link Window2d}), NCHW: DL4J's
 * {@code SubsamplingLayer} (max, avg; dilation 1).
 *
 * <p>Both work on the columns C = im2col(xp) {@code [n,c,kh kw,oh,ow]} of the padded input xp. Max pads with
 * -3.4e38 (padding never wins), y = max over the kernel axis of C; backward: each window's gradient goes to the
 * position(s) holding its maximum (ties share it equally, a valid subgradient), dC = [C = y] dy / #ties. Average
 * pads with zeros, y = sum over the kernel of C / m, with m = kh kw, or, without padding in the divisor, the
 * number of input (non-padding) positions in each window (DL4J's {@code avgPoolIncludePadInDivisor}); backward
 * dC = dy / m. Then dxp = col2im(dC) (a transposed convolution with one-hot weights), and dx is dxp without the
 * padding. All ordinary ops, so second derivatives through the layer are exact.
 */
public final class Pooling2d implements Layer {

    /** The pooling function. */
    public enum Kind {
        /** maximum of each window */
        MAX,
        /** mean of each window */
        AVG;

        /** @return the lower-case id used in model files */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * @param id max or avg (any case)
         * @return the kind
         * @throws IllegalArgumentException naming the id
         */
        public static Kind of(String id) {
            for (Kind k : values()) {
                if (k.id().equalsIgnoreCase(id)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("pooling must be max or avg, got '" + id + "'");
        }
    }

    /** The padding value of max pooling: below any activation, finite in float and double. */
    private static final double MAX_PAD = -Float.MAX_VALUE;

    private final String name;
    private final Kind kind;
    private final Window2d window;
    private final boolean padInDivisor;

    /**
     * @param name layer name
     * @param kind max or average
     * @param window kernel, stride, padding and mode
     * @param padInDivisor average pooling: whether padding positions count in the divisor (DL4J's default, true);
     *     must be true for max pooling, where it means nothing
     * @throws IllegalArgumentException on a bad value, named in the message
     */
    public Pooling2d(String name, Kind kind, Window2d window, boolean padInDivisor) {
        this.name = LayerNames.require(name);
        this.kind = java.util.Objects.requireNonNull(kind, "kind");
        this.window = java.util.Objects.requireNonNull(window, "window");
        if (kind == Kind.MAX && !padInDivisor) {
            throw new IllegalArgumentException("pooling '" + name + "': padInDivisor=false applies to average "
                    + "pooling only, got it for max pooling");
        }
        this.padInDivisor = padInDivisor;
    }

    @Override
    public String name() {
        return name;
    }

    /** @return max or average */
    public Kind kind() {
        return kind;
    }

    /** @return kernel, stride, padding and mode */
    public Window2d window() {
        return window;
    }

    /** @return whether average pooling divides by the whole kernel area, padding included */
    public boolean padInDivisor() {
        return padInDivisor;
    }

    @Override
    public Map<String, long[]> paramShapes(long[] in) {
        outputShape(in);
        return Map.of();
    }

    @Override
    public long[] outputShape(long[] in) {
        Shapes.requireRank(name, in, 3, "[channels,height,width]");
        long[] o = window.outputSize(name, in[1], in[2]);
        return new long[] {in[0], o[0], o[1]};
    }

    @Override
    public void initialise(Map<String, INDArray> params, long[] in, SplittableRandom rng) {
        // no parameters
    }

    /** The divisor of each window of average pooling, [oh,ow]: input positions it covers, or the kernel area. */
    private INDArray divisor(long h, long w, int[] pads, long oh, long ow, org.nd4j.linalg.api.buffer.DataType dt) {
        INDArray m = Nd4j.zeros(dt, oh, ow);
        for (long p = 0; p < oh; p++) {
            long top = p * window.strideH() - pads[0];
            long rows = padInDivisor ? window.kernelH()
                    : Math.min(top + window.kernelH(), h) - Math.max(top, 0);
            for (long q = 0; q < ow; q++) {
                long left = q * window.strideW() - pads[2];
                long colsIn = padInDivisor ? window.kernelW()
                        : Math.min(left + window.kernelW(), w) - Math.max(left, 0);
                m.putScalar(new long[] {p, q}, (double) Math.max(rows, 0) * Math.max(colsIn, 0));
            }
        }
        return m;
    }

    @Override
    public Pass forward(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p) {
        long n = inShape[0];
        long c = inShape[1];
        int[] pads = window.pads(name, inShape[2], inShape[3]);
        long[] o = window.outputSize(name, inShape[2], inShape[3]);
        long oh = o[0];
        long ow = o[1];
        int kk = window.kernelH() * window.kernelW();
        SDVariable xp = WindowOps.pad(sd, x, pads, kind == Kind.MAX ? MAX_PAD : 0.0);
        SDVariable cols = sd.reshape(sd.cnn.im2Col(xp, WindowOps.valid(window)), n, c, kk, oh, ow);
        SDVariable count = kind == Kind.AVG
                ? sd.constant(divisor(inShape[2], inShape[3], pads, oh, ow, x.dataType())) : null;
        SDVariable y = kind == Kind.MAX ? sd.max(cols, 2) : sd.sum(cols, 2).div(count);
        long[] outShape = {n, c, oh, ow};
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
                SDVariable dy5 = sd.reshape(dy, n, c, 1, oh, ow);
                SDVariable dcols;
                if (kind == Kind.MAX) {
                    SDVariable mask = sd.castTo(sd.eq(cols, sd.reshape(y, n, c, 1, oh, ow)), x.dataType());
                    dcols = mask.mul(dy5.div(sd.sum(mask, true, 2)));
                } else {
                    dcols = Shapes.zeros(sd, cols, new long[] {n, c, kk, oh, ow}).add(dy5.div(count));
                }
                SDVariable covered = WindowOps.col2im(sd, dcols, n, c, oh, ow, window, x.dataType());
                return WindowOps.unpad(sd, covered, inShape, pads, oh, ow, window);
            }
        };
    }

    @Override
    public String toString() {
        return "Pooling2d[" + name + ", " + kind.id() + ", " + window + (padInDivisor ? "" : ", pad not in divisor")
                + "]";
    }

    /**
     * Saves and restores {@link Pooling2d} in model files as type {@code pooling2d}: kind, the window
     * ({@link WindowSettings}) and padInDivisor.
     */
    public static final class Type implements LayerType<Pooling2d> {

        @Override
        public String id() {
            return "pooling2d";
        }

        @Override
        public Class<Pooling2d> layerClass() {
            return Pooling2d.class;
        }

        @Override
        public Map<String, Object> settings(Pooling2d layer) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", layer.kind().id());
            WindowSettings.put(m, layer.window());
            m.put("padInDivisor", layer.padInDivisor());
            return m;
        }

        @Override
        public Pooling2d create(String name, Map<String, Object> settings) {
            LayerSettings s = LayerSettings.of(id(), name, settings, WindowSettings.keys("kind", "padInDivisor"));
            return new Pooling2d(name, Kind.of(s.string("kind")), WindowSettings.read(s), s.bool("padInDivisor"));
        }
    }
}
