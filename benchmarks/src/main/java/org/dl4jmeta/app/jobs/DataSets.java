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
import org.dl4jmeta.datasets.episode.SamplerConfig;
import org.dl4jmeta.datasets.miniimagenet.MiniImageNet;
import org.dl4jmeta.datasets.miniimagenet.MiniImageNetConfig;
import org.dl4jmeta.datasets.omniglot.Omniglot;
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

    /**
     * @param dataset omniglot, miniimagenet or synthetic
     * @return the per-example input shape of its episodes
     */
    static long[] inputShape(String dataset) {
        return switch (dataset) {
            case "omniglot" -> new long[] {1, Omniglot.IMAGE_SIZE, Omniglot.IMAGE_SIZE};
            case "miniimagenet" -> new long[] {3, MiniImageNetConfig.DEFAULT_IMAGE_SIZE,
                MiniImageNetConfig.DEFAULT_IMAGE_SIZE};
            case "synthetic" -> SYNTHETIC_INPUT.clone();
            default -> throw new IllegalArgumentException("dataset must be one of omniglot, miniimagenet, synthetic, "
                    + "got '" + dataset + "'");
        };
    }

    /**
     * The network of a configuration ({@link NetworkChoice}): the Conv-4 of its data set (Finn et al. 2017:
     * stride-2 convolutions and average pooling on Omniglot and the synthetic tasks, max-pooling on Mini-ImageNet)
     * or ResNet-12 on the data set's input.
     *
     * @param c the configuration (data set, network, filters, blocks, ResNet-12 widths, ways)
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
        return target(c.dataset(), c.ways(), c.filters(), c.blocks());
    }

    /**
     * @param dataset the data set (its input shape and Conv-4 down-sampling)
     * @param ways N
     * @param filters Conv-4 filters per block
     * @param blocks Conv-4 blocks
     * @return what a network choice needs to build the data set's network
     */
    static NetworkChoice.Target target(String dataset, int ways, int filters, int blocks) {
        Conv4.Downsampling d = dataset.equals("miniimagenet") ? Conv4.Downsampling.MAX_POOL
                : Conv4.Downsampling.STRIDE;
        return new NetworkChoice.Target(inputShape(dataset), ways, filters, blocks, d);
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
     * @param dataset omniglot (Vinyals split), miniimagenet (Ravi split) or synthetic
     * @param dataDir the data set's folder (ignored for synthetic)
     * @param split the split, e.g. train, val, test
     * @param ways N
     * @param shots K
     * @param queries queries per class
     * @param seed the seed
     * @param dt FLOAT or DOUBLE
     * @return the source
     * @throws IOException if the data cannot be read (the datasets module names the file and the fix)
     */
    static EpisodeSource episodes(String dataset, Path dataDir, String split, int ways, int shots, int queries,
                                  long seed, DataType dt) throws IOException {
        SamplerConfig sc = SamplerConfig.of(ways, shots, queries, seed).withDataType(dt);
        return switch (dataset) {
            case "omniglot" -> new EpisodeSampler(Omniglot.at(dataDir).load(OmniglotScheme.VINYALS, split), sc);
            case "miniimagenet" -> new EpisodeSampler(MiniImageNet.load(MiniImageNetConfig.of(dataDir, split)), sc);
            case "synthetic" -> SyntheticTasks.templateTasks(SYNTHETIC_INPUT, syntheticPool(split), 20, 48, ways,
                    shots, queries, 1.0, dt, seed);
            default -> throw new IllegalArgumentException("dataset must be one of omniglot, miniimagenet, synthetic, "
                    + "got '" + dataset + "'");
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
     * folder still compares equal): Omniglot's image zips and Vinyals split files, Mini-ImageNet's split CSVs (its
     * images are the user's own copy, noted but not checksummed).
     *
     * @param dataset the data set
     * @param dataDir its folder
     * @param splits the splits read
     * @return relative path to SHA-256 or a note
     * @throws IOException if a file cannot be read
     */
    static Map<String, String> checksums(String dataset, Path dataDir, List<String> splits) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        List<String> files = new ArrayList<>();
        switch (dataset) {
            case "omniglot" -> {
                for (String set : List.of(Omniglot.BACKGROUND, Omniglot.EVALUATION)) {
                    files.add(Files.isDirectory(dataDir.resolve(set)) ? set : set + ".zip");
                }
                for (String s : splits) {
                    files.add("splits/vinyals/" + s + ".txt");
                }
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
