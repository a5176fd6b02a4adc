package org.dl4jmeta.datasets.episode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AugmentationsTest {

    /** A 2-channel 3x4 image with distinct positive pixels, at offset 5 of a larger buffer. */
    private static float[] image() {
        float[] buf = new float[5 + 24 + 3];
        for (int p = 0; p < 24; p++) {
            buf[5 + p] = p + 1;
        }
        return buf;
    }

    @Test
    void horizontalFlipMirrorsEachRowOrLeavesTheImage() {
        int flipped = 0;
        for (long seed = 0; seed < 64; seed++) {
            float[] buf = image();
            Augmentations.horizontalFlip().apply(buf, 5, 2, 3, 4, new SplittableRandom(seed));
            float[] orig = image();
            if (buf[5] == orig[5]) {
                assertArrayEquals(orig, buf);
                continue;
            }
            flipped++;
            for (int row = 0; row < 6; row++) {
                for (int x = 0; x < 4; x++) {
                    assertEquals(orig[5 + row * 4 + (3 - x)], buf[5 + row * 4 + x]);
                }
            }
            assertEquals(0f, buf[0]);
            assertEquals(0f, buf[31]);
        }
        assertTrue(flipped > 16 && flipped < 48, "flipped " + flipped + " of 64");
    }

    @Test
    void randomCropIsAZeroPaddedShiftWithinThePadding() {
        java.util.Set<String> shifts = new java.util.HashSet<>();
        for (long seed = 0; seed < 200; seed++) {
            float[] buf = image();
            Augmentations.randomCrop(1).apply(buf, 5, 2, 3, 4, new SplittableRandom(seed));
            float[] orig = image();
            boolean found = false;
            for (int dy = -1; dy <= 1 && !found; dy++) {
                for (int dx = -1; dx <= 1 && !found; dx++) {
                    if (matchesShift(orig, buf, dy, dx)) {
                        shifts.add(dy + "," + dx);
                        found = true;
                    }
                }
            }
            assertTrue(found, "seed " + seed + " is not a shift by at most 1 pixel");
        }
        assertEquals(9, shifts.size(), "all 9 offsets should occur: " + shifts);
        assertEquals("padding must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> Augmentations.randomCrop(0)).getMessage());
    }

    private static boolean matchesShift(float[] orig, float[] buf, int dy, int dx) {
        for (int ch = 0; ch < 2; ch++) {
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 4; x++) {
                    int sy = y + dy;
                    int sx = x + dx;
                    float expected = sy >= 0 && sy < 3 && sx >= 0 && sx < 4 ? orig[5 + ch * 12 + sy * 4 + sx] : 0f;
                    if (buf[5 + ch * 12 + y * 4 + x] != expected) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    @Test
    void composeAppliesInOrderAndNoneDoesNothing() {
        float[] a = image();
        float[] b = image();
        Augmentations.compose(Augmentations.randomCrop(2), Augmentations.horizontalFlip())
                .apply(a, 5, 2, 3, 4, new SplittableRandom(4));
        SplittableRandom rng = new SplittableRandom(4);
        Augmentations.randomCrop(2).apply(b, 5, 2, 3, 4, rng);
        Augmentations.horizontalFlip().apply(b, 5, 2, 3, 4, rng);
        assertArrayEquals(b, a);
        float[] c = image();
        ImageAugmentation.NONE.apply(c, 5, 2, 3, 4, new SplittableRandom(1));
        assertArrayEquals(image(), c);
    }
}
