package org.dl4jmeta.datasets.folder;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Which folder data set to read and how.
 *
 * <p>Required: {@code root}, {@code imageSize} and {@code channels} ({@link #of}). Optional: {@code convention}
 * (default GREY for 1 channel, RGB for 3), {@code split} (default seeded ratios 0.64 / 0.16 / 0.20, seed 1),
 * {@code cacheDir} (default {@code <root>/.dl4jmeta-cache}) and {@code useCache} (default true).
 *
 * @param root the folder: {@code root/<class>/<images>}
 * @param imageSize side of the square images kept in memory (the network's input), {@code >= 4}
 * @param channels 1 or 3
 * @param convention how pixels become inputs; must produce {@code channels}
 * @param split how classes are split into train, val and test
 * @param cacheDir where decoded splits are cached
 * @param useCache whether to read and write the cache
 */
public record FolderConfig(Path root, int imageSize, int channels, PixelConvention convention, FolderSplit split,
                           Path cacheDir, boolean useCache) {

    /** Name of the default cache folder inside the data folder (hidden, so never read as a class). */
    public static final String CACHE_FOLDER = ".dl4jmeta-cache";

    /**
     * Validates the configuration.
     *
     * @throws IllegalArgumentException if imageSize &lt; 4, channels is not 1 or 3, or the convention does not
     *     produce that many channels
     * @throws NullPointerException if root, convention, split or cacheDir is null
     */
    public FolderConfig {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(convention, "convention");
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(cacheDir, "cacheDir");
        if (imageSize < 4) {
            throw new IllegalArgumentException("imageSize must be >= 4, got " + imageSize);
        }
        PixelConvention.forChannels(channels);
        if (convention.channels() != channels) {
            throw new IllegalArgumentException("pixel convention " + convention.id() + " does not fit " + channels
                    + " channels (use ink or grey for 1, rgb for 3)");
        }
    }

    /**
     * @param root the data folder
     * @param imageSize side of the images in memory
     * @param channels 1 (grey) or 3 (RGB)
     * @return the configuration with the defaults
     * @throws IllegalArgumentException as for the constructor
     */
    public static FolderConfig of(Path root, int imageSize, int channels) {
        return new FolderConfig(root, imageSize, channels, PixelConvention.forChannels(channels),
                FolderSplit.ratios(0.64, 0.16, 0.20, 1), root.resolve(CACHE_FOLDER), true);
    }

    /**
     * @param s the split
     * @return a copy with that split
     */
    public FolderConfig withSplit(FolderSplit s) {
        return new FolderConfig(root, imageSize, channels, convention, s, cacheDir, useCache);
    }

    /**
     * @param c the pixel convention
     * @return a copy with that convention
     * @throws IllegalArgumentException if it does not produce {@code channels}
     */
    public FolderConfig withConvention(PixelConvention c) {
        return new FolderConfig(root, imageSize, channels, c, split, cacheDir, useCache);
    }

    /**
     * @param dir where to cache decoded splits
     * @return a copy caching there
     */
    public FolderConfig withCacheDir(Path dir) {
        return new FolderConfig(root, imageSize, channels, convention, split, dir, true);
    }

    /** @return a copy that neither reads nor writes a cache */
    public FolderConfig withoutCache() {
        return new FolderConfig(root, imageSize, channels, convention, split, cacheDir, false);
    }
}
