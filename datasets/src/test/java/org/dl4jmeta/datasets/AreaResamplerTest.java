package org.dl4jmeta.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AreaResamplerTest {

    @Test
    void fractionalFootprintsWeighStraddlingPixelsByCoverage() {
        // 3 -> 2: scale 1.5, out0 covers [0,1.5) = in0 + half of in1, out1 covers [1.5,3) = half of in1 + in2.
        float[] out = new float[2];
        new AreaResampler(1, 3, 1, 2).resample(new float[] {3f, 6f, 9f}, 0, out, 0);
        assertArrayEquals(new float[] {(3f + 3f) / 1.5f, (3f + 9f) / 1.5f}, out, 1e-6f);
    }

    @Test
    void integerFactorIsTheBlockMean() {
        float[] in = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
        float[] out = new float[4];
        new AreaResampler(4, 4, 2, 2).resample(in, 0, out, 0);
        assertArrayEquals(new float[] {(1 + 2 + 5 + 6) / 4f, (3 + 4 + 7 + 8) / 4f, (9 + 10 + 13 + 14) / 4f,
            (11 + 12 + 15 + 16) / 4f}, out, 1e-6f);
    }

    @Test
    void omniglotResizeKeepsConstantsAndTheMeanAndCommutesWithRotation() {
        AreaResampler r = new AreaResampler(105, 105, 28, 28);
        float[] ones = new float[105 * 105];
        java.util.Arrays.fill(ones, 1f);
        float[] out = new float[784];
        r.resample(ones, 0, out, 0);
        for (float v : out) {
            assertEquals(1f, v, 1e-6f);
        }
        SplittableRandom rng = new SplittableRandom(7);
        float[] img = new float[105 * 105];
        double mean = 0;
        for (int p = 0; p < img.length; p++) {
            img[p] = rng.nextInt(2);
            mean += img[p] / img.length;
        }
        r.resample(img, 0, out, 0);
        double outMean = 0;
        for (float v : out) {
            outMean += v / out.length;
        }
        assertEquals(mean, outMean, 1e-6);
        float[] rotatedThenResized = new float[784];
        r.resample(rotate(img, 105), 0, rotatedThenResized, 0);
        assertArrayEquals(rotate(out, 28), rotatedThenResized, 1e-5f);
    }

    @Test
    void nonSquareDownscaleAndUpscaleKeepRange() {
        SplittableRandom rng = new SplittableRandom(3);
        float[] img = new float[3 * 375 * 500];
        for (int p = 0; p < img.length; p++) {
            img[p] = rng.nextInt(256);
        }
        float[] out = new float[84 * 84];
        new AreaResampler(375, 500, 84, 84).resample(img, 375 * 500, out, 0);
        for (float v : out) {
            assertTrue(v >= 0 && v <= 255, "value " + v);
        }
        float[] up = new float[6];
        new AreaResampler(1, 2, 1, 6).resample(new float[] {1f, 5f}, 0, up, 0);
        assertArrayEquals(new float[] {1f, 1f, 1f, 5f, 5f, 5f}, up, 1e-6f);
    }

    @Test
    void badSizesAndShortArraysAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AreaResampler(105, 0, 28, 28));
        assertEquals("inWidth must be >= 1, got 0", e.getMessage());
        AreaResampler r = new AreaResampler(4, 4, 2, 2);
        assertThrows(IndexOutOfBoundsException.class, () -> r.resample(new float[15], 0, new float[4], 0));
        assertThrows(IndexOutOfBoundsException.class, () -> r.resample(new float[16], 0, new float[4], 1));
    }

    /** Counter-clockwise quarter turn: dst(y,x) = src(x, n-1-y). */
    private static float[] rotate(float[] img, int n) {
        float[] out = new float[n * n];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                out[y * n + x] = img[x * n + (n - 1 - y)];
            }
        }
        return out;
    }
}
