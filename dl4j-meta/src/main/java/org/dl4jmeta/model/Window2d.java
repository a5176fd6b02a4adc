package org.dl4jmeta.model;

import java.util.Locale;
import java.util.Objects;

/**
 * The geometry of a sliding 2-D window (a convolution or pooling kernel): kernel, stride, zero padding and how
 * the output size is rounded, in DL4J's three {@code ConvolutionMode}s.
 *
 * <ul>
 *   <li>{@link Mode#SAME}: output ceil(H/s); total padding max((out-1) s + k - H, 0), the smaller half on
 *       top/left (TensorFlow's and libnd4j's 'same'); the given padding must be 0.</li>
 *   <li>{@link Mode#TRUNCATE}: p rows of zeros on each side, output floor((H + 2p - k)/s) + 1; rows and columns
 *       the last window does not reach are dropped (and get zero gradient).</li>
 *   <li>{@link Mode#STRICT}: as TRUNCATE, but (H + 2p - k) must be a multiple of s.</li>
 * </ul>
 *
 * @param kernelH kernel height, &gt;= 1
 * @param kernelW kernel width, &gt;= 1
 * @param strideH vertical stride, &gt;= 1
 * @param strideW horizontal stride, &gt;= 1
 * @param padH rows of padding on each side (TRUNCATE, STRICT), &gt;= 0
 * @param padW columns of padding on each side (TRUNCATE, STRICT), &gt;= 0
 * @param mode how the output size is rounded
 */
public record Window2d(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, Mode mode) {

    /** How the output size is rounded (DL4J's {@code ConvolutionMode} Same, Truncate, Strict). */
    public enum Mode {
        /** output ceil(in/stride), implicit padding */
        SAME,
        /** explicit padding, output floored */
        TRUNCATE,
        /** explicit padding, output exact or refused */
        STRICT;

        /** @return the lower-case id used in model files */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * @param id same, truncate or strict (any case)
         * @return the mode
         * @throws IllegalArgumentException naming the id
         */
        public static Mode of(String id) {
            for (Mode m : values()) {
                if (m.id().equalsIgnoreCase(id)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("window mode must be same, truncate or strict, got '" + id + "'");
        }
    }

    /** @throws IllegalArgumentException naming the bad kernel, stride or padding */
    public Window2d {
        Objects.requireNonNull(mode, "mode");
        if (kernelH < 1 || kernelW < 1) {
            throw new IllegalArgumentException("kernel must be >= 1, got " + kernelH + "x" + kernelW);
        }
        if (strideH < 1 || strideW < 1) {
            throw new IllegalArgumentException("stride must be >= 1, got " + strideH + "x" + strideW);
        }
        if (padH < 0 || padW < 0) {
            throw new IllegalArgumentException("padding must be >= 0, got " + padH + "x" + padW);
        }
        if (mode == Mode.SAME && (padH != 0 || padW != 0)) {
            throw new IllegalArgumentException("same mode pads implicitly, so padding must be 0, got " + padH + "x"
                    + padW);
        }
    }

    /**
     * @param kernel square kernel size
     * @param stride stride in both directions
     * @return a same-mode window
     */
    public static Window2d same(int kernel, int stride) {
        return new Window2d(kernel, kernel, stride, stride, 0, 0, Mode.SAME);
    }

    /**
     * @param layer the layer's name, for messages
     * @param h input height
     * @param w input width
     * @return output height and width
     * @throws IllegalArgumentException naming the layer if the window does not fit (or, in STRICT mode, does not
     *     tile the input exactly)
     */
    long[] outputSize(String layer, long h, long w) {
        return new long[] {out(layer, h, kernelH, strideH, padH, "height"), out(layer, w, kernelW, strideW, padW,
                "width")};
    }

    private long out(String layer, long in, int k, int s, int p, String what) {
        if (mode == Mode.SAME) {
            return (in + s - 1) / s;
        }
        long span = in + 2L * p - k;
        if (span < 0) {
            throw new IllegalArgumentException("layer '" + layer + "': kernel " + k + " does not fit the input " + what
                    + " " + in + " with padding " + p);
        }
        if (mode == Mode.STRICT && span % s != 0) {
            throw new IllegalArgumentException("layer '" + layer + "' (strict mode): input " + what + " " + in
                    + " + 2 x padding " + p + " - kernel " + k + " = " + span + " is not a multiple of the stride "
                    + s + "; use truncate or same mode, or change the padding");
        }
        return span / s + 1;
    }

    /**
     * @return {top, bottom, left, right} rows and columns of zeros added around an h x w input
     */
    int[] pads(String layer, long h, long w) {
        long[] o = outputSize(layer, h, w);
        if (mode != Mode.SAME) {
            return new int[] {padH, padH, padW, padW};
        }
        int th = (int) Math.max((o[0] - 1) * strideH + kernelH - h, 0);
        int tw = (int) Math.max((o[1] - 1) * strideW + kernelW - w, 0);
        return new int[] {th / 2, th - th / 2, tw / 2, tw - tw / 2};
    }

    @Override
    public String toString() {
        return "Window2d[" + kernelH + "x" + kernelW + ", stride " + strideH + "x" + strideW + ", padding " + padH
                + "x" + padW + ", " + mode.id() + "]";
    }
}
