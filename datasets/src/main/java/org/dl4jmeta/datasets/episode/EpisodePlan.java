package org.dl4jmeta.datasets.episode;

import java.util.Arrays;

/**
 * Which images make up one episode: for each label {@code j} in {@code [0, ways)}, the class it stands for and the
 * indices (within that class) of its support and query images. Support and query images of a label are disjoint.
 *
 * @param classes {@code classes[j]} is the class index in the {@link ClassImageSet} that label j stands for
 * @param support {@code support[j]} are the image indices of label j's K support images
 * @param query {@code query[j]} are the image indices of label j's Q query images
 */
public record EpisodePlan(int[] classes, int[][] support, int[][] query) {

    /**
     * Copies the arrays so that the plan is immutable.
     *
     * @throws IllegalArgumentException if the three arrays disagree in length
     */
    public EpisodePlan {
        if (support.length != classes.length || query.length != classes.length) {
            throw new IllegalArgumentException("plan needs one support and one query row per class ("
                    + classes.length + "), got " + support.length + " and " + query.length);
        }
        classes = classes.clone();
        support = deepCopy(support);
        query = deepCopy(query);
    }

    private static int[][] deepCopy(int[][] a) {
        int[][] c = new int[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    /** @return a copy of the class of each label */
    @Override
    public int[] classes() {
        return classes.clone();
    }

    /** @return a copy of the support image indices of each label */
    @Override
    public int[][] support() {
        return deepCopy(support);
    }

    /** @return a copy of the query image indices of each label */
    @Override
    public int[][] query() {
        return deepCopy(query);
    }

    /** @return N, the number of labels */
    public int ways() {
        return classes.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EpisodePlan p && Arrays.equals(classes, p.classes)
                && Arrays.deepEquals(support, p.support) && Arrays.deepEquals(query, p.query);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(classes) + Arrays.deepHashCode(support)) + Arrays.deepHashCode(query);
    }

    @Override
    public String toString() {
        return "EpisodePlan[classes=" + Arrays.toString(classes) + ", support=" + Arrays.deepToString(support)
                + ", query=" + Arrays.deepToString(query) + "]";
    }
}
