package org.dl4jmeta.datasets.folder;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How the classes of a folder data set are split into {@code train}, {@code val} and {@code test} (whole classes,
 * never images of one class, so that meta-testing sees classes meta-training never saw).
 *
 * <ul>
 *   <li>{@link Kind#FILES}: split files {@code train.txt}, {@code val.txt}, {@code test.txt} in a folder, one class
 *       folder name per line (blank lines and lines starting with {@code #} are skipped); a class folder in no file
 *       is not used. An unknown class, a class listed twice or in two files, a missing or empty file is an error
 *       naming the file, the line and the value.</li>
 *   <li>{@link Kind#RATIOS}: the class folders in name order, shuffled by a Fisher-Yates shuffle seeded with
 *       {@code seed} ({@code SplittableRandom(seed)}); the first {@code n - round(val n) - round(test n)} classes
 *       are train, the next {@code round(val n)} val, the rest test. Deterministic for a given set of class names
 *       and seed; adding or removing a class reshuffles, so use split files for a split that must not move.</li>
 * </ul>
 *
 * @param kind FILES or RATIOS
 * @param dir FILES: the folder of the split files (null: the data folder itself); RATIOS: null
 * @param ratios RATIOS: the train, val and test fractions, each &gt; 0, summing to 1; FILES: empty
 * @param seed RATIOS: the shuffle's seed; FILES: 0
 */
public record FolderSplit(Kind kind, Path dir, List<Double> ratios, long seed) {

    /** The split names, in order. */
    public static final List<String> SPLITS = List.of("train", "val", "test");

    /** The default ratios: 64% / 16% / 20% of the classes, as Mini-ImageNet's 64 / 16 / 20 classes. */
    public static final List<Double> DEFAULT_RATIOS = List.of(0.64, 0.16, 0.20);

    /** Where the split comes from. */
    public enum Kind {
        /** split files, one class per line */
        FILES,
        /** seeded ratios */
        RATIOS
    }

    /**
     * Validates the split.
     *
     * @throws IllegalArgumentException if ratios are not three positive finite numbers summing to 1 (within 1e-6),
     *     or fields of the other kind are set
     */
    public FolderSplit {
        Objects.requireNonNull(kind, "kind");
        ratios = List.copyOf(ratios);
        if (kind == Kind.RATIOS) {
            if (ratios.size() != 3) {
                throw new IllegalArgumentException("split ratios must be three numbers train,val,test, e.g. "
                        + "0.64,0.16,0.20, got " + ratios);
            }
            double sum = 0;
            for (double r : ratios) {
                if (!(r > 0) || !Double.isFinite(r)) {
                    throw new IllegalArgumentException("split ratios must each be > 0 (every split needs classes), "
                            + "got " + ratios);
                }
                sum += r;
            }
            if (Math.abs(sum - 1) > 1e-6) {
                throw new IllegalArgumentException("split ratios must sum to 1, got " + ratios + " (sum " + sum
                        + ")");
            }
            if (dir != null) {
                throw new IllegalArgumentException("a ratio split has no split-file folder, got " + dir);
            }
        } else if (!ratios.isEmpty() || seed != 0) {
            throw new IllegalArgumentException("a split from files has no ratios or seed, got " + ratios + " and "
                    + seed);
        }
    }

    /**
     * @param dir the folder holding {@code train.txt}, {@code val.txt}, {@code test.txt}; null for the data folder
     * @return the split from files
     */
    public static FolderSplit files(Path dir) {
        return new FolderSplit(Kind.FILES, dir, List.of(), 0);
    }

    /**
     * @param train fraction of classes for meta-training
     * @param val fraction for validation
     * @param test fraction for meta-testing
     * @param seed the shuffle's seed
     * @return the seeded ratio split
     * @throws IllegalArgumentException as for the constructor
     */
    public static FolderSplit ratios(double train, double val, double test, long seed) {
        return new FolderSplit(Kind.RATIOS, null, List.of(train, val, test), seed);
    }

    /**
     * @param text {@code train,val,test} fractions, e.g. {@code 0.64,0.16,0.20}
     * @param seed the shuffle's seed
     * @return the seeded ratio split
     * @throws IllegalArgumentException if text is not three comma-separated numbers, or as for the constructor
     */
    public static FolderSplit parseRatios(String text, long seed) {
        String[] parts = text.split(",", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("split ratios must be three numbers train,val,test, e.g. "
                    + "0.64,0.16,0.20, got '" + text + "'");
        }
        double[] r = new double[3];
        for (int i = 0; i < 3; i++) {
            try {
                r[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("split ratios must be three numbers train,val,test, e.g. "
                        + "0.64,0.16,0.20, got '" + text + "' ('" + parts[i].trim() + "' is not a number)", e);
            }
        }
        return ratios(r[0], r[1], r[2], seed);
    }

    /**
     * @param split a split name
     * @return the split name
     * @throws IllegalArgumentException if it is not train, val or test
     */
    public static String checkSplit(String split) {
        if (split == null || !SPLITS.contains(split.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("folder data set split must be one of train, val, test, got '"
                    + split + "'");
        }
        return split.toLowerCase(Locale.ROOT);
    }

    /** @return a short description, e.g. {@code ratios 0.64,0.16,0.2 seed 1} or {@code files in <dir>} */
    @Override
    public String toString() {
        return kind == Kind.RATIOS ? "ratios " + ratios.get(0) + "," + ratios.get(1) + "," + ratios.get(2)
                + " seed " + seed : "files in " + (dir == null ? "the data folder" : dir);
    }
}
