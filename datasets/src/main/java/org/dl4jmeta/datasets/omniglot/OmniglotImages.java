package org.dl4jmeta.datasets.omniglot;

import java.util.List;
import java.util.Objects;
import org.dl4jmeta.datasets.episode.ClassImageSet;

/**
 * One Omniglot split in memory: 28x28 single-channel ink images (strokes 1, background 0), 20 per character.
 *
 * <p>Each drawing is decoded and resized once and stored in one float array, {@code [characters*20, 1, 28, 28]}
 * row-major; a rotation class (Vinyals) is a view of its character's drawings rotated counter-clockwise by
 * 0, 90, 180 or 270 degrees, applied by index permutation when an image is copied out. (Counter-clockwise as
 * Pillow's {@code Image.rotate} in the Prototypical Networks code that defines the split; area resizing commutes
 * with these rotations, so rotating before or after resizing gives the same pixels.) The four rotation classes of a
 * character thus share one copy of its pixels. Images of a class are in file-name order.
 *
 * <p>Immutable and thread-safe.
 */
public final class OmniglotImages implements ClassImageSet {

    private static final int SIZE = OmniglotDecoder.SIZE;
    private static final int PIXELS = SIZE * SIZE;
    /** ROTATIONS[r][p]: source pixel of destination pixel p under a counter-clockwise rotation by r*90 degrees. */
    private static final int[][] ROTATIONS = rotationTables();

    private final String name;
    private final List<String> classNames;
    private final int[] classCharacter;
    private final int[] classQuarterTurns;
    private final int[] characterFirstImage;
    private final int[] characterImages;
    private final float[] pixels;

    /**
     * @param name the split's name
     * @param classNames per class, its name
     * @param classCharacter per class, the index of its character
     * @param classQuarterTurns per class, counter-clockwise quarter turns (0..3)
     * @param characterFirstImage per character, the index of its first drawing in pixels
     * @param characterImages per character, its number of drawings
     * @param pixels all drawings, 784 values each
     */
    OmniglotImages(String name, List<String> classNames, int[] classCharacter, int[] classQuarterTurns,
                   int[] characterFirstImage, int[] characterImages, float[] pixels) {
        this.name = Objects.requireNonNull(name);
        this.classNames = List.copyOf(classNames);
        this.classCharacter = classCharacter;
        this.classQuarterTurns = classQuarterTurns;
        this.characterFirstImage = characterFirstImage;
        this.characterImages = characterImages;
        this.pixels = pixels;
    }

    private static int[][] rotationTables() {
        int[][] t = new int[4][PIXELS];
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                int p = y * SIZE + x;
                t[0][p] = p;
                t[1][p] = x * SIZE + (SIZE - 1 - y);                    // dst(y,x) = src(x, n-1-y)
                t[2][p] = (SIZE - 1 - y) * SIZE + (SIZE - 1 - x);       // dst(y,x) = src(n-1-y, n-1-x)
                t[3][p] = (SIZE - 1 - x) * SIZE + y;                    // dst(y,x) = src(n-1-x, y)
            }
        }
        return t;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int numClasses() {
        return classNames.size();
    }

    @Override
    public String className(int c) {
        return classNames.get(c);
    }

    @Override
    public int imagesInClass(int c) {
        return characterImages[classCharacter[c]];
    }

    @Override
    public int channels() {
        return 1;
    }

    @Override
    public int height() {
        return SIZE;
    }

    @Override
    public int width() {
        return SIZE;
    }

    /**
     * @param c class index
     * @return the class's counter-clockwise rotation in degrees: 0, 90, 180 or 270 (always 0 for Lake's split)
     * @throws IndexOutOfBoundsException if c is out of range
     */
    public int rotationDegrees(int c) {
        return classQuarterTurns[c] * 90;
    }

    /**
     * @param c class index
     * @return the class's alphabet, e.g. {@code Angelic} (the group of within-alphabet episodes)
     * @throws IndexOutOfBoundsException if c is out of range
     */
    public String alphabet(int c) {
        return Omniglot.alphabetOf(classNames.get(c));
    }

    /** @return the number of distinct characters (drawings stored = characters x drawings per character) */
    public int numCharacters() {
        return characterImages.length;
    }

    @Override
    public void copyImage(int c, int i, float[] dst, int offset) {
        int ch = classCharacter[c];
        int base = (characterFirstImage[ch] + Objects.checkIndex(i, characterImages[ch])) * PIXELS;
        int turns = classQuarterTurns[c];
        if (turns == 0) {
            System.arraycopy(pixels, base, dst, offset, PIXELS);
            return;
        }
        Objects.checkFromIndexSize(offset, PIXELS, dst.length);
        int[] src = ROTATIONS[turns];
        for (int p = 0; p < PIXELS; p++) {
            dst[offset + p] = pixels[base + src[p]];
        }
    }

    @Override
    public String toString() {
        return name + ": " + numClasses() + " classes, " + totalImages() + " images of [1,28,28] from "
                + numCharacters() + " characters";
    }
}
