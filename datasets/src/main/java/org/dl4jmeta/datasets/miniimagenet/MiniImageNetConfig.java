package org.dl4jmeta.datasets.miniimagenet;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Which Mini-ImageNet split to load and how.
 *
 * <p>Required: {@code dataDir} and {@code split} ({@link #of}). Optional: {@code imageSize} (default 84),
 * {@code cacheDir} (default {@code <dataDir>/.dl4jmeta-cache}) and {@code useCache} (default true).
 *
 * @param dataDir the folder holding the split CSVs and the images (see {@link MiniImageNet} for the layout)
 * @param split {@code train}, {@code val} or {@code test}
 * @param imageSize side of the square images kept in memory, {@code >= 8} (84 as usual)
 * @param cacheDir where decoded splits are cached
 * @param useCache whether to read and write the cache
 */
public record MiniImageNetConfig(Path dataDir, String split, int imageSize, Path cacheDir, boolean useCache) {

    /** Ravi and Larochelle's split names. */
    public static final List<String> SPLITS = List.of("train", "val", "test");

    /** The usual side of Mini-ImageNet images. */
    public static final int DEFAULT_IMAGE_SIZE = 84;

    /**
     * Validates the configuration.
     *
     * @throws IllegalArgumentException if split is not train, val or test, or imageSize &lt; 8
     * @throws NullPointerException if dataDir, split or cacheDir is null
     */
    public MiniImageNetConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(cacheDir, "cacheDir");
        if (!SPLITS.contains(split)) {
            throw new IllegalArgumentException("Mini-ImageNet split must be one of train, val, test, got '" + split
                    + "'");
        }
        if (imageSize < 8) {
            throw new IllegalArgumentException("imageSize must be >= 8, got " + imageSize);
        }
    }

    /**
     * @param dataDir the Mini-ImageNet folder
     * @param split {@code train}, {@code val} or {@code test}
     * @return the configuration with 84x84 images cached in {@code <dataDir>/.dl4jmeta-cache}
     * @throws IllegalArgumentException if split is not train, val or test
     */
    public static MiniImageNetConfig of(Path dataDir, String split) {
        return new MiniImageNetConfig(dataDir, split, DEFAULT_IMAGE_SIZE, dataDir.resolve(".dl4jmeta-cache"), true);
    }

    /**
     * @param dir where decoded splits are cached (e.g. when dataDir is read-only)
     * @return a copy caching in dir
     */
    public MiniImageNetConfig withCacheDir(Path dir) {
        return new MiniImageNetConfig(dataDir, split, imageSize, dir, true);
    }

    /** @return a copy that neither reads nor writes the cache */
    public MiniImageNetConfig withoutCache() {
        return new MiniImageNetConfig(dataDir, split, imageSize, cacheDir, false);
    }

    /**
     * @param size side of the square images kept in memory, {@code >= 8}
     * @return a copy with that image size
     * @throws IllegalArgumentException if size &lt; 8
     */
    public MiniImageNetConfig withImageSize(int size) {
        return new MiniImageNetConfig(dataDir, split, size, cacheDir, useCache);
    }
}
