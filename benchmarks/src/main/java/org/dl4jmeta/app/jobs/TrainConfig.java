package org.dl4jmeta.app.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.dl4jmeta.algorithm.LearnerTypes;
import org.dl4jmeta.datasets.folder.FolderSplit;
import org.dl4jmeta.io.AlgorithmSpec;
import org.dl4jmeta.io.Json;
import org.nd4j.shade.jackson.core.type.TypeReference;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * Everything a {@code train} job needs, immutable and validated: data, episode shape, algorithm and its options,
 * outer optimiser, budget, seed, precision, threads, validation, checkpoints and run folder.
 *
 * <p>Resolved in three layers, later ones winning: the data set's defaults ({@link #defaults}: the papers' settings,
 * Finn et al. 2017 section 5 for Omniglot and Mini-ImageNet), a JSON config file whose keys are these field names,
 * and command-line flags. Unknown keys and ill-typed values are errors naming the key. The record holds no
 * training state.
 *
 * @param dataset omniglot, miniimagenet, folder (a user's {@code <class>/<images>} folder) or synthetic (template
 *     tasks generated in code, for demonstrations)
 * @param dataDir the data set's folder (not used by synthetic)
 * @param trainSplit the meta-training split (Vinyals' train for Omniglot, Ravi's train for Mini-ImageNet)
 * @param valSplit the validation split
 * @param splitScheme how classes are split: omniglot vinyals (default) or lake (Lake et al. 2015: background
 *     alphabets for train and val, evaluation alphabets for test); miniimagenet ravi; folder ratios (seeded
 *     {@code splitRatios}, default) or files ({@code train.txt}, {@code val.txt}, {@code test.txt} in the data
 *     folder); synthetic pools
 * @param episodes uniform (N classes of the split uniformly, default) or within-alphabet (omniglot: all N from
 *     one alphabet, Lake et al.'s protocol)
 * @param imageSize side of the network's square input; folder: any &gt;= 4 (default 84), the others their own
 *     (Omniglot 28, Mini-ImageNet 84, synthetic 12)
 * @param channels the network's input channels; folder: 1 (grey) or 3 (RGB, default), the others their own
 * @param splitRatios folder with ratios: train,val,test fractions of the classes, e.g. 0.64,0.16,0.20
 * @param splitSeed folder with ratios: seed of the class shuffle (fixed apart from the training seed, so that runs of
 *     any seed share their test classes)
 * @param excludeSmallClasses folder: leave out, with a warning naming them, classes with fewer than shots +
 *     queries images instead of refusing them
 * @param ways classes per episode N, &gt;= 2
 * @param shots support examples per class K, &gt;= 1
 * @param queries query examples per class, &gt;= 1
 * @param algorithm a registered learner's id or alias ({@link LearnerTypes#names()}; built in: maml, fomaml,
 *     maml++, reptile, imaml, hfmaml, bimaml, anil, foanil, metasgd, fometasgd)
 * @param innerSteps inner steps in meta-training, &gt;= 1
 * @param testInnerSteps inner steps at validation and test time, &gt;= 1
 * @param innerStepSize inner step size alpha, &gt; 0
 * @param learnedStepSizes maml and fomaml: learn alpha per tensor and step (MAML++, Meta-SGD); a shortcut for
 *     the learner configuration's field (see {@link #SHORTCUTS}), as are the next ten
 * @param perStepBatchNorm maml: MAML++'s per-step batch-norm weights and biases (BNWB)
 * @param multiStepLossEpochs maml: MAML++'s multi-step loss, its weights annealed over this many epochs, &gt;= 0
 *     (0: off)
 * @param epochIterations maml: iterations per epoch of the multi-step loss schedule, &gt;= 1 (MAML++: 500)
 * @param firstOrderIterations maml: MAML++'s derivative-order annealing, first order for this many iterations,
 *     &gt;= 0 (0: off)
 * @param imamlLambda imaml: regularisation lambda, &gt; 0
 * @param imamlSolver imaml: gd or newton-cg
 * @param cgIterations imaml: conjugate-gradient iterations of the meta-gradient, &gt;= 1
 * @param hfDelta hfmaml: finite-difference step, &gt; 0
 * @param bimamlEpsilon0 bimaml: gradient norm that ends phase 1, &gt;= 0
 * @param bimamlEpsilon bimaml: gradient norm that stops phase 2, &gt;= 0
 * @param algorithmConfig fields of the learner's configuration record to set (nested records as objects), over
 *     its defaults for innerSteps and innerStepSize and the shortcuts; how any registered learner, a user's too,
 *     gets its own settings (e.g. {@code {"lambda": 3}} for imaml)
 * @param filters Conv-4 filters per block, &gt;= 1
 * @param blocks Conv-4 blocks, &gt;= 1
 * @param network the network meta-learned: conv4 or resnet12 ({@link NetworkChoice})
 * @param resnetWidths ResNet-12's four block widths, each &gt;= 1 (MetaOptNet's 64, 160, 320, 640)
 * @param metaBatchSize tasks per outer update B, &gt;= 1
 * @param metaLr outer learning rate beta, &gt; 0 (with a cosine schedule, its value at the first iteration)
 * @param metaLrSchedule constant or cosine (MAML++'s cosine annealing of the outer learning rate,
 *     {@code CosineSchedule})
 * @param metaLrMin cosine: the learning rate the schedule falls to, in [0, metaLr] (MAML++: 1e-5)
 * @param metaLrPeriod cosine: the iterations over which it falls, &gt;= 0 (0: {@code iterations} as the run
 *     starts; the schedule is then kept in the checkpoint)
 * @param optimizer adam or sgd
 * @param iterations outer iterations to reach, &gt;= 1
 * @param timeBudgetMinutes training wall time after which the run ends as if its iterations were reached
 *     (validation and checkpoints included, summed over resumes), &gt;= 0 (0: no time limit)
 * @param seed seed of the initial parameters and of the training episode stream
 * @param dataType float or double
 * @param threads workers computing a meta-batch's tasks (and validation episodes), &gt;= 1
 * @param valEvery validate every this many iterations, &gt;= 0 (0: never)
 * @param valEpisodes validation episodes, &gt;= 1
 * @param valSeed seed of the validation episodes (fixed, so every validation sees the same tasks)
 * @param checkpointEvery write a checkpoint every this many iterations, &gt;= 0 (0: only at the end and on a stop)
 * @param logEvery log a progress line every this many iterations when not on a terminal, &gt;= 1
 * @param preAdaptationEvery measure the query loss and accuracy at theta (before adaptation) on iterations
 *     divisible by this, &gt;= 0 (0: never); each measurement costs a forward pass of every task's query set
 * @param runDir the run folder: config, metrics.jsonl, checkpoint.zip, best.zip, model.zip
 * @param divergenceFactor stop as diverged when the smoothed meta-loss grows this many times over its running
 *     minimum, or adaptation raises the query loss this many times ({@code DivergenceCheck}), &gt; 1, or 0 (off)
 * @param divergenceMaxParameter stop as diverged when a meta-parameter's magnitude exceeds this, &gt; 0, or 0 (off)
 * @param testEpisodes after training, evaluate the best model (else the final one) on this many episodes of the test
 *     split with testInnerSteps steps and print the accuracy with its 95% interval, &gt;= 0 (0: no test)
 * @param sparkMaster compute the meta-batches' tasks on Apache Spark with this master URL (local[N], local[N,F],
 *     spark://host:port, yarn, k8s://...), or empty for this process's threads; the parameters are the same
 */
public record TrainConfig(String dataset, String dataDir, String trainSplit, String valSplit, String splitScheme,
                          String episodes, int imageSize, int channels, String splitRatios, long splitSeed,
                          boolean excludeSmallClasses, int ways, int shots, int queries, String algorithm,
                          int innerSteps, int testInnerSteps, double innerStepSize,
                          boolean learnedStepSizes, boolean perStepBatchNorm, int multiStepLossEpochs,
                          int epochIterations, int firstOrderIterations, double imamlLambda, String imamlSolver,
                          int cgIterations, double hfDelta, double bimamlEpsilon0, double bimamlEpsilon,
                          Map<String, Object> algorithmConfig, int filters, int blocks,
                          String network, List<Integer> resnetWidths,
                          int metaBatchSize, double metaLr, String metaLrSchedule, double metaLrMin,
                          int metaLrPeriod, String optimizer, int iterations,
                         double timeBudgetMinutes, long seed,
                          String dataType, int threads, int valEvery, int valEpisodes, long valSeed,
                          int checkpointEvery, int logEvery, int preAdaptationEvery, String runDir,
                          double divergenceFactor, double divergenceMaxParameter, int testEpisodes,
                          String sparkMaster) {

    /** The data sets train knows. */
    public static final List<String> DATASETS = List.of("omniglot", "miniimagenet", "folder", "synthetic");
    /** Episode kinds: every class of the split alike, or all classes of an episode from one alphabet (Omniglot). */
    public static final List<String> EPISODES = List.of("uniform", "within-alphabet");
    /**
     * A train key that sets a field of one learner type's configuration: the flags of earlier releases
     * ({@code --imaml-lambda} ...), kept so that their config.json files and checkpoints still work. It applies when
     * the algorithm is that type (or an alias of it); set to another value than its default for another algorithm
     * it is an error. Any other field, and any user learner's, is set through {@code algorithmConfig}.
     *
     * @param key the train key
     * @param learner the learner type id whose configuration it sets
     * @param field the configuration record's field
     * @param values the field's value for each train value, or empty to pass the value on unchanged
     */
    record Shortcut(String key, String learner, String field, Map<String, Object> values) {
    }

    /** The train keys that are shortcuts for learner configuration fields. */
    static final List<Shortcut> SHORTCUTS = List.of(
            new Shortcut("learnedStepSizes", "maml", "learnInnerStepSizes", Map.of()),
            new Shortcut("perStepBatchNorm", "maml", "perStepBatchNorm", Map.of()),
            new Shortcut("multiStepLossEpochs", "maml", "multiStepLossEpochs", Map.of()),
            new Shortcut("epochIterations", "maml", "epochIterations", Map.of()),
            new Shortcut("firstOrderIterations", "maml", "firstOrderIterations", Map.of()),
            new Shortcut("imamlLambda", "imaml", "lambda", Map.of()),
            new Shortcut("imamlSolver", "imaml", "solver", Map.of("gd", "GRADIENT_DESCENT",
                    "newton-cg", "NEWTON_CG")),
            new Shortcut("cgIterations", "imaml", "cgIterations", Map.of()),
            new Shortcut("hfDelta", "hfmaml", "delta", Map.of()),
            new Shortcut("bimamlEpsilon0", "bimaml", "epsilon0", Map.of()),
            new Shortcut("bimamlEpsilon", "bimaml", "epsilon", Map.of()));
    /**
     * Keys a resumed run may change: they do not affect the parameters (threads give identical sums), only the
     * budget, the bookkeeping and where the data are.
     */
    public static final Set<String> RESUMABLE = Set.of("iterations", "timeBudgetMinutes", "threads", "dataDir", "valEvery",
            "valEpisodes", "checkpointEvery", "logEvery", "preAdaptationEvery", "runDir", "divergenceFactor",
            "divergenceMaxParameter", "testEpisodes", "sparkMaster");
    /**
     * Keys a resumed run may change on purpose although they change the parameters from then on (the remedy for a
     * divergence): each change is recorded with its iteration in later checkpoints, summary.json and provenance.
     */
    public static final Set<String> RESUMABLE_RECORDED = Set.of("metaLr", "innerStepSize");
    /**
     * Keys added after the first release, with the value that reproduces what runs made before them did: a
     * checkpoint or model saved without one reads as that value.
     */
    private static final Map<String, Object> ADDED_LATER = Map.ofEntries(Map.entry("preAdaptationEvery", 1),
            Map.entry("algorithmConfig", Map.of()), Map.entry("divergenceFactor", 0.0),
            Map.entry("divergenceMaxParameter", 0.0), Map.entry("testEpisodes", 0), Map.entry("sparkMaster", ""),
            Map.entry("perStepBatchNorm", false), Map.entry("multiStepLossEpochs", 0),
            Map.entry("epochIterations", 500), Map.entry("firstOrderIterations", 0),
            Map.entry("metaLrSchedule", "constant"), Map.entry("metaLrMin", 1e-5), Map.entry("metaLrPeriod", 0),
            Map.entry("network", "conv4"), Map.entry("resnetWidths", List.of(64, 160, 320, 640)),
            Map.entry("episodes", "uniform"), Map.entry("splitRatios", "0.64,0.16,0.20"), Map.entry("splitSeed", 1L),
            Map.entry("excludeSmallClasses", false));
    /** Keys added later whose value for earlier runs is the data set's default (see {@link #defaults}). */
    private static final List<String> ADDED_LATER_PER_DATASET = List.of("splitScheme", "imageSize", "channels");

    /**
     * Validates every field.
     *
     * @throws IllegalArgumentException naming the first bad value and the accepted ones
     */
    public TrainConfig {
        oneOf("dataset", dataset, DATASETS);
        if (!dataset.equals("synthetic") && (dataDir == null || dataDir.isBlank())) {
            throw new IllegalArgumentException("dataDir (--data-dir) is required for dataset " + dataset
                    + ", e.g. ../shared/datasets/" + dataset);
        }
        require(trainSplit != null && !trainSplit.isBlank(), "trainSplit must be a split name, got " + trainSplit);
        require(valSplit != null && !valSplit.isBlank(), "valSplit must be a split name, got " + valSplit);
        oneOf("splitScheme", splitScheme, schemes(dataset));
        oneOf("episodes", episodes, EPISODES);
        require(episodes.equals("uniform") || dataset.equals("omniglot"), "episodes within-alphabet needs Omniglot's "
                + "alphabets (dataset omniglot), got dataset " + dataset + "; use uniform episodes");
        if (dataset.equals("folder")) {
            require(imageSize >= 4, "imageSize must be >= 4, got " + imageSize);
            require(channels == 1 || channels == 3, "channels must be 1 (grey) or 3 (RGB), got " + channels);
        } else {
            int size = ((Number) defaults(dataset).get("imageSize")).intValue();
            int ch = ((Number) defaults(dataset).get("channels")).intValue();
            require(imageSize == size && channels == ch, "dataset " + dataset + " has " + ch + "-channel " + size
                    + "x" + size + " images, got imageSize " + imageSize + " and channels " + channels
                    + "; --image-size and --channels choose the input of --dataset folder");
        }
        require(splitRatios != null, "splitRatios must be train,val,test fractions, got null");
        FolderSplit.parseRatios(splitRatios, splitSeed);
        require(ways >= 2, "ways must be >= 2, got " + ways);
        require(shots >= 1, "shots must be >= 1, got " + shots);
        require(queries >= 1, "queries must be >= 1, got " + queries);
        require(algorithm != null && LearnerTypes.names().contains(algorithm), "algorithm must be one of "
                + String.join(", ", LearnerTypes.names()) + " (the registered learners), got '" + algorithm + "'");
        require(innerSteps >= 1, "innerSteps must be >= 1, got " + innerSteps);
        require(testInnerSteps >= 1, "testInnerSteps must be >= 1, got " + testInnerSteps);
        positive("innerStepSize", innerStepSize);
        require(multiStepLossEpochs >= 0, "multiStepLossEpochs must be >= 0 (0: off), got " + multiStepLossEpochs);
        require(epochIterations >= 1, "epochIterations must be >= 1, got " + epochIterations);
        require(firstOrderIterations >= 0, "firstOrderIterations must be >= 0 (0: off), got "
                + firstOrderIterations);
        positive("imamlLambda", imamlLambda);
        oneOf("imamlSolver", imamlSolver, List.of("gd", "newton-cg"));
        require(cgIterations >= 1, "cgIterations must be >= 1, got " + cgIterations);
        positive("hfDelta", hfDelta);
        require(bimamlEpsilon0 >= 0 && Double.isFinite(bimamlEpsilon0),
                "bimamlEpsilon0 must be >= 0 and finite, got " + bimamlEpsilon0);
        require(bimamlEpsilon >= 0 && Double.isFinite(bimamlEpsilon),
                "bimamlEpsilon must be >= 0 and finite, got " + bimamlEpsilon);
        algorithmConfig = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(
                algorithmConfig == null ? Map.of() : algorithmConfig));
        require(filters >= 1, "filters must be >= 1, got " + filters);
        require(blocks >= 1, "blocks must be >= 1, got " + blocks);
        resnetWidths = resnetWidths == null ? null : java.util.Collections.unmodifiableList(
                new ArrayList<>(resnetWidths));
        NetworkChoice.of(network, resnetWidths);
        require(metaBatchSize >= 1, "metaBatchSize must be >= 1, got " + metaBatchSize);
        positive("metaLr", metaLr);
        oneOf("metaLrSchedule", metaLrSchedule, List.of("constant", "cosine"));
        // the floor only matters to the cosine schedule (a constant rate below the default floor is fine)
        require(metaLrMin >= 0 && (metaLrMin <= metaLr || !metaLrSchedule.equals("cosine")),
                "metaLrMin must be in [0, metaLr " + metaLr + "] with the cosine schedule, got " + metaLrMin);
        require(metaLrPeriod >= 0, "metaLrPeriod must be >= 0 (0: the run's iterations), got " + metaLrPeriod);
        oneOf("optimizer", optimizer, List.of("adam", "sgd"));
        require(iterations >= 1, "iterations must be >= 1, got " + iterations);
        require(timeBudgetMinutes >= 0 && Double.isFinite(timeBudgetMinutes),
                "timeBudgetMinutes must be >= 0 and finite (0: no time limit), got " + timeBudgetMinutes);
        oneOf("dataType", dataType, List.of("float", "double"));
        require(threads >= 1, "threads must be >= 1, got " + threads);
        require(valEvery >= 0, "valEvery must be >= 0 (0: no validation), got " + valEvery);
        require(valEpisodes >= 1, "valEpisodes must be >= 1, got " + valEpisodes);
        require(checkpointEvery >= 0, "checkpointEvery must be >= 0 (0: at the end only), got " + checkpointEvery);
        require(logEvery >= 1, "logEvery must be >= 1, got " + logEvery);
        require(preAdaptationEvery >= 0, "preAdaptationEvery must be >= 0 (0: never, 1: every iteration), got "
                + preAdaptationEvery);
        require(runDir != null && !runDir.isBlank(), "runDir (--run-dir) must be a folder, got " + runDir);
        require(divergenceFactor == 0 || (divergenceFactor > 1 && Double.isFinite(divergenceFactor)),
                "divergenceFactor must be > 1 and finite, or 0 (off), got " + divergenceFactor);
        require(divergenceMaxParameter >= 0 && !Double.isNaN(divergenceMaxParameter),
                "divergenceMaxParameter must be > 0, or 0 (off), got " + divergenceMaxParameter);
        require(testEpisodes >= 0, "testEpisodes must be >= 0 (0: no test), got " + testEpisodes);
        require(sparkMaster != null && (sparkMaster.isEmpty()
                        || sparkMaster.matches("local(\\[\\d+(,\\d+)?]|\\[\\*(,\\d+)?])?|local-cluster\\[.+]|yarn"
                        + "|(spark|k8s|mesos)://.+")),
                "sparkMaster must be a Spark master URL (local[N], local[N,F], spark://host:port, yarn, k8s://...) "
                        + "or empty (no Spark), got '" + sparkMaster + "'");
        AlgorithmSpec.configure(algorithm, innerSteps, innerStepSize, learnerOverrides(algorithm,
                shortcutValues(learnedStepSizes, perStepBatchNorm, multiStepLossEpochs, epochIterations,
                        firstOrderIterations, imamlLambda, imamlSolver, cgIterations, hfDelta, bimamlEpsilon0,
                        bimamlEpsilon), algorithmConfig));
    }

    private static Map<String, Object> shortcutValues(boolean learnedStepSizes, boolean perStepBatchNorm,
                                                      int multiStepLossEpochs, int epochIterations,
                                                      int firstOrderIterations, double imamlLambda, String imamlSolver,
                                                      int cgIterations, double hfDelta, double bimamlEpsilon0,
                                                      double bimamlEpsilon) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("learnedStepSizes", learnedStepSizes);
        m.put("perStepBatchNorm", perStepBatchNorm);
        m.put("multiStepLossEpochs", multiStepLossEpochs);
        m.put("epochIterations", epochIterations);
        m.put("firstOrderIterations", firstOrderIterations);
        m.put("imamlLambda", imamlLambda);
        m.put("imamlSolver", imamlSolver);
        m.put("cgIterations", cgIterations);
        m.put("hfDelta", hfDelta);
        m.put("bimamlEpsilon0", bimamlEpsilon0);
        m.put("bimamlEpsilon", bimamlEpsilon);
        return m;
    }

    /**
     * The configuration fields this run sets on its learner: the shortcuts that target its type (except those left
     * at their default where the algorithm's alias presets the field, e.g. maml++'s learned step sizes), then
     * algorithmConfig.
     */
    private static Map<String, Object> learnerOverrides(String algorithm, Map<String, Object> shortcutValues,
                                                        Map<String, Object> algorithmConfig) {
        LearnerTypes.Named named = LearnerTypes.named(algorithm);
        String type = named.type().id();
        Map<String, Object> defaults = defaults("synthetic");
        Map<String, Object> m = new LinkedHashMap<>();
        for (Shortcut s : SHORTCUTS) {
            Object v = shortcutValues.get(s.key());
            if (s.learner().equals(type) && named.preset().containsKey(s.field())
                    && v.equals(defaults.get(s.key()))) {
                continue;
            }
            if (s.learner().equals(type)) {
                m.put(s.field(), s.values().isEmpty() ? v : s.values().get(v));
            } else if (!v.equals(defaults.get(s.key()))) {
                throw new IllegalArgumentException(s.key() + " sets " + s.learner() + "'s " + s.field()
                        + ", but algorithm is " + algorithm + " (got " + s.key() + " " + v + "; leave it at "
                        + defaults.get(s.key()) + ", or use algorithmConfig for " + algorithm + "'s own settings)");
            }
        }
        m.putAll(algorithmConfig);
        return m;
    }

    /**
     * @return the learner this configuration trains, as data: its type, and its configuration from innerSteps,
     *     innerStepSize, the shortcuts and algorithmConfig
     */
    public AlgorithmSpec algorithmSpec() {
        return AlgorithmSpec.configure(algorithm, innerSteps, innerStepSize, learnerOverrides(algorithm,
                shortcutValues(learnedStepSizes, perStepBatchNorm, multiStepLossEpochs, epochIterations,
                        firstOrderIterations, imamlLambda, imamlSolver, cgIterations, hfDelta, bimamlEpsilon0,
                        bimamlEpsilon), algorithmConfig));
    }

    /**
     * @param dataset a data set
     * @return its split schemes, the default first
     */
    static List<String> schemes(String dataset) {
        return switch (dataset) {
            case "omniglot" -> List.of("vinyals", "lake");
            case "miniimagenet" -> List.of("ravi");
            case "folder" -> List.of("ratios", "files");
            default -> List.of("pools");
        };
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    private static void positive(String name, double v) {
        require(v > 0 && Double.isFinite(v), name + " must be > 0 and finite, got " + v);
    }

    private static void oneOf(String name, String v, List<String> allowed) {
        require(v != null && allowed.contains(v), name + " must be one of " + String.join(", ", allowed)
                + ", got '" + v + "'");
    }

    /**
     * The defaults of a data set: Finn et al. 2017 (section 5.2 and their code) for Omniglot 5-way (1 inner step of
     * 0.4, 3 at test, meta-batch 32, Adam 1e-3, 60,000 iterations) and Mini-ImageNet (5 steps of 0.01, 10 at test,
     * meta-batch 4, 32 filters), 15 queries per class; a folder data set takes Mini-ImageNet's (84x84 RGB by
     * default); a tiny network for synthetic tasks.
     *
     * @param dataset omniglot, miniimagenet, folder or synthetic
     * @return name to default value, every field present
     * @throws IllegalArgumentException if the data set is unknown
     */
    public static Map<String, Object> defaults(String dataset) {
        oneOf("dataset", dataset, DATASETS);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dataset", dataset);
        m.put("dataDir", null);
        m.put("trainSplit", "train");
        m.put("valSplit", "val");
        m.put("splitScheme", schemes(dataset).get(0));
        m.put("episodes", "uniform");
        m.put("imageSize", switch (dataset) {
            case "omniglot" -> 28;
            case "synthetic" -> 12;
            default -> 84;
        });
        m.put("channels", dataset.equals("omniglot") || dataset.equals("synthetic") ? 1 : 3);
        m.put("splitRatios", "0.64,0.16,0.20");
        m.put("splitSeed", 1L);
        m.put("excludeSmallClasses", false);
        m.put("ways", 5);
        m.put("shots", 1);
        m.put("queries", 15);
        m.put("algorithm", "maml");
        // a folder data set of 84x84 RGB images takes Mini-ImageNet's recipe
        boolean mini = dataset.equals("miniimagenet") || dataset.equals("folder");
        m.put("innerSteps", mini ? 5 : 1);
        m.put("testInnerSteps", mini ? 10 : 3);
        m.put("innerStepSize", mini ? 0.01 : 0.4);
        m.put("learnedStepSizes", false);
        m.put("perStepBatchNorm", false);
        m.put("multiStepLossEpochs", 0);
        m.put("epochIterations", 500);
        m.put("firstOrderIterations", 0);
        m.put("imamlLambda", 2.0);
        m.put("imamlSolver", "gd");
        m.put("cgIterations", 5);
        m.put("hfDelta", 1e-3);
        m.put("bimamlEpsilon0", 0.0);
        m.put("bimamlEpsilon", 0.0);
        m.put("algorithmConfig", Map.of());
        m.put("filters", switch (dataset) {
            case "omniglot" -> 64;
            case "miniimagenet", "folder" -> 32;
            default -> 8;
        });
        m.put("blocks", dataset.equals("synthetic") ? 2 : 4);
        m.put("network", "conv4");
        m.put("resnetWidths", org.dl4jmeta.model.ResNet12.WIDTHS);
        m.put("metaBatchSize", mini ? 4 : 32);
        m.put("metaLr", 1e-3);
        m.put("metaLrSchedule", "constant");
        m.put("metaLrMin", 1e-5);
        m.put("metaLrPeriod", 0);
        m.put("optimizer", "adam");
        m.put("iterations", 60_000);
        m.put("timeBudgetMinutes", 0.0);
        m.put("seed", 1L);
        m.put("dataType", "float");
        // one worker per core: on 2 cores, 2 task-parallel workers ran first-order MAML about 2x faster per task
        // than 1 worker (bench --threads 1,2 and 2,1; second order was too noisy to rank); the result is
        // bit-identical for any worker count
        m.put("threads", Runtime.getRuntime().availableProcessors());
        m.put("valEvery", 500);
        m.put("valEpisodes", 100);
        m.put("valSeed", 1L);
        m.put("checkpointEvery", 500);
        m.put("logEvery", 50);
        // the accuracy before adaptation costs a query forward pass per task that training does not need (about a
        // quarter of a first-order MAML task); measured with the default log line's iterations
        m.put("preAdaptationEvery", 50);
        m.put("runDir", null);
        m.put("divergenceFactor", 10.0);
        m.put("divergenceMaxParameter", 1e5);
        m.put("testEpisodes", 0);
        m.put("sparkMaster", "");
        return m;
    }

    /** @return the field names, in order */
    public static List<String> keys() {
        return new ArrayList<>(defaults("synthetic").keySet());
    }

    /**
     * Resolves a configuration from layers of overrides.
     *
     * @param layers JSON objects applied in order over the data set's defaults, each named for messages
     *     (e.g. "config.json", "command line"); the data set is the last layer's that names one, else omniglot
     * @return the validated configuration; a missing runDir becomes {@code runs/<dataset>-<ways>way-<shots>shot-<algorithm>-seed<seed>}
     * @throws IllegalArgumentException if a layer has an unknown key or an ill-typed value (named), or a value is
     *     invalid
     */
    public static TrainConfig resolve(List<Map.Entry<String, ObjectNode>> layers) {
        String dataset = "omniglot";
        for (Map.Entry<String, ObjectNode> l : layers) {
            JsonNode d = l.getValue().get("dataset");
            if (d != null && !d.isNull()) {
                dataset = d.asText().toLowerCase(Locale.ROOT);
            }
        }
        ObjectNode merged = Json.mapper().valueToTree(defaults(dataset));
        for (Map.Entry<String, ObjectNode> l : layers) {
            for (Iterator<Map.Entry<String, JsonNode>> it = l.getValue().fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (!merged.has(f.getKey())) {
                    throw new IllegalArgumentException(l.getKey() + ": unknown key '" + f.getKey() + "'; known keys: "
                            + String.join(", ", keys()));
                }
                if (f.getKey().equals("algorithmConfig") && f.getValue().isObject()
                        && merged.get("algorithmConfig").isObject()) {
                    // later layers set single fields of the learner's configuration
                    ((ObjectNode) merged.get("algorithmConfig")).setAll((ObjectNode) f.getValue());
                    continue;
                }
                merged.set(f.getKey(), f.getValue());
            }
        }
        merged.put("dataset", dataset);
        if (merged.get("runDir").isNull()) {
            merged.put("runDir", "runs/" + dataset + "-" + merged.get("ways").asInt() + "way-"
                    + merged.get("shots").asInt() + "shot-" + merged.get("algorithm").asText() + "-seed"
                    + merged.get("seed").asLong());
        }
        return fromTree(merged, layers.isEmpty() ? "configuration" : layers.get(layers.size() - 1).getKey());
    }

    private static TrainConfig fromTree(ObjectNode tree, String source) {
        for (String k : keys()) {
            JsonNode v = tree.get(k);
            if (v == null || (v.isNull() && !k.equals("dataDir"))) {
                throw new IllegalArgumentException(source + ": '" + k + "' is missing");
            }
            Object def = defaults("synthetic").get(k);
            boolean ok = def == null ? v.isNull() || v.isTextual()
                    : def instanceof String ? v.isTextual()
                    : def instanceof Boolean ? v.isBoolean()
                    : def instanceof Double ? v.isNumber()
                    : def instanceof Map ? v.isObject()
                    : def instanceof List ? v.isArray()
                    : v.isIntegralNumber() || (v.isNumber() && v.asDouble() == Math.rint(v.asDouble()));
            if (!ok) {
                String want = def == null || def instanceof String ? "a string" : def instanceof Boolean ? "true or false"
                        : def instanceof Double ? "a number" : def instanceof Map ? "a JSON object"
                        : def instanceof List ? "a JSON array" : "an integer";
                throw new IllegalArgumentException(source + ": '" + k + "' must be " + want + ", got " + v);
            }
        }
        try {
            return Json.mapper().treeToValue(tree, TrainConfig.class);
        } catch (IOException e) {
            Throwable r = e;
            while (r.getCause() != null && r.getCause() != r) {
                r = r.getCause();
            }
            if (r instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalArgumentException(source + ": " + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    /**
     * @param map a configuration as saved in a model file's config.json
     * @return the configuration
     * @throws IllegalArgumentException if it is not a complete, valid train configuration
     */
    public static TrainConfig fromMap(Map<String, Object> map) {
        ObjectNode tree = Json.mapper().valueToTree(map);
        ADDED_LATER.forEach((k, v) -> {
            if (!tree.has(k)) {
                tree.set(k, Json.mapper().valueToTree(v));
            }
        });
        JsonNode ds = tree.get("dataset");
        if (ds != null && ds.isTextual() && DATASETS.contains(ds.asText())) {
            Map<String, Object> own = defaults(ds.asText());
            for (String k : ADDED_LATER_PER_DATASET) {
                if (!tree.has(k)) {
                    tree.set(k, Json.mapper().valueToTree(own.get(k)));
                }
            }
        }
        return fromTree(tree, "the checkpoint's config.json");
    }

    /**
     * @param file a JSON object of configuration keys
     * @return the object
     * @throws IllegalArgumentException if the file cannot be read or is not a JSON object (file named)
     */
    public static ObjectNode readFile(Path file) {
        try {
            return Json.parseObject(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("config file " + file + " is not a readable JSON object: "
                    + e.getMessage(), e);
        }
    }

    /** @return this configuration as name to value, in field order (what model files store) */
    public Map<String, Object> toMap() {
        return Json.mapper().convertValue(this, new TypeReference<LinkedHashMap<String, Object>>() { });
    }

    /** @return the run folder */
    public Path runPath() {
        return Path.of(runDir);
    }

    /** @return whether parameters and episodes are in double precision */
    public boolean doublePrecision() {
        return dataType.equals("double");
    }
}
