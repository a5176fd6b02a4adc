package org.dl4jmeta.datasets.folder;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Images read by an {@link ImageFolderReader} as one tensor, with where each row came from.
 *
 * @param files the image files, in row order
 * @param labels the class index of each row in {@link #classes} (-1 for every row of an unlabelled folder)
 * @param classes the class names, the sorted subfolder names (empty for an unlabelled folder)
 * @param x the images {@code [n, channels, height, width]} in the reader's data type
 */
public record LabelledImages(List<Path> files, int[] labels, List<String> classes, INDArray x) {

    /**
     * @throws IllegalArgumentException if the rows, files and labels disagree in number, or a label is outside
     *     the classes
     */
    public LabelledImages {
        files = List.copyOf(files);
        classes = List.copyOf(classes);
        labels = labels.clone();
        Objects.requireNonNull(x, "x");
        if (files.size() != labels.length || x.size(0) != labels.length) {
            throw new IllegalArgumentException(files.size() + " files, " + labels.length + " labels and "
                    + x.size(0) + " image rows must agree");
        }
        for (int l : labels) {
            if (l < -1 || l >= classes.size() || (l == -1) != classes.isEmpty()) {
                throw new IllegalArgumentException("label " + l + " does not fit the classes " + classes);
            }
        }
    }

    /** @return a copy of the labels */
    @Override
    public int[] labels() {
        return labels.clone();
    }

    /** @return the number of images */
    public int size() {
        return labels.length;
    }
}
