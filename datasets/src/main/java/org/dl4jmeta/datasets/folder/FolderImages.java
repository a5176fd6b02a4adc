package org.dl4jmeta.datasets.folder;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.datasets.episode.ClassImageSet;
import org.dl4jmeta.datasets.episode.InMemoryClassImageSet;

/**
 * One split of a folder data set in memory: float images {@code [channels, size, size]} in {@code [0, 1]}, classes
 * in class-folder name order, the images of a class in file-name order (see {@link ImageFiles}).
 *
 * <p>Immutable and thread-safe.
 */
public final class FolderImages implements ClassImageSet {

    private final InMemoryClassImageSet images;
    private final boolean fromCache;
    private final Map<String, Integer> excluded;

    /**
     * @param images the pixels
     * @param fromCache whether they were read from the cache instead of decoded
     * @param excluded the classes of the split left out for having too few images, to their image counts
     */
    FolderImages(InMemoryClassImageSet images, boolean fromCache, Map<String, Integer> excluded) {
        this.images = images;
        this.fromCache = fromCache;
        this.excluded = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(excluded));
    }

    /** @return whether the pixels were read from the on-disk cache (false: every image was decoded) */
    public boolean fromCache() {
        return fromCache;
    }

    /**
     * @return the split's classes left out because they have fewer images than an episode needs, by name, to
     *     their image counts, in class order; empty unless the load asked to exclude small classes
     */
    public Map<String, Integer> excluded() {
        return excluded;
    }

    /** @return the class names, in class order */
    public List<String> classNames() {
        return java.util.stream.IntStream.range(0, numClasses()).mapToObj(this::className).toList();
    }

    @Override
    public String name() {
        return images.name();
    }

    @Override
    public int numClasses() {
        return images.numClasses();
    }

    @Override
    public String className(int c) {
        return images.className(c);
    }

    @Override
    public int imagesInClass(int c) {
        return images.imagesInClass(c);
    }

    @Override
    public int channels() {
        return images.channels();
    }

    @Override
    public int height() {
        return images.height();
    }

    @Override
    public int width() {
        return images.width();
    }

    @Override
    public void copyImage(int c, int i, float[] dst, int offset) {
        images.copyImage(c, i, dst, offset);
    }

    @Override
    public String toString() {
        return images + (fromCache ? " (from the cache)" : "") + (excluded.isEmpty() ? ""
                : ", excluded " + excluded);
    }
}
