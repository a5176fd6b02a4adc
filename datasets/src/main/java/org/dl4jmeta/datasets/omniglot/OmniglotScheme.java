package org.dl4jmeta.datasets.omniglot;

import java.util.List;
import java.util.Locale;

/** The published ways of splitting Omniglot's characters into meta-training and meta-test classes. */
public enum OmniglotScheme {

    /**
     * Vinyals et al. 2016 ("Matching Networks for One Shot Learning"), as distributed with Snell et al.'s
     * Prototypical Networks: 1,028 / 172 / 423 characters, each rotation by 0, 90, 180 and 270 degrees its own
     * class (4,112 / 688 / 1,692 classes); characters of both the background and the evaluation set.
     * Splits {@code train}, {@code val}, {@code test} and {@code trainval} (train followed by val), read from
     * {@code splits/vinyals/<split>.txt}.
     */
    VINYALS("vinyals", List.of("train", "val", "test", "trainval")),

    /**
     * Lake et al. 2015 ("Human-level concept learning through probabilistic program induction"): the 964 characters
     * of {@code images_background} and the 659 of {@code images_evaluation}, no rotations.
     * Splits {@code background} and {@code evaluation}.
     */
    LAKE("lake", List.of("background", "evaluation"));

    private final String id;
    private final List<String> splits;

    OmniglotScheme(String id, List<String> splits) {
        this.id = id;
        this.splits = splits;
    }

    /** @return the scheme's name on the command line, {@code vinyals} or {@code lake} */
    public String id() {
        return id;
    }

    /** @return the scheme's split names, in their conventional order */
    public List<String> splits() {
        return splits;
    }

    /**
     * @param split a split name
     * @throws IllegalArgumentException if the scheme has no such split
     */
    void checkSplit(String split) {
        if (!splits.contains(split)) {
            throw new IllegalArgumentException("Omniglot " + id + " split must be one of " + String.join(", ", splits)
                    + ", got '" + split + "'");
        }
    }

    /**
     * @param id {@code vinyals} or {@code lake}, in any case
     * @return the scheme
     * @throws IllegalArgumentException if id names no scheme
     */
    public static OmniglotScheme fromId(String id) {
        for (OmniglotScheme s : values()) {
            if (s.id.equals(id.toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("Omniglot split scheme must be vinyals or lake, got '" + id + "'");
    }
}
