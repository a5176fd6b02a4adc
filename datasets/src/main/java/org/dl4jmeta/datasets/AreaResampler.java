package org.dl4jmeta.datasets;

/**
 * Resizes one image plane by area averaging (a box filter): each output pixel is the mean of the input over the
 * output pixel's footprint, with input pixels that straddle the footprint's edge weighted by the covered fraction.
 *
 * <p>With scale {@code s = in / out} along an axis, output pixel {@code o} covers the input interval
 * {@code [o*s, (o+1)*s)} and input pixel {@code i} gets weight
 * {@code (min(i+1, (o+1)*s) - max(i, o*s)) / s}. This is OpenCV's {@code INTER_AREA} and Pillow's {@code BOX}
 * filter: for downscaling it anti-aliases (no stroke of a 105x105 Omniglot drawing can vanish between samples, as
 * it can with nearest-neighbour resizing); for upscaling it reduces to nearest neighbour with fractional edges. The
 * filter is separable and the same along both axes, so for square images it commutes with 90-degree rotations.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class AreaResampler {

    private final int inHeight;
    private final int inWidth;
    private final int outHeight;
    private final int outWidth;
    private final Axis rows;
    private final Axis cols;

    /**
     * Creates a resampler from {@code inHeight x inWidth} to {@code outHeight x outWidth}.
     *
     * @param inHeight input height, {@code >= 1}
     * @param inWidth input width, {@code >= 1}
     * @param outHeight output height, {@code >= 1}
     * @param outWidth output width, {@code >= 1}
     * @throws IllegalArgumentException if a size is below 1
     */
    public AreaResampler(int inHeight, int inWidth, int outHeight, int outWidth) {
        requirePositive("inHeight", inHeight);
        requirePositive("inWidth", inWidth);
        requirePositive("outHeight", outHeight);
        requirePositive("outWidth", outWidth);
        this.inHeight = inHeight;
        this.inWidth = inWidth;
        this.outHeight = outHeight;
        this.outWidth = outWidth;
        this.rows = new Axis(inHeight, outHeight);
        this.cols = new Axis(inWidth, outWidth);
    }

    private static void requirePositive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + v);
        }
    }

    /**
     * Resamples one row-major plane.
     *
     * @param in input pixels, {@code inHeight*inWidth} values from {@code inOffset}
     * @param inOffset index of the input's first pixel
     * @param out output pixels, {@code outHeight*outWidth} values written from {@code outOffset}
     * @param outOffset index of the output's first pixel
     * @throws IndexOutOfBoundsException if an array is too short for its offset
     */
    public void resample(float[] in, int inOffset, float[] out, int outOffset) {
        if (inOffset < 0 || inOffset + inHeight * inWidth > in.length) {
            throw new IndexOutOfBoundsException("input needs " + inHeight * inWidth + " values from " + inOffset
                    + ", array has " + in.length);
        }
        if (outOffset < 0 || outOffset + outHeight * outWidth > out.length) {
            throw new IndexOutOfBoundsException("output needs " + outHeight * outWidth + " values from "
                    + outOffset + ", array has " + out.length);
        }
        // Horizontal pass into [inHeight, outWidth], then vertical pass; double accumulation throughout.
        double[] tmp = new double[inHeight * outWidth];
        for (int y = 0; y < inHeight; y++) {
            int rowBase = inOffset + y * inWidth;
            for (int ox = 0; ox < outWidth; ox++) {
                double acc = 0;
                int first = cols.first[ox];
                double[] w = cols.weights[ox];
                for (int k = 0; k < w.length; k++) {
                    acc += w[k] * in[rowBase + first + k];
                }
                tmp[y * outWidth + ox] = acc;
            }
        }
        for (int oy = 0; oy < outHeight; oy++) {
            int first = rows.first[oy];
            double[] w = rows.weights[oy];
            for (int ox = 0; ox < outWidth; ox++) {
                double acc = 0;
                for (int k = 0; k < w.length; k++) {
                    acc += w[k] * tmp[(first + k) * outWidth + ox];
                }
                out[outOffset + oy * outWidth + ox] = (float) acc;
            }
        }
    }

    /** @return the input height */
    public int inHeight() {
        return inHeight;
    }

    /** @return the input width */
    public int inWidth() {
        return inWidth;
    }

    /** @return the output height */
    public int outHeight() {
        return outHeight;
    }

    /** @return the output width */
    public int outWidth() {
        return outWidth;
    }

    /** Per-output-pixel first input index and weights along one axis. */
    private static final class Axis {
        final int[] first;
        final double[][] weights;

        Axis(int in, int out) {
            first = new int[out];
            weights = new double[out][];
            double scale = (double) in / out;
            for (int o = 0; o < out; o++) {
                double lo = o * scale;
                double hi = (o + 1) * scale;
                int i0 = (int) Math.floor(lo);
                int i1 = Math.min(in, (int) Math.ceil(hi));
                double[] w = new double[i1 - i0];
                for (int i = i0; i < i1; i++) {
                    w[i - i0] = (Math.min(i + 1, hi) - Math.max(i, lo)) / scale;
                }
                first[o] = i0;
                weights[o] = w;
            }
        }
    }
}
