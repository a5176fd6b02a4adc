package org.dl4jmeta.datasets;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.dl4jmeta.datasets.folder.FolderConfig;
import org.dl4jmeta.datasets.folder.FolderDataset;
import org.dl4jmeta.datasets.miniimagenet.MiniImageNet;
import org.dl4jmeta.datasets.omniglot.Omniglot;
import org.dl4jmeta.datasets.omniglot.OmniglotScheme;

/**
 * The summary behind the {@code data-info} command: per split of a data set on disk, its classes and images,
 * counted from the split files and the file listings without decoding images (fast, and it checks that every listed
 * image is present); {@link #verify} also decodes every image.
 */
public final class DataInfo {

    private DataInfo() {
    }

    /**
     * Summarises a data set's splits.
     *
     * @param dataset {@code omniglot} or {@code miniimagenet} (any case)
     * @param dataDir the data set's folder
     * @param scheme the split scheme: {@code vinyals} (default) or {@code lake} for Omniglot, {@code ravi} (default)
     *     for Mini-ImageNet; null for the default
     * @return one summary per split, e.g. {@code split=train classes=4112 images=82240}
     * @throws IllegalArgumentException if the data set or scheme is unknown, or the scheme does not fit the data set
     * @throws DatasetException if the data are missing or malformed; the message names the file and the fix
     * @throws IOException if reading fails otherwise
     */
    public static List<SplitSummary> describe(String dataset, Path dataDir, String scheme) throws IOException {
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(dataDir, "dataDir");
        switch (dataset.toLowerCase(Locale.ROOT)) {
            case "omniglot" -> {
                OmniglotScheme s = scheme == null ? OmniglotScheme.VINYALS : OmniglotScheme.fromId(scheme);
                return Omniglot.at(dataDir).describe(s);
            }
            case "miniimagenet" -> {
                if (scheme != null && !scheme.equalsIgnoreCase("ravi")) {
                    throw new IllegalArgumentException("Mini-ImageNet split scheme must be ravi, got '" + scheme
                            + "'");
                }
                return MiniImageNet.describe(dataDir);
            }
            default -> throw new IllegalArgumentException("dataset must be omniglot or miniimagenet, got '" + dataset
                    + "'");
        }
    }

    /**
     * Summarises a folder data set's train, val and test splits (classes and images from the listing, no decoding).
     *
     * @param config the folder and its split
     * @return one summary per split: train, val, test
     * @throws DatasetException if the folder or a split file is bad (named, with the fix)
     * @throws IOException if listing fails otherwise
     */
    public static List<SplitSummary> describe(FolderConfig config) throws IOException {
        return FolderDataset.open(config).describe();
    }

    /**
     * Decodes every image of a folder data set's splits and reports each that fails, by file.
     *
     * @param config the folder, its split and the image shape
     * @return the images decoded and the problems found
     * @throws DatasetException if the folder or a split file is bad
     * @throws IOException if reading fails otherwise
     */
    public static ImageCheck verify(FolderConfig config) throws IOException {
        return FolderDataset.open(config).verifyImages();
    }

    /**
     * Decodes every image of a data set's splits (Omniglot: every drawing of both image sets, folders or zips;
     * Mini-ImageNet: every image of the train, val and test CSVs) and reports each that fails, by file.
     *
     * @param dataset {@code omniglot} or {@code miniimagenet} (any case)
     * @param dataDir the data set's folder
     * @param scheme as for {@link #describe}
     * @return the images decoded and the problems found
     * @throws IllegalArgumentException if the data set or scheme is unknown, or the scheme does not fit the data set
     * @throws DatasetException if the layout or a split file is bad (as for {@link #describe})
     * @throws IOException if reading fails otherwise
     */
    public static ImageCheck verify(String dataset, Path dataDir, String scheme) throws IOException {
        describe(dataset, dataDir, scheme);
        if (dataset.toLowerCase(Locale.ROOT).equals("omniglot")) {
            return Omniglot.at(dataDir).verifyImages();
        }
        return MiniImageNet.verifyImages(dataDir);
    }
}
