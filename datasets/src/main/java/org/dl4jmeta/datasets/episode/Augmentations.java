package org.dl4jmeta.datasets.episode;

import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Standard image augmentations for few-shot training, e.g. Mini-ImageNet's random crop and horizontal flip
 * (as in torchvision's {@code RandomCrop(84, padding=8)} and {@code RandomHorizontalFlip()}).
 * Use them for training episodes only: evaluation episodes are conventionally not augmented.
 */
public final class Augmentations {

    private Augmentations() {
    }

    /**
     * Random crop with zero padding: pads the image by {@code padding} pixels on every side with zeros, then cuts
     * a window of the original size at a uniformly random offset in {@code [0, 2*padding]^2}.
     *
     * @param padding pixels of zero padding per side, {@code >= 1}
     * @return the augmentation
     * @throws IllegalArgumentException if padding &lt; 1
     */
    public static ImageAugmentation randomCrop(int padding) {
        if (padding < 1) {
            throw new IllegalArgumentException("padding must be >= 1, got " + padding);
        }
        return new ImageAugmentation() {
            @Override
            public void apply(float[] pixels, int offset, int channels, int height, int width,
                              SplittableRandom rng) {
                int dy = rng.nextInt(2 * padding + 1) - padding;
                int dx = rng.nextInt(2 * padding + 1) - padding;
                if (dx == 0 && dy == 0) {
                    return;
                }
                int plane = height * width;
                float[] copy = new float[plane];
                for (int ch = 0; ch < channels; ch++) {
                    int base = offset + ch * plane;
                    System.arraycopy(pixels, base, copy, 0, plane);
                    for (int y = 0; y < height; y++) {
                        int sy = y + dy;
                        for (int x = 0; x < width; x++) {
                            int sx = x + dx;
                            pixels[base + y * width + x] = sy >= 0 && sy < height && sx >= 0 && sx < width
                                    ? copy[sy * width + sx] : 0f;
                        }
                    }
                }
            }

            @Override
            public String toString() {
                return "randomCrop(padding=" + padding + ")";
            }
        };
    }

    /**
     * Mirrors the image left-right with probability 1/2.
     *
     * @return the augmentation
     */
    public static ImageAugmentation horizontalFlip() {
        return new ImageAugmentation() {
            @Override
            public void apply(float[] pixels, int offset, int channels, int height, int width,
                              SplittableRandom rng) {
                if (!rng.nextBoolean()) {
                    return;
                }
                for (int row = 0; row < channels * height; row++) {
                    int base = offset + row * width;
                    for (int a = base, b = base + width - 1; a < b; a++, b--) {
                        float t = pixels[a];
                        pixels[a] = pixels[b];
                        pixels[b] = t;
                    }
                }
            }

            @Override
            public String toString() {
                return "horizontalFlip";
            }
        };
    }

    /**
     * Applies augmentations one after the other.
     *
     * @param steps the augmentations, in order
     * @return their composition
     * @throws NullPointerException if a step is null
     */
    public static ImageAugmentation compose(ImageAugmentation... steps) {
        List<ImageAugmentation> list = List.of(steps);
        return new ImageAugmentation() {
            @Override
            public void apply(float[] pixels, int offset, int channels, int height, int width,
                              SplittableRandom rng) {
                for (ImageAugmentation step : list) {
                    step.apply(pixels, offset, channels, height, width, rng);
                }
            }

            @Override
            public String toString() {
                return "compose" + list;
            }
        };
    }

    /**
     * Mini-ImageNet's usual training augmentation: {@code randomCrop(8)} then {@code horizontalFlip()}.
     *
     * @return the augmentation
     */
    public static ImageAugmentation miniImageNetTraining() {
        return compose(randomCrop(8), horizontalFlip());
    }

    static ImageAugmentation requireNonNull(ImageAugmentation a) {
        return Objects.requireNonNull(a, "augmentation (use ImageAugmentation.NONE for none)");
    }
}
