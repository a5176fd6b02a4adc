package org.dl4jmeta.datasets.episode;

import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The images of one split of a data set, grouped by class, held in memory: what an {@link EpisodeSampler} draws
 * episodes from. Images are {@code [channels, height, width]} float pixels; each class holds its images in a fixed,
 * documented order (e.g. sorted file names), so that image {@code i} of class {@code c} is the same on every run.
 *
 * <p>Implementations must be immutable and safe to read from several threads at once.
 */
public interface ClassImageSet {

    /**
     * @return the split's stable name, e.g. {@code omniglot/vinyals/test}; it is part of every episode's seed, so
     *     equally named splits yield equal episodes
     */
    String name();

    /** @return the number of classes, {@code >= 1} */
    int numClasses();

    /**
     * @param c class index in {@code [0, numClasses())}
     * @return the class's name, e.g. {@code Angelic/character01/rot090}
     * @throws IndexOutOfBoundsException if c is out of range
     */
    String className(int c);

    /**
     * @param c class index in {@code [0, numClasses())}
     * @return the number of images of class c, {@code >= 1}
     * @throws IndexOutOfBoundsException if c is out of range
     */
    int imagesInClass(int c);

    /** @return channels of every image */
    int channels();

    /** @return height of every image in pixels */
    int height();

    /** @return width of every image in pixels */
    int width();

    /**
     * Writes image {@code i} of class {@code c} as {@code channels*height*width} row-major (CHW) float pixels.
     *
     * @param c class index
     * @param i image index within the class, in {@code [0, imagesInClass(c))}
     * @param dst destination array
     * @param offset index in dst of the first pixel
     * @throws IndexOutOfBoundsException if c, i or offset is out of range
     */
    void copyImage(int c, int i, float[] dst, int offset);

    /** @return the number of pixels of one image, {@code channels*height*width} */
    default int imageLength() {
        return channels() * height() * width();
    }

    /** @return the per-image shape {@code [channels, height, width]} */
    default long[] imageShape() {
        return new long[] {channels(), height(), width()};
    }

    /** @return the total number of images over all classes */
    default long totalImages() {
        long n = 0;
        for (int c = 0; c < numClasses(); c++) {
            n += imagesInClass(c);
        }
        return n;
    }

    /** @return the fewest images of any class */
    default int minImagesPerClass() {
        int min = Integer.MAX_VALUE;
        for (int c = 0; c < numClasses(); c++) {
            min = Math.min(min, imagesInClass(c));
        }
        return min;
    }

    /**
     * Copies all images of one class into a new tensor.
     *
     * @param c class index
     * @param dataType FLOAT or DOUBLE
     * @return a {@code [imagesInClass(c), channels, height, width]} tensor
     * @throws IndexOutOfBoundsException if c is out of range
     * @throws IllegalArgumentException if dataType is not FLOAT or DOUBLE
     */
    default INDArray classImages(int c, DataType dataType) {
        Objects.requireNonNull(dataType, "dataType");
        int n = imagesInClass(c);
        int len = imageLength();
        float[] buf = new float[n * len];
        for (int i = 0; i < n; i++) {
            copyImage(c, i, buf, i * len);
        }
        return Tensors.create(buf, new long[] {n, channels(), height(), width()}, dataType);
    }
}
