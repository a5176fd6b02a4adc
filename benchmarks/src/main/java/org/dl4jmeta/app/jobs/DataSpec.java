package org.dl4jmeta.app.jobs;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.dl4jmeta.datasets.folder.FolderConfig;
import org.dl4jmeta.datasets.folder.FolderSplit;

/**
 * Which data a job's episodes come from, as a job's configuration records it: the data set and its folder, the
 * split scheme, the episode kind and, for folder data sets, the image shape, split ratios and small-class policy.
 * What {@code train} records in {@code config.json}, what {@code eval} reads back from a model and overrides by its
 * flags, and what each Spark executor rebuilds the episode stream from.
 *
 * @param dataset omniglot, miniimagenet, folder or synthetic
 * @param dataDir the data set's folder, or null for synthetic
 * @param splitScheme vinyals or lake (omniglot), ravi (miniimagenet), ratios or files (folder), pools (synthetic)
 * @param episodes uniform or within-alphabet
 * @param imageSize side of the network's square input
 * @param channels the network's input channels
 * @param splitRatios folder with ratios: train,val,test fractions
 * @param splitSeed folder with ratios: the class shuffle's seed
 * @param excludeSmallClasses folder: leave out classes with fewer than shots + queries images (with a warning)
 */
public record DataSpec(String dataset, String dataDir, String splitScheme, String episodes, int imageSize, int channels,
                       String splitRatios, long splitSeed, boolean excludeSmallClasses) implements Serializable {

    private static final long serialVersionUID = 1L;

    /**
     * Validates the choice of scheme and episodes for the data set.
     *
     * @throws IllegalArgumentException naming the bad value and the accepted ones
     */
    public DataSpec {
        if (!TrainConfig.DATASETS.contains(dataset)) {
            throw new IllegalArgumentException("dataset must be one of " + String.join(", ", TrainConfig.DATASETS)
                    + ", got '" + dataset + "'");
        }
        if (!TrainConfig.schemes(dataset).contains(splitScheme)) {
            throw new IllegalArgumentException("split scheme of " + dataset + " must be one of "
                    + String.join(", ", TrainConfig.schemes(dataset)) + ", got '" + splitScheme + "'");
        }
        if (!TrainConfig.EPISODES.contains(episodes)) {
            throw new IllegalArgumentException("episodes must be one of " + String.join(", ", TrainConfig.EPISODES)
                    + ", got '" + episodes + "'");
        }
        if (episodes.equals("within-alphabet") && !dataset.equals("omniglot")) {
            throw new IllegalArgumentException("episodes within-alphabet needs Omniglot's alphabets (dataset "
                    + "omniglot), got dataset " + dataset + "; use uniform episodes");
        }
    }

    /**
     * @param c a train configuration
     * @return its data
     */
    public static DataSpec of(TrainConfig c) {
        return new DataSpec(c.dataset(), c.dataDir(), c.splitScheme(), c.episodes(), c.imageSize(), c.channels(),
                c.splitRatios(), c.splitSeed(), c.excludeSmallClasses());
    }

    /**
     * The data a model was trained on, from its saved configuration (runs made before a key existed read as that
     * key's default for the data set), with a job's overrides.
     *
     * @param modelConfig the model file's configuration (may lack the newer keys)
     * @param dataset the data set to use instead, or null
     * @param dataDir the folder to use instead, or null
     * @param scheme the split scheme to use instead, or null
     * @param episodeKind the episode kind to use instead, or null
     * @return the data spec
     * @throws IllegalArgumentException if the model records no data set and none is given, or a value is invalid
     */
    public static DataSpec forModel(Map<String, Object> modelConfig, String dataset, Path dataDir, String scheme,
                                    String episodeKind) {
        Object recorded = modelConfig.get("dataset");
        String ds = dataset != null ? dataset.toLowerCase(Locale.ROOT) : recorded == null ? null
                : recorded.toString();
        if (ds == null) {
            throw new IllegalArgumentException("the model does not record its dataset; give --dataset");
        }
        // a data set other than the model's starts from that data set's defaults, except for the input shape
        boolean same = ds.equals(recorded);
        Map<String, Object> d = TrainConfig.defaults(ds);
        String dir = dataDir != null ? dataDir.toString() : same && modelConfig.get("dataDir") != null
                ? modelConfig.get("dataDir").toString() : null;
        return new DataSpec(ds, dir, scheme != null ? scheme : pick(modelConfig, d, "splitScheme", same),
                episodeKind != null ? episodeKind : pick(modelConfig, d, "episodes", same),
                ((Number) pickObject(modelConfig, d, "imageSize", true)).intValue(),
                ((Number) pickObject(modelConfig, d, "channels", true)).intValue(),
                pick(modelConfig, d, "splitRatios", same), ((Number) pickObject(modelConfig, d, "splitSeed", same))
                .longValue(), Boolean.TRUE.equals(pickObject(modelConfig, d, "excludeSmallClasses", same)));
    }

    private static String pick(Map<String, Object> model, Map<String, Object> defaults, String key, boolean same) {
        return pickObject(model, defaults, key, same).toString();
    }

    private static Object pickObject(Map<String, Object> model, Map<String, Object> defaults, String key,
                                     boolean same) {
        Object v = same ? model.get(key) : null;
        return v != null ? v : defaults.get(key);
    }

    /** @return the data folder, or null */
    public Path dataPath() {
        return dataDir == null ? null : Path.of(dataDir);
    }

    /** @return the per-example input [channels, imageSize, imageSize] */
    public long[] inputShape() {
        return new long[] {channels, imageSize, imageSize};
    }

    /**
     * @return the folder data set's configuration (cache in the data folder)
     * @throws IllegalStateException if this is not a folder data set
     */
    public FolderConfig folderConfig() {
        if (!dataset.equals("folder")) {
            throw new IllegalStateException("not a folder data set: " + dataset);
        }
        FolderConfig f = FolderConfig.of(dataPath(), imageSize, channels);
        return f.withSplit(splitScheme.equals("files") ? FolderSplit.files(null)
                : FolderSplit.parseRatios(splitRatios, splitSeed));
    }

    /**
     * @return the data's description for file names and messages, e.g. {@code omniglot}, {@code omniglot-lake},
     *     {@code omniglot-lake-within-alphabet}, {@code folder}: the data set, then the scheme and episode kind
     *     where they are not the defaults
     */
    public String tag() {
        String t = dataset;
        if (!splitScheme.equals(TrainConfig.schemes(dataset).get(0))) {
            t += "-" + splitScheme;
        }
        if (!episodes.equals("uniform")) {
            t += "-" + episodes;
        }
        return t;
    }
}
