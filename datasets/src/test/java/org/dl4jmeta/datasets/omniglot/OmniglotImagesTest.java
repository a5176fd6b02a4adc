package org.dl4jmeta.datasets.omniglot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Rotation classes on a synthetic drawing with a single ink pixel. */
class OmniglotImagesTest {

    private static OmniglotImages oneCharacterFourRotations(int y, int x) {
        float[] pixels = new float[784];
        pixels[y * 28 + x] = 1f;
        return new OmniglotImages("synthetic", List.of("A/character01/rot000", "A/character01/rot090",
                "A/character01/rot180", "A/character01/rot270"), new int[] {0, 0, 0, 0}, new int[] {0, 1, 2, 3},
                new int[] {0}, new int[] {1}, pixels);
    }

    private static int inkAt(OmniglotImages set, int c) {
        float[] img = new float[784];
        set.copyImage(c, 0, img, 0);
        int where = -1;
        for (int p = 0; p < img.length; p++) {
            if (img[p] == 1f) {
                assertEquals(-1, where, "exactly one ink pixel");
                where = p;
            }
        }
        return where;
    }

    @Test
    void rotationsAreCounterClockwiseLikePillowsRotate() {
        // Pillow's Image.rotate(90), used by the Prototypical Networks code that defines rot090, turns the image
        // counter-clockwise: the top-right corner goes to the top-left, then bottom-left, then bottom-right.
        OmniglotImages set = oneCharacterFourRotations(0, 27);
        assertEquals(27, inkAt(set, 0));
        assertEquals(0, inkAt(set, 1));
        assertEquals(27 * 28, inkAt(set, 2));
        assertEquals(27 * 28 + 27, inkAt(set, 3));
        // An off-diagonal pixel (row 2, column 5): rot090 puts it at (27-5, 2), rot270 at (5, 27-2).
        OmniglotImages off = oneCharacterFourRotations(2, 5);
        assertEquals(22 * 28 + 2, inkAt(off, 1));
        assertEquals(25 * 28 + 22, inkAt(off, 2));
        assertEquals(5 * 28 + 25, inkAt(off, 3));
        assertEquals(270, off.rotationDegrees(3));
    }

    @Test
    void outOfRangeImageIsRejected() {
        OmniglotImages set = oneCharacterFourRotations(0, 0);
        assertThrows(IndexOutOfBoundsException.class, () -> set.copyImage(1, 1, new float[784], 0));
    }
}
