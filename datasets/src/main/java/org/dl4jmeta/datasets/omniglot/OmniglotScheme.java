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
    VINYALS("vinyals", List.of("train", "val", "test", "trainval"), List.of()),

    /**
     * Lake et al. 2015 ("Human-level concept learning through probabilistic program induction"): the 30 alphabets
     * (964 characters) of {@code images_background} for meta-training and the 20 alphabets (659 characters) of
     * {@code images_evaluation} for meta-testing, no rotations. Validation is held out of the background set by
     * whole alphabets, {@link Omniglot#LAKE_VALIDATION_ALPHABETS} (every sixth background alphabet in name order:
     * 5 alphabets, 158 characters), so no alphabet is in two splits. Splits {@code train} (the other 25 background
     * alphabets, 806 characters), {@code val}, {@code test} (the evaluation set); {@code background} and
     * {@code evaluation} load the two whole sets.
     */
    LAKE("lake", List.of("train", "val", "test"), List.of("background", "evaluation"));

    private final String id;
    private final List<String> splits;
    private final List<String> wholeSets;

    OmniglotScheme(String id, List<String> splits, List<String> wholeSets) {
        this.id = id;
        this.splits = splits;
        this.wholeSets = wholeSets;
    }

    /** @return the scheme's name on the command line, {@code vinyals} or {@code lake} */
    public String id() {
        return id;
    }

    /** @return the scheme's split names, in their conventional order (what {@code data-info} counts) */
    public List<String> splits() {
        return splits;
    }

    /**
     * @return every name {@link Omniglot#load} accepts for this scheme: the splits, then (Lake) the whole
     *     {@code background} and {@code evaluation} sets
     */
    public List<String> loadableSplits() {
        List<String> all = new java.util.ArrayList<>(splits);
        all.addAll(wholeSets);
        return List.copyOf(all);
    }

    /**
     * @param split a split name
     * @throws IllegalArgumentException if the scheme has no such split
     */
    void checkSplit(String split) {
        if (!splits.contains(split) && !wholeSets.contains(split)) {
            throw new IllegalArgumentException("Omniglot " + id + " split must be one of "
                    + String.join(", ", loadableSplits()) + ", got '" + split + "'");
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
