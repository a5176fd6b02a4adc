package org.dl4jmeta.datasets;

import java.util.Objects;

/**
 * How many classes and images one split of a data set on disk has, e.g. {@code split=train classes=4112
 * images=82240} for Omniglot's Vinyals training split.
 *
 * @param split the split's name
 * @param classes its number of classes
 * @param images its number of images (for Omniglot rotation classes: each rotated image counts)
 */
public record SplitSummary(String split, int classes, long images) {

    /**
     * Validates the counts.
     *
     * @throws IllegalArgumentException if a count is negative
     */
    public SplitSummary {
        Objects.requireNonNull(split, "split");
        if (classes < 0 || images < 0) {
            throw new IllegalArgumentException("counts must be >= 0, got classes=" + classes + " images=" + images);
        }
    }

    /** @return the line printed by {@code data-info}: {@code split=NAME classes=N images=M} */
    @Override
    public String toString() {
        return "split=" + split + " classes=" + classes + " images=" + images;
    }
}
