package org.dl4jmeta.datasets.episode;

import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * What an {@link EpisodeSampler} draws: N-way, K-shot, Q-query episodes under one seed.
 *
 * <p>Required: {@code ways}, {@code shots}, {@code queries}, {@code seed} ({@link #of}). Optional:
 * {@code dataType} (default FLOAT; DOUBLE widens the stored float pixels, e.g. for gradient checks) and
 * {@code augmentation} (default {@link ImageAugmentation#NONE}).
 *
 * @param ways N, classes per episode, {@code >= 2}
 * @param shots K, support images per class, {@code >= 1}
 * @param queries Q, query images per class, {@code >= 1}
 * @param seed the run seed; episode i of split s is a pure function of (seed, s, i)
 * @param dataType FLOAT or DOUBLE
 * @param augmentation applied to every support and query image; NONE for none
 */
public record SamplerConfig(int ways, int shots, int queries, long seed, DataType dataType,
                            ImageAugmentation augmentation) {

    /**
     * Validates the configuration.
     *
     * @throws IllegalArgumentException if ways &lt; 2, shots &lt; 1, queries &lt; 1, or dataType is not FLOAT or
     *     DOUBLE
     * @throws NullPointerException if dataType or augmentation is null
     */
    public SamplerConfig {
        if (ways < 2) {
            throw new IllegalArgumentException("ways must be >= 2, got " + ways);
        }
        if (shots < 1) {
            throw new IllegalArgumentException("shots must be >= 1, got " + shots);
        }
        if (queries < 1) {
            throw new IllegalArgumentException("queries must be >= 1, got " + queries);
        }
        Objects.requireNonNull(dataType, "dataType");
        Tensors.checkDataType(dataType);
        Augmentations.requireNonNull(augmentation);
    }

    /**
     * @param ways N, classes per episode, {@code >= 2}
     * @param shots K, support images per class, {@code >= 1}
     * @param queries Q, query images per class, {@code >= 1}
     * @param seed the run seed
     * @return the configuration with FLOAT tensors and no augmentation
     * @throws IllegalArgumentException if ways &lt; 2, shots &lt; 1 or queries &lt; 1
     */
    public static SamplerConfig of(int ways, int shots, int queries, long seed) {
        return new SamplerConfig(ways, shots, queries, seed, DataType.FLOAT, ImageAugmentation.NONE);
    }

    /**
     * @param type FLOAT or DOUBLE
     * @return a copy with that data type
     * @throws IllegalArgumentException if type is not FLOAT or DOUBLE
     */
    public SamplerConfig withDataType(DataType type) {
        return new SamplerConfig(ways, shots, queries, seed, type, augmentation);
    }

    /**
     * @param aug the augmentation; {@link ImageAugmentation#NONE} for none
     * @return a copy with that augmentation
     * @throws NullPointerException if aug is null
     */
    public SamplerConfig withAugmentation(ImageAugmentation aug) {
        return new SamplerConfig(ways, shots, queries, seed, dataType, aug);
    }

    /**
     * @param newSeed the run seed
     * @return a copy with that seed
     */
    public SamplerConfig withSeed(long newSeed) {
        return new SamplerConfig(ways, shots, queries, newSeed, dataType, augmentation);
    }
}
