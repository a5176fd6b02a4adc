package org.dl4jmeta.app.jobs;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.eval.BatchNormMode;
import org.dl4jmeta.eval.EpisodeEvaluator;
import org.dl4jmeta.eval.EpisodeOutcome;
import org.dl4jmeta.eval.EvaluationResult;
import org.dl4jmeta.io.AtomicFiles;
import org.dl4jmeta.io.Json;
import org.dl4jmeta.io.OutputFiles;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.provenance.Provenance;
import org.dl4jmeta.task.EpisodeSource;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code eval}: the few-shot protocol of the papers (Finn et al. 2017, section 5.2; 600 test episodes): adapt the
 * meta-model on each test episode's support set with K inner steps, score its query set, report the mean accuracy
 * and its 95% confidence interval 1.96 s / sqrt(n). Test episodes depend only on (seed, split, index), so two
 * models evaluated with the same seed see identical tasks. {@code --batch-norm support} predicts the queries with
 * batch norm statistics of the support set at the adapted parameters instead of the query batch's
 * ({@link BatchNormMode}); the mode is recorded in the results file.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Adapts a meta-model on each of N seeded test episodes and prints, last, "
                + "accuracy=<mean> ci95=<half-width> episodes=<n>.",
            "Per-episode results, with provenance, go to --out (default: beside the model)."})
public final class EvalCommand implements Callable<Integer> {

    /** Values of --split that name a split scheme rather than a split. */
    static final List<String> SCHEMES = List.of("vinyals", "lake", "ravi", "ratios", "files", "pools");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "FILE|pretrained:NAME",
            description = "a model file (model.zip, best.zip, checkpoint.zip) or pretrained:omniglot-5way-1shot")
    String model;

    @Option(names = "--dataset", paramLabel = "omniglot|miniimagenet|folder|synthetic",
            description = "Default: the model's training data set")
    String dataset;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Default: the model's training data folder")
    Path dataDir;

    @Option(names = "--split", split = ",", defaultValue = "test", paramLabel = "SPLIT|SCHEME",
            description = "the split (test, val, train, ...), a split scheme (omniglot: vinyals, lake; folder: "
                    + "ratios, files) whose test split is used, or both, e.g. lake,val. Default: test of the "
                    + "model's scheme")
    List<String> split;

    @Option(names = "--episodes", split = ",", defaultValue = "600", paramLabel = "N|KIND",
            description = "the number of test episodes, the episode kind (uniform, or within-alphabet: all N "
                    + "classes of an episode from one Omniglot alphabet), or both, e.g. within-alphabet,600. "
                    + "Default: 600 of the model's kind")
    List<String> episodes;

    @Option(names = "--exclude-small-classes", negatable = true, description = "folder data sets: leave out (with "
            + "a warning naming them) classes with fewer than shots + queries images. Default: as the model was "
            + "trained")
    Boolean excludeSmallClasses;

    @Option(names = "--inner-steps", description = "adaptation steps. Default: the model's test inner steps")
    Integer innerSteps;

    @Option(names = "--ways", description = "Default: the model's (must equal its outputs)")
    Integer ways;

    @Option(names = "--shots", description = "Default: the model's training shots")
    Integer shots;

    @Option(names = "--queries", description = "Default: the model's training queries")
    Integer queries;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the test episodes. Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--threads", description = "workers adapting episodes (the result does not depend on it). "
            + "Default: the number of cores")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--out", paramLabel = "FILE", description = "per-episode results (JSON). Default: beside the model")
    Path out;

    @Option(names = "--overwrite", description = "replace the results file if it exists (never the model or a data "
            + "file)")
    boolean overwrite;

    @Option(names = "--batch-norm", paramLabel = "transductive|support", defaultValue = "transductive",
            description = "where batch norm takes its statistics when the queries are predicted: transductive (the "
                    + "query batch's, as the papers) or support (the support set's at the adapted parameters, each "
                    + "query predicted on its own). Default: ${DEFAULT-VALUE}")
    String batchNorm;

    @Option(names = "--network", paramLabel = "conv4|resnet12|FILE", description = "check that the model file holds "
            + "this network (at its recorded data set, ways and sizes); the model's own network is evaluated")
    String network;

    @Option(names = "--resnet-widths", paramLabel = "W1,W2,W3,W4", split = ",", description = "with --network "
            + "resnet12: the widths to check. Default: the model's recorded ones, else 64,160,320,640")
    List<Integer> resnetWidths;

    @Option(names = "--dl4j-stats", description = "also print DL4J's Evaluation statistics (confusion matrix "
            + "over label positions) to standard error")
    boolean dl4jStats;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        String splitName = null;
        String scheme = null;
        for (String v : split) {
            boolean isScheme = SCHEMES.contains(v.toLowerCase(Locale.ROOT));
            if ((isScheme ? scheme : splitName) != null) {
                throw new IllegalArgumentException("--split takes at most one split and one split scheme, got "
                        + String.join(",", split));
            }
            if (isScheme) {
                scheme = v.toLowerCase(Locale.ROOT);
            } else {
                splitName = v;
            }
        }
        splitName = splitName == null ? "test" : splitName;
        Integer count = null;
        String kind = null;
        for (String v : episodes) {
            boolean number = v.matches("-?\\d+");
            if ((number ? count : kind) != null) {
                throw new IllegalArgumentException("--episodes takes at most one count and one kind (uniform, "
                        + "within-alphabet), got " + String.join(",", episodes));
            }
            if (number) {
                count = Integer.valueOf(v);
            } else {
                kind = v.toLowerCase(Locale.ROOT);
            }
        }
        int episodeCount = count == null ? 600 : count;
        if (episodeCount < 1) {
            throw new IllegalArgumentException("--episodes must be >= 1, got " + episodeCount);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        }
        BatchNormMode mode = BatchNormMode.parse(batchNorm);
        if (network != null) {
            NetworkChoice.of(network, resnetWidths); // a bad value is refused before the model is read
        }
        ModelRef ref = ModelRef.load(model);
        SavedModel m = ref.model();
        if (m.kind() == SavedModel.Kind.ADAPTED) {
            throw new IllegalArgumentException(model + " is an adapted model (classes " + m.classNames()
                    + "); eval measures meta-models: give model.zip, best.zip or a checkpoint");
        }
        MetaLearner first = m.createLearner();
        int outputs = (int) first.network().outputs();
        DataSpec data = DataSpec.forModel(ref.model().config(), dataset, dataDir, scheme, kind);
        if (excludeSmallClasses != null) {
            data = new DataSpec(data.dataset(), data.dataDir(), data.splitScheme(), data.episodes(), data.imageSize(),
                    data.channels(), data.splitRatios(), data.splitSeed(), excludeSmallClasses);
        }
        String ds = data.dataset();
        if (network != null) {
            requireNetwork(ref, first, outputs);
        }
        if (!ds.equals("synthetic") && data.dataDir() == null) {
            string(ref, "dataDir", "--data-dir");
        }
        Path dir = data.dataPath();
        int n = ways != null ? ways : outputs;
        if (n != outputs) {
            throw new IllegalArgumentException("the model is " + outputs + "-way (its head has " + outputs
                    + " outputs); --ways must be " + outputs + ", got " + n);
        }
        int k = shots != null ? shots : integer(ref, "shots", "--shots");
        int q = queries != null ? queries : integer(ref, "queries", "--queries");
        int steps = innerSteps != null ? innerSteps
                : ref.config("testInnerSteps") instanceof Number v ? v.intValue() : first.innerSteps();
        ParamSet theta = m.parameters();
        DataType dt = theta.dataType();
        // the results file is checked before the data are loaded and the episodes adapted
        Map<String, String> dataSums = DataSets.checksums(data, List.of(splitName));
        Path file = out != null ? out : ref.sibling(".eval-" + data.tag() + "-" + splitName + "-seed" + seed
                + (mode == BatchNormMode.TRANSDUCTIVE ? "" : "-bn-" + mode.id()) + ".json");
        requireWritable(file, ref, dir, dataSums);
        EpisodeSource test = DataSets.episodes(data, splitName, n, k, q, seed, dt);
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("model", model);
        cfg.put("dataset", ds);
        cfg.put("dataDir", dir == null ? null : dir.toString());
        cfg.put("split", splitName);
        cfg.put("splitScheme", data.splitScheme());
        cfg.put("episodeKind", data.episodes());
        if (ds.equals("folder")) {
            cfg.put("imageSize", data.imageSize());
            cfg.put("channels", data.channels());
            cfg.put("splitRatios", data.splitRatios());
            cfg.put("splitSeed", data.splitSeed());
            cfg.put("excludeSmallClasses", data.excludeSmallClasses());
        }
        cfg.put("ways", n);
        cfg.put("shots", k);
        cfg.put("queries", q);
        cfg.put("innerSteps", steps);
        cfg.put("episodes", episodeCount);
        cfg.put("seed", seed);
        cfg.put("threads", threads);
        cfg.put("batchNorm", mode.id());
        if (network != null) {
            cfg.put("network", network);
        }
        Provenance prov = Provenance.capture(dt, seed, cfg, dataSums);
        List<EpisodeOutcome> outcomes;
        try (EpisodeEvaluator ev = new EpisodeEvaluator(m::createLearner, threads)) {
            outcomes = ev.outcomes(theta, test, episodeCount, steps, mode);
        }
        EvaluationResult r = EvaluationResult.of(outcomes);
        List<Map<String, Object>> per = new ArrayList<>();
        for (EpisodeOutcome o : outcomes) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("episode", o.episode());
            e.put("accuracy", o.accuracy());
            e.put("loss", o.loss());
            per.add(e);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("accuracy", r.mean());
        result.put("ci95", r.ci95());
        result.put("episodes", r.episodes());
        result.put("batchNorm", mode.id());
        result.put("config", cfg);
        result.put("provenance", prov.finished());
        result.put("modelProvenance", m.provenance());
        result.put("perEpisode", per);
        requireWritable(file, ref, dir, dataSums);
        AtomicFiles.writeString(file, Json.write(result));
        if (dl4jStats) {
            System.err.println(EvaluationResult.toEvaluation(outcomes).stats());
        }
        stdout.println("results=" + file);
        stdout.println("batch_norm=" + mode.id());
        stdout.println(String.format(Locale.ROOT, "accuracy=%.4f ci95=%.4f episodes=%d", r.mean(), r.ci95(),
                r.episodes()));
        stdout.flush();
        return 0;
    }

    /**
     * With {@code --network}: the model's network must be the one the choice builds at the model's input, ways and
     * recorded Conv-4 sizes (a model without them: its data set's defaults).
     */
    private void requireNetwork(ModelRef ref, MetaLearner learner, int outputs) {
        String recordedSet = ref.config("dataset") == null ? "omniglot" : ref.config("dataset").toString();
        Map<String, Object> d = TrainConfig.defaults(TrainConfig.DATASETS.contains(recordedSet) ? recordedSet
                : "omniglot");
        int filters = ref.config("filters") instanceof Number v ? v.intValue() : (Integer) d.get("filters");
        int blocks = ref.config("blocks") instanceof Number v ? v.intValue() : (Integer) d.get("blocks");
        List<Integer> widths = resnetWidths;
        if (widths == null && ref.config("resnetWidths") instanceof List<?> l) {
            widths = l.stream().map(o -> ((Number) o).intValue()).toList();
        }
        NetworkChoice c = NetworkChoice.of(network, widths);
        long[] input = learner.network().inputShape();
        c.requireSame(learner.network(), new NetworkChoice.Target(input, outputs, filters, blocks,
                DataSets.downsampling(recordedSet, (int) input[input.length - 1])), "model " + ref.name());
    }

    /** Refuses a results file that exists (unless --overwrite), is the model or a data file, or is a model file. */
    private void requireWritable(Path file, ModelRef ref, Path dir, Map<String, String> dataSums) throws IOException {
        List<Path> inputs = new ArrayList<>();
        inputs.add(ref.file());
        if (dir != null) {
            inputs.add(dir);
            dataSums.keySet().forEach(f -> inputs.add(dir.resolve(f)));
        }
        OutputFiles.requireWritable(file, overwrite, inputs.toArray(Path[]::new));
        OutputFiles.requireNotModelFile(file, "eval's JSON results");
    }

    private static String string(ModelRef ref, String key, String flag) {
        Object v = ref.config(key);
        if (v == null) {
            throw new IllegalArgumentException(ref.name() + " does not record its " + key + "; give " + flag);
        }
        return v.toString();
    }

    private static int integer(ModelRef ref, String key, String flag) {
        if (ref.config(key) instanceof Number v) {
            return v.intValue();
        }
        throw new IllegalArgumentException(ref.name() + " does not record its " + key + "; give " + flag);
    }
}
