package org.dl4jmeta.datasets.miniimagenet;

import java.util.List;
import java.util.Objects;
import org.dl4jmeta.datasets.episode.ClassImageSet;

/**
 * One Mini-ImageNet split in memory: RGB images of {@code size x size} pixels, stored as 8-bit values (a quarter of
 * the memory of floats: the 38,400 training images take 813 MB at 84x84) and normalised to {@code [0, 1]}
 * ({@code value / 255}) when copied out. Channels are in RGB order, images CHW; classes are the CSV's labels in order
 * of first appearance, images of a class in CSV order.
 *
 * <p>Immutable and thread-safe.
 */
public final class MiniImageNetImages implements ClassImageSet {

    private static final float[] UNIT = new float[256];

    static {
        for (int v = 0; v < 256; v++) {
            UNIT[v] = v / 255f;
        }
    }

    private final String name;
    private final List<String> labels;
    private final int size;
    private final byte[][] pixels;
    private final boolean fromCache;

    /**
     * @param name the split's name
     * @param labels per class, its label
     * @param size image side
     * @param pixels per class, its images' CHW RGB bytes one after the other
     * @param fromCache whether the pixels came from the on-disk cache
     */
    MiniImageNetImages(String name, List<String> labels, int size, byte[][] pixels, boolean fromCache) {
        this.name = Objects.requireNonNull(name);
        this.labels = List.copyOf(labels);
        this.size = size;
        this.pixels = pixels;
        this.fromCache = fromCache;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int numClasses() {
        return labels.size();
    }

    /** @return the class's WordNet label, e.g. {@code n01532829} */
    @Override
    public String className(int c) {
        return labels.get(c);
    }

    @Override
    public int imagesInClass(int c) {
        return pixels[c].length / imageLength();
    }

    @Override
    public int channels() {
        return 3;
    }

    @Override
    public int height() {
        return size;
    }

    @Override
    public int width() {
        return size;
    }

    @Override
    public void copyImage(int c, int i, float[] dst, int offset) {
        int len = imageLength();
        byte[] cls = pixels[c];
        int base = Objects.checkIndex(i, cls.length / len) * len;
        Objects.checkFromIndexSize(offset, len, dst.length);
        for (int p = 0; p < len; p++) {
            dst[offset + p] = UNIT[cls[base + p] & 0xFF];
        }
    }

    /** @return true if this split was read from the on-disk cache rather than decoded from the images */
    public boolean fromCache() {
        return fromCache;
    }

    /** @return per class, its raw bytes (for the cache writer; not copied) */
    byte[][] rawPixels() {
        return pixels;
    }

    @Override
    public String toString() {
        return name + ": " + numClasses() + " classes, " + totalImages() + " images of [3," + size + "," + size + "]"
                + (fromCache ? " (from cache)" : "");
    }
}
