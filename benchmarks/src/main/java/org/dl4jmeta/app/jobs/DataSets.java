package org.dl4jmeta.app.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.datasets.episode.EpisodeSampler;
import org.dl4jmeta.datasets.folder.FolderDataset;
import org.dl4jmeta.datasets.folder.FolderImages;
import org.dl4jmeta.datasets.folder.FolderSplit;
import org.dl4jmeta.datasets.episode.SamplerConfig;
import org.dl4jmeta.datasets.miniimagenet.MiniImageNet;
import org.dl4jmeta.datasets.miniimagenet.MiniImageNetConfig;
import org.dl4jmeta.datasets.omniglot.Omniglot;
import org.dl4jmeta.datasets.omniglot.OmniglotImages;
import org.dl4jmeta.datasets.omniglot.OmniglotScheme;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.optim.CosineSchedule;
import org.dl4jmeta.provenance.Sha256;
import org.dl4jmeta.task.EpisodeSource;
import org.dl4jmeta.task.SyntheticTasks;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Wires a job's configuration to the library and the datasets module: the episode stream of a split, the network
 * of a data set, the meta-learner and outer optimiser of a configuration, and the checksums of the data
 * files a job reads.
 */
final class DataSets {

    /** Per-example input of the synthetic template tasks. */
    static final long[] SYNTHETIC_INPUT = {1, 12, 12};

    private DataSets() {
    }

    /** Folder images above this side get Mini-ImageNet's max-pooling Conv-4, smaller ones Omniglot's strides. */
    static final int STRIDE_UP_TO = 32;

    /**
     * The network of a configuration ({@link NetworkChoice}): the Conv-4 of its data set (Finn et al. 2017:
     * stride-2 convolutions and average pooling on Omniglot and the synthetic tasks, max-pooling on Mini-ImageNet; a
     * folder data set as Omniglot for images up to {@value #STRIDE_UP_TO} pixels, as Mini-ImageNet above), ResNet-12
     * or a DL4J file, on the data set's input {@code [channels, imageSize, imageSize]}.
     *
     * @param c the configuration (data set, input shape, network, filters, blocks, ResNet-12 widths, ways)
     * @return the network
     */
    static Network network(TrainConfig c) {
        return NetworkChoice.of(c.network(), c.resnetWidths()).build(target(c));
    }

    /**
     * @param c a configuration
     * @return what its network choice needs: the data set's input, the ways and the Conv-4 settings
     */
    static NetworkChoice.Target target(TrainConfig c) {
        return new NetworkChoice.Target(DataSpec.of(c).inputShape(), c.ways(), c.filters(), c.blocks(),
                downsampling(c.dataset(), c.imageSize()));
    }

    /**
     * @param dataset the data set
     * @param imageSize its images' width
     * @return the Conv-4 down-sampling of the data set: max-pooling on Mini-ImageNet and folders of images wider than
     *     {@value #STRIDE_UP_TO} pixels, stride-2 convolutions otherwise
     */
    static Conv4.Downsampling downsampling(String dataset, int imageSize) {
        boolean maxPool = dataset.equals("miniimagenet") || (dataset.equals("folder") && imageSize > STRIDE_UP_TO);
        return maxPool ? Conv4.Downsampling.MAX_POOL : Conv4.Downsampling.STRIDE;
    }

    /**
     * @param c the configuration
     * @param network the network
     * @return a fresh meta-learner (one per thread), built through the learner registry from the configuration's
     *     algorithm, inner-loop settings, shortcuts and algorithmConfig
     */
    static MetaLearner learner(TrainConfig c, Network network) {
        return c.algorithmSpec().create(network);
    }

    /**
     * @param c the configuration
     * @return ND4J's updater for the outer loop, with MAML++'s cosine schedule of its learning rate for
     *     {@code metaLrSchedule cosine}
     */
    static IUpdater updater(TrainConfig c) {
        if (c.metaLrSchedule().equals("cosine")) {
            CosineSchedule s = new CosineSchedule(c.metaLr(), c.metaLrMin(), c.metaLrPeriod() > 0 ? c.metaLrPeriod()
                    : c.iterations());
            return c.optimizer().equals("sgd") ? new Sgd(s) : new Adam(s);
        }
        return c.optimizer().equals("sgd") ? new Sgd(c.metaLr()) : new Adam(c.metaLr());
    }

    /**
     * @param doublePrecision whether to use DOUBLE
     * @return DOUBLE or FLOAT
     */
    static DataType dataType(boolean doublePrecision) {
        return doublePrecision ? DataType.DOUBLE : DataType.FLOAT;
    }

    /**
     * The episode stream of one split: episode i is a pure function of (seed, split, i).
     *
     * @param data the data set, folder, split scheme, episode kind and (folder) image shape
     * @param split the split, e.g. train, val, test
     * @param ways N
     * @param shots K
     * @param queries queries per class
     * @param seed the seed
     * @param dt FLOAT or DOUBLE
     * @return the source
     * @throws IOException if the data cannot be read (the datasets module names the file and the fix)
     * @throws IllegalArgumentException if the episodes cannot be drawn (e.g. no alphabet with N characters)
     */
    static EpisodeSource episodes(DataSpec data, String split, int ways, int shots, int queries, long seed,
                                  DataType dt) throws IOException {
        SamplerConfig sc = SamplerConfig.of(ways, shots, queries, seed).withDataType(dt);
        Path dataDir = data.dataPath();
        return switch (data.dataset()) {
            case "omniglot" -> {
                OmniglotImages images = Omniglot.at(dataDir).load(OmniglotScheme.fromId(data.splitScheme()), split);
                yield data.episodes().equals("within-alphabet")
                        ? EpisodeSampler.withinGroups(images, sc, images::alphabet) : new EpisodeSampler(images, sc);
            }
            case "miniimagenet" -> new EpisodeSampler(MiniImageNet.load(MiniImageNetConfig.of(dataDir, split)), sc);
            case "folder" -> {
                FolderImages images = FolderDataset.open(data.folderConfig()).load(split, shots + queries,
                        data.excludeSmallClasses());
                if (!images.excluded().isEmpty()) {
                    // also on standard error: the user asked for it, but the classes are gone from every episode
                    System.err.println("warning: folder data set " + dataDir + ", split " + split + ": excluded "
                            + images.excluded().size() + " classes with fewer than " + (shots + queries)
                            + " images (shots + queries): " + images.excluded());
                }
                yield new EpisodeSampler(images, sc);
            }
            case "synthetic" -> SyntheticTasks.templateTasks(SYNTHETIC_INPUT, syntheticPool(split), 20, 48, ways,
                    shots, queries, 1.0, dt, seed);
            default -> throw new IllegalArgumentException("dataset must be one of "
                    + String.join(", ", TrainConfig.DATASETS) + ", got '" + data.dataset() + "'");
        };
    }

    /** Synthetic splits draw their class templates from disjoint pools. */
    private static long syntheticPool(String split) {
        return switch (split) {
            case "train" -> 1;
            case "val" -> 2;
            case "test" -> 3;
            default -> throw new IllegalArgumentException("synthetic split must be train, val or test, got '" + split
                    + "'");
        };
    }

    /**
     * SHA-256 of the data files a job reads, keyed by their path relative to the data folder (so a moved data
     * folder still compares equal): Omniglot's image zips and Vinyals split files (Lake's split has none: it is
     * the two zips), Mini-ImageNet's split CSVs (its images are the user's own copy, noted but not checksummed), a
     * folder data set's split files (its images are noted, with the split's rule, not checksummed).
     *
     * @param data the data set, its folder and split scheme
     * @param splits the splits read
     * @return relative path to SHA-256 or a note
     * @throws IOException if a file cannot be read
     */
    static Map<String, String> checksums(DataSpec data, List<String> splits) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        List<String> files = new ArrayList<>();
        Path dataDir = data.dataPath();
        switch (data.dataset()) {
            case "omniglot" -> {
                for (String set : List.of(Omniglot.BACKGROUND, Omniglot.EVALUATION)) {
                    files.add(Files.isDirectory(dataDir.resolve(set)) ? set : set + ".zip");
                }
                if (data.splitScheme().equals("vinyals")) {
                    for (String s : splits) {
                        files.add("splits/vinyals/" + s + ".txt");
                    }
                }
            }
            case "folder" -> {
                if (data.splitScheme().equals("files")) {
                    for (String s : FolderSplit.SPLITS) {
                        files.add(s + ".txt");
                    }
                } else {
                    m.put("split", "ratios " + data.splitRatios() + " seed " + data.splitSeed());
                }
                m.put("images", "the user's folder (not checksummed; its cache is keyed by file sizes and times)");
            }
            case "miniimagenet" -> {
                for (String s : splits) {
                    files.add(Files.isRegularFile(dataDir.resolve("splits/ravi/" + s + ".csv"))
                            ? "splits/ravi/" + s + ".csv" : s + ".csv");
                }
                m.put("images", "the user's copy of Mini-ImageNet (not checksummed)");
            }
            default -> {
                m.put("synthetic", "generated in code (SyntheticTasks.templateTasks)");
                return m;
            }
        }
        for (String f : files) {
            Path p = dataDir.resolve(f);
            m.put(f, Files.isRegularFile(p) ? Sha256.of(p) : Files.isDirectory(p) ? "folder (not checksummed)"
                    : "missing");
        }
        return m;
    }
}
