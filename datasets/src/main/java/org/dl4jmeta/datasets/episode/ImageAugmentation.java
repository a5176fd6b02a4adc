package org.dl4jmeta.datasets.episode;

import java.util.SplittableRandom;

/**
 * An in-place, randomised transformation of one image, applied by the {@link EpisodeSampler} to every support and
 * query image after it is copied out of the {@link ClassImageSet} (the stored images are never modified). The random
 * stream is the episode's own, so augmented episodes are still a pure function of (seed, split, index).
 * Off by default ({@link #NONE}); see {@link Augmentations} for random crop and horizontal flip.
 *
 * <p>Implementations must be stateless (they are called from several threads at once).
 */
@FunctionalInterface
public interface ImageAugmentation {

    /** The identity: no augmentation. */
    ImageAugmentation NONE = new ImageAugmentation() {
        @Override
        public void apply(float[] pixels, int offset, int channels, int height, int width, SplittableRandom rng) {
            // Identity: draws nothing from rng, so turning augmentation off does not shift other random choices.
        }

        @Override
        public String toString() {
            return "none";
        }
    };

    /**
     * Transforms one CHW image in place.
     *
     * @param pixels the buffer holding the image
     * @param offset index of the image's first pixel
     * @param channels image channels
     * @param height image height
     * @param width image width
     * @param rng the episode's random stream
     */
    void apply(float[] pixels, int offset, int channels, int height, int width, SplittableRandom rng);
}
