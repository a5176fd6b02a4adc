package org.dl4jmeta.datasets.episode;

import java.util.List;
import java.util.Objects;

/**
 * A {@link ClassImageSet} over float pixels already in memory, one array per class: for custom data sets and
 * synthetic tasks. The arrays are not copied; callers must not modify them afterwards.
 */
public final class InMemoryClassImageSet implements ClassImageSet {

    private final String name;
    private final List<String> classNames;
    private final int channels;
    private final int height;
    private final int width;
    private final float[][] pixels;

    /**
     * Creates the set.
     *
     * @param name the split's stable name, part of every episode seed
     * @param classNames one name per class
     * @param channels channels per image
     * @param height image height
     * @param width image width
     * @param pixels per class, its images' CHW pixels one after the other
     * @throws IllegalArgumentException if there is no class, counts disagree, a size is below 1, or a class's
     *     array is empty or not a whole number of images
     */
    public InMemoryClassImageSet(String name, List<String> classNames, int channels, int height, int width,
                                 float[][] pixels) {
        this.name = Objects.requireNonNull(name, "name");
        this.classNames = List.copyOf(classNames);
        Objects.requireNonNull(pixels, "pixels");
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("image shape must be positive, got [" + channels + "," + height
                    + "," + width + "]");
        }
        if (this.classNames.isEmpty()) {
            throw new IllegalArgumentException("a class image set needs at least one class, got none for " + name);
        }
        if (pixels.length != this.classNames.size()) {
            throw new IllegalArgumentException("pixels must hold one array per class (" + this.classNames.size()
                    + "), got " + pixels.length);
        }
        int len = channels * height * width;
        for (int c = 0; c < pixels.length; c++) {
            if (pixels[c] == null || pixels[c].length == 0 || pixels[c].length % len != 0) {
                throw new IllegalArgumentException("class '" + this.classNames.get(c) + "' must hold a positive "
                        + "whole number of " + len + "-pixel images, got "
                        + (pixels[c] == null ? "null" : pixels[c].length + " values"));
            }
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.pixels = pixels.clone();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int numClasses() {
        return pixels.length;
    }

    @Override
    public String className(int c) {
        return classNames.get(c);
    }

    @Override
    public int imagesInClass(int c) {
        return pixels[c].length / imageLength();
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public int height() {
        return height;
    }

    @Override
    public int width() {
        return width;
    }

    @Override
    public void copyImage(int c, int i, float[] dst, int offset) {
        int len = imageLength();
        Objects.checkIndex(i, pixels[c].length / len);
        System.arraycopy(pixels[c], i * len, dst, offset, len);
    }

    @Override
    public String toString() {
        return name + ": " + numClasses() + " classes, " + totalImages() + " images of [" + channels + "," + height
                + "," + width + "]";
    }
}
