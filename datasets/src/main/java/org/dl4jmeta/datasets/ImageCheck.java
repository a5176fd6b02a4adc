package org.dl4jmeta.datasets;

import java.util.List;
import java.util.Objects;

/**
 * The result of decoding every image of a data set ({@code data-info --verify}): how many image files were decoded
 * and the error of each that failed, naming its file.
 *
 * @param images image files decoded
 * @param problems one message per bad image (corrupt, truncated, wrong size, too large), naming the file
 */
public record ImageCheck(long images, List<String> problems) {

    /**
     * Validates and freezes the list.
     *
     * @throws IllegalArgumentException if images is negative or fewer than the problems
     */
    public ImageCheck {
        Objects.requireNonNull(problems, "problems");
        problems = List.copyOf(problems);
        if (images < problems.size()) {
            throw new IllegalArgumentException("images must be >= the " + problems.size() + " problems, got "
                    + images);
        }
    }

    /** @return whether every image decoded */
    public boolean ok() {
        return problems.isEmpty();
    }
}
