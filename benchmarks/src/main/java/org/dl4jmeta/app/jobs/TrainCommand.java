package org.dl4jmeta.app.jobs;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.dl4jmeta.io.Json;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.train.RunFolder;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code train}: meta-trains a Conv-4 on Omniglot, Mini-ImageNet or synthetic tasks with any of the library's
 * algorithms, from flags and/or a JSON config file (flags win), into a run folder; {@code --resume} continues a run
 * from its checkpoint and reproduces the uninterrupted run exactly.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Meta-trains a model: progress bar on a terminal (log lines otherwise), metrics.jsonl, "
                + "best.zip by validation accuracy, checkpoint.zip every --checkpoint-every iterations and on "
                + "Ctrl-C/SIGTERM, model.zip at the end.",
            "Settings come from the data set's defaults, then --config FILE (JSON, keys as in config.json), then the "
                + "flags. --resume continues the run in --run-dir exactly where its checkpoint left off.",
            "A run folder is locked while a run uses it; one holding an earlier run's files is refused unless "
                + "--resume or --overwrite is given.",
            "Exit codes: 0 done, 1 a loss became NaN or infinite or training diverged (the last good checkpoint is "
                + "kept; resume it with a lower --meta-lr or --inner-step-size), 2 bad input, 130 stopped early by "
                + "Ctrl-C, 143 by SIGTERM (128 + the signal's number, as shells report it; resume either)."})
public final class TrainCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "JSON object of settings (see config.json of a run)")
    Path configFile;

    @Option(names = "--resume", description = "continue the run in --run-dir from its checkpoint.zip")
    boolean resume;

    @Option(names = "--overwrite", description = "replace the results of an earlier run in --run-dir (its config, "
            + "metrics, checkpoint, best and final model, summary, provenance and test result are deleted first)")
    boolean overwrite;

    @Option(names = "--dataset", paramLabel = "omniglot|miniimagenet|folder|synthetic",
            description = "folder: your own images, DIR/<class>/<images>. Default: omniglot")
    String dataset;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "the data set's folder, e.g. ../shared/datasets/omniglot")
    Path dataDir;

    @Option(names = "--train-split", description = "Default: train")
    String trainSplit;

    @Option(names = "--val-split", description = "Default: val")
    String valSplit;

    @Option(names = "--split", paramLabel = "SCHEME", description = "how classes are split: omniglot vinyals or lake "
            + "(Lake et al. 2015: train and val from the 30 background alphabets, val held out by whole alphabets; "
            + "test the 20 evaluation alphabets); folder ratios (--split-ratios) or files (train.txt, val.txt, "
            + "test.txt in --data-dir, one class folder per line). Default: vinyals, ratios")
    String splitScheme;

    @Option(names = "--episodes", paramLabel = "uniform|within-alphabet", description = "within-alphabet: all N "
            + "classes of an episode from one Omniglot alphabet (alphabets with fewer than N characters are "
            + "skipped). Default: uniform")
    String episodes;

    @Option(names = "--image-size", paramLabel = "PIXELS", description = "folder: side of the network's square "
            + "input; images are resized to it. Default: 84")
    Integer imageSize;

    @Option(names = "--channels", paramLabel = "1|3", description = "folder: 1 (grey) or 3 (RGB). Default: 3")
    Integer channels;

    @Option(names = "--split-ratios", paramLabel = "TRAIN,VAL,TEST", description = "folder: fractions of the "
            + "classes per split, shuffled by --split-seed. Default: 0.64,0.16,0.20")
    String splitRatios;

    @Option(names = "--split-seed", description = "folder: seed of the ratio split's shuffle. Default: 1")
    Long splitSeed;

    @Option(names = "--exclude-small-classes", arity = "0..1", description = "folder: leave out, with a warning naming them, classes "
            + "with fewer than shots + queries images (default: refuse them, naming them)")
    Boolean excludeSmallClasses;

    @Option(names = "--ways", description = "classes per episode N. Default: 5")
    Integer ways;

    @Option(names = "--shots", description = "support examples per class K. Default: 1")
    Integer shots;

    @Option(names = "--queries", description = "query examples per class. Default: 15")
    Integer queries;

    @Option(names = "--algo", paramLabel = "ID", completionCandidates = LearnerNames.class,
            description = "the learner, any registered one: ${COMPLETION-CANDIDATES}. Default: maml")
    String algorithm;

    @Option(names = "--algo-config", paramLabel = "FIELD=VALUE", split = ",",
            description = "fields of the learner's configuration record (algorithmConfig in config.json), e.g. "
                    + "--algo imaml --algo-config lambda=3,cgIterations=2, or maml.firstOrder=true for a nested "
                    + "record; numbers and true/false are typed, anything else is a string. The --imaml-*, --hf-*, "
                    + "--bimaml-*, --learned-step-sizes and MAML++ flags are shortcuts for fields of those learners")
    Map<String, String> algorithmConfig;

    @Option(names = "--second-order-memory", paramLabel = "unrolled|recompute",
            description = "maml (second order): recompute keeps only the inner iterates and recomputes one step at a "
                    + "time backwards (same meta-gradient, memory of one inner step instead of K); a shortcut for "
                    + "--algo-config secondOrderMemory=MODE. Default: unrolled")
    String secondOrderMemory;

    @Option(names = "--inner-steps", description = "inner steps in training. Default: 1 (Mini-ImageNet 5)")
    Integer innerSteps;

    @Option(names = "--test-inner-steps", description = "inner steps at validation and test. Default: 3 (10)")
    Integer testInnerSteps;

    @Option(names = "--inner-step-size", description = "alpha. Default: 0.4 (0.01)")
    Double innerStepSize;

    @Option(names = "--learned-step-sizes", description = "maml/fomaml (MAML++ LSLR): learn alpha per tensor and "
            + "step")
    Boolean learnedStepSizes;

    @Option(names = "--per-step-bn", description = "maml/fomaml (MAML++ BNWB): one meta-learned set of batch-norm "
            + "weights and biases per inner step, out of the inner loop")
    Boolean perStepBatchNorm;

    @Option(names = "--multi-step-loss-epochs", paramLabel = "E", description = "maml/fomaml (MAML++ MSL): "
            + "meta-objective sum of the query losses after every inner step, weights annealed from uniform to the "
            + "last step over E epochs, then the last step's alone; 0: off. Default: 0")
    Integer multiStepLossEpochs;

    @Option(names = "--epoch-iterations", paramLabel = "N", description = "iterations per epoch of the multi-step "
            + "loss schedule. Default: 500 (MAML++)")
    Integer epochIterations;

    @Option(names = "--first-order-iterations", paramLabel = "N", description = "maml (MAML++ DA): first-order "
            + "meta-gradients for the first N iterations, then second order; 0: off. Default: 0")
    Integer firstOrderIterations;

    @Option(names = "--imaml-lambda", description = "imaml: regularisation lambda. Default: 2")
    Double imamlLambda;

    @Option(names = "--imaml-solver", paramLabel = "gd|newton-cg", description = "imaml inner solver. Default: gd")
    String imamlSolver;

    @Option(names = "--cg-iterations", description = "imaml: CG iterations of the meta-gradient. Default: 5")
    Integer cgIterations;

    @Option(names = "--hf-delta", description = "hfmaml: finite-difference step. Default: 1e-3")
    Double hfDelta;

    @Option(names = "--bimaml-epsilon0", description = "bimaml: gradient norm ending phase 1. Default: 0")
    Double bimamlEpsilon0;

    @Option(names = "--bimaml-epsilon", description = "bimaml: gradient norm stopping phase 2. Default: 0")
    Double bimamlEpsilon;

    @Option(names = "--filters", description = "Conv-4 filters per block. Default: 64 (Mini-ImageNet 32)")
    Integer filters;

    @Option(names = "--blocks", description = "Conv-4 blocks. Default: 4")
    Integer blocks;

    @Option(names = "--network", paramLabel = "conv4|resnet12|FILE", description = "the network: conv4 (shaped by "
            + "the data set, --filters, --blocks), resnet12 (MetaOptNet's ResNet-12, --resnet-widths) or a DL4J "
            + "configuration JSON or ModelSerializer zip (a zip's parameters start meta-training). Default: conv4")
    String network;

    @Option(names = "--resnet-widths", paramLabel = "W1,W2,W3,W4", split = ",",
            description = "resnet12: the four blocks' widths. Default: 64,160,320,640")
    List<Integer> resnetWidths;

    @Option(names = "--meta-batch-size", description = "tasks per outer update. Default: 32 (4)")
    Integer metaBatchSize;

    @Option(names = "--meta-lr", description = "outer learning rate. Default: 1e-3")
    Double metaLr;

    @Option(names = "--meta-lr-schedule", paramLabel = "constant|cosine", description = "outer learning rate "
            + "schedule; cosine (MAML++ CA) falls from --meta-lr to --meta-lr-min over --meta-lr-period iterations. "
            + "Default: constant")
    String metaLrSchedule;

    @Option(names = "--meta-lr-min", description = "cosine: the final outer learning rate. Default: 1e-5")
    Double metaLrMin;

    @Option(names = "--meta-lr-period", paramLabel = "N", description = "cosine: iterations over which the rate "
            + "falls (0: --iterations). Default: 0")
    Integer metaLrPeriod;

    @Option(names = "--optimizer", paramLabel = "adam|sgd", description = "outer optimiser. Default: adam")
    String optimizer;

    @Option(names = "--iterations", description = "outer iterations to reach. Default: 60000")
    Integer iterations;

    @Option(names = "--time-budget", paramLabel = "MINUTES", description = "end training after this many minutes "
            + "of training wall time (validation and checkpoints included, summed over resumes) even if --iterations "
            + "is not reached; the run then finishes normally. Default: 0 (no time limit)")
    Double timeBudgetMinutes;

    @Option(names = "--seed", description = "seed of the initial parameters and training episodes. Default: 1")
    Long seed;

    @Option(names = "--dtype", paramLabel = "float|double", description = "Default: float")
    String dataType;

    @Option(names = "--threads", description = "workers computing a meta-batch's tasks (the result does not depend "
            + "on it). Default: the number of cores")
    Integer threads;

    @Option(names = "--val-every", description = "validate every N iterations (0: never). Default: 500")
    Integer valEvery;

    @Option(names = "--val-episodes", description = "validation episodes. Default: 100")
    Integer valEpisodes;

    @Option(names = "--val-seed", description = "seed of the validation episodes. Default: 1")
    Long valSeed;

    @Option(names = "--checkpoint-every", description = "checkpoint every N iterations (0: at the end). Default: 500")
    Integer checkpointEvery;

    @Option(names = "--log-every", description = "log line every N iterations off a terminal. Default: 50")
    Integer logEvery;

    @Option(names = "--pre-adaptation-every", paramLabel = "N",
            description = "measure the query loss and accuracy before adaptation (accuracyBefore in metrics.jsonl) "
                    + "every N iterations, 1: every iteration, 0: never; each costs a forward pass of every task's "
                    + "query set that training does not need. Default: 50")
    Integer preAdaptationEvery;

    @Option(names = "--divergence-factor", paramLabel = "F", description = "stop as diverged (exit 1, the last good "
            + "checkpoint kept) when the smoothed meta-loss exceeds F times its running minimum, or adaptation raises "
            + "the query loss F times; 0: off. Default: 10")
    Double divergenceFactor;

    @Option(names = "--divergence-max-parameter", paramLabel = "M", description = "stop as diverged when a "
            + "meta-parameter's magnitude exceeds M; 0: off. Default: 1e5")
    Double divergenceMaxParameter;

    @Option(names = "--test-episodes", paramLabel = "N", description = "after training, evaluate best.zip (else "
            + "model.zip) on N episodes of the test split with --test-inner-steps steps; last line "
            + "test_accuracy=<mean> ci95=<half-width> episodes=N, details in test.json. Default: 0 (none)")
    Integer testEpisodes;

    @Option(names = "--spark-master", paramLabel = "URL", description = "compute each meta-batch's tasks on Apache "
            + "Spark: local[N] (N threads here; local[N,F]: F attempts per task), spark://host:port, yarn; the "
            + "parameters are the same as without it. Default: none (this process's --threads)")
    String sparkMaster;

    @Option(names = {"--run-dir", "--checkpoint-dir"}, paramLabel = "DIR",
            description = "run folder for checkpoints, best and final model, metrics. "
                    + "Default: runs/<dataset>-<ways>way-<shots>shot-<algo>-seed<seed>")
    Path runDir;

    /** Tests adjust the job before it runs. */
    java.util.function.Consumer<TrainJob> beforeRun = j -> { };

    /** @return the flags given on the command line, under their configuration keys */
    ObjectNode flags() {
        Map<String, Object> m = new LinkedHashMap<>();
        put(m, "dataset", dataset);
        put(m, "dataDir", dataDir == null ? null : dataDir.toString());
        put(m, "trainSplit", trainSplit);
        put(m, "valSplit", valSplit);
        put(m, "splitScheme", splitScheme);
        put(m, "episodes", episodes);
        put(m, "imageSize", imageSize);
        put(m, "channels", channels);
        put(m, "splitRatios", splitRatios);
        put(m, "splitSeed", splitSeed);
        put(m, "excludeSmallClasses", excludeSmallClasses);
        put(m, "ways", ways);
        put(m, "shots", shots);
        put(m, "queries", queries);
        put(m, "algorithm", algorithm);
        put(m, "innerSteps", innerSteps);
        put(m, "testInnerSteps", testInnerSteps);
        put(m, "innerStepSize", innerStepSize);
        put(m, "learnedStepSizes", learnedStepSizes);
        put(m, "perStepBatchNorm", perStepBatchNorm);
        put(m, "multiStepLossEpochs", multiStepLossEpochs);
        put(m, "epochIterations", epochIterations);
        put(m, "firstOrderIterations", firstOrderIterations);
        put(m, "imamlLambda", imamlLambda);
        put(m, "imamlSolver", imamlSolver);
        put(m, "cgIterations", cgIterations);
        put(m, "hfDelta", hfDelta);
        put(m, "bimamlEpsilon0", bimamlEpsilon0);
        put(m, "bimamlEpsilon", bimamlEpsilon);
        Map<String, String> algo = algorithmConfig;
        if (secondOrderMemory != null) {
            algo = new LinkedHashMap<>(algo == null ? Map.of() : algo);
            algo.put("secondOrderMemory", secondOrderMemory);
        }
        put(m, "algorithmConfig", algo == null ? null : fields(algo));
        put(m, "filters", filters);
        put(m, "blocks", blocks);
        put(m, "network", network);
        put(m, "resnetWidths", resnetWidths);
        put(m, "metaBatchSize", metaBatchSize);
        put(m, "metaLr", metaLr);
        put(m, "metaLrSchedule", metaLrSchedule);
        put(m, "metaLrMin", metaLrMin);
        put(m, "metaLrPeriod", metaLrPeriod);
        put(m, "optimizer", optimizer);
        put(m, "iterations", iterations);
        put(m, "timeBudgetMinutes", timeBudgetMinutes);
        put(m, "seed", seed);
        put(m, "dataType", dataType);
        put(m, "threads", threads);
        put(m, "valEvery", valEvery);
        put(m, "valEpisodes", valEpisodes);
        put(m, "valSeed", valSeed);
        put(m, "checkpointEvery", checkpointEvery);
        put(m, "logEvery", logEvery);
        put(m, "preAdaptationEvery", preAdaptationEvery);
        put(m, "runDir", runDir == null ? null : runDir.toString());
        put(m, "divergenceFactor", divergenceFactor);
        put(m, "divergenceMaxParameter", divergenceMaxParameter);
        put(m, "testEpisodes", testEpisodes);
        put(m, "sparkMaster", sparkMaster);
        return Json.mapper().valueToTree(m);
    }

    /**
     * @param given FIELD=VALUE pairs, FIELD dotted for nested records
     * @return the fields as a JSON object: numbers, true and false typed, the rest strings
     */
    static Map<String, Object> fields(Map<String, String> given) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : given.entrySet()) {
            String[] path = e.getKey().split("\\.");
            Map<String, Object> at = out;
            for (int i = 0; i < path.length - 1; i++) {
                Object next = at.computeIfAbsent(path[i], k -> new LinkedHashMap<String, Object>());
                if (!(next instanceof Map)) {
                    throw new IllegalArgumentException("--algo-config: '" + e.getKey() + "' nests into "
                            + path[i] + ", which is already set to " + next);
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) next;
                at = m;
            }
            at.put(path[path.length - 1], scalar(e.getValue()));
        }
        return out;
    }

    private static Object scalar(String v) {
        if (v.equals("true") || v.equals("false")) {
            return Boolean.parseBoolean(v);
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException notInt) {
            try {
                return Double.parseDouble(v);
            } catch (NumberFormatException notNumber) {
                return v;
            }
        }
    }

    private static void put(Map<String, Object> m, String key, Object value) {
        if (value != null) {
            m.put(key, value);
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        ObjectNode flags = flags();
        List<Map.Entry<String, ObjectNode>> layers = new ArrayList<>();
        ObjectNode file = configFile == null ? null : TrainConfig.readFile(configFile);
        if (file != null) {
            layers.add(Map.entry("config file " + configFile, file));
        }
        layers.add(Map.entry("command line", flags));
        TrainConfig config;
        SavedModel checkpoint = null;
        Map<String, Object[]> changes = new LinkedHashMap<>();
        if (resume) {
            if (overwrite) {
                throw new IllegalArgumentException("--resume continues the run in --run-dir and --overwrite replaces "
                        + "it: give one of them");
            }
            String run = runDir != null ? runDir.toString()
                    : file != null && file.hasNonNull("runDir") ? file.get("runDir").asText() : null;
            if (run == null) {
                throw new IllegalArgumentException("--resume needs --run-dir DIR, the folder of the run to continue");
            }
            Path ckpt = Path.of(run).resolve(TrainJob.CHECKPOINT);
            if (!Files.exists(ckpt)) {
                throw new IllegalArgumentException("--resume: no checkpoint " + ckpt + "; give the run folder of the "
                        + "run to continue with --run-dir");
            }
            checkpoint = ModelFile.read(ckpt);
            if (checkpoint.kind() != SavedModel.Kind.CHECKPOINT) {
                throw new IllegalArgumentException("--resume: " + ckpt + " is a " + checkpoint.kind().id()
                        + " model file, not a checkpoint");
            }
            TrainConfig saved = TrainConfig.fromMap(checkpoint.config());
            ObjectNode overrides = Json.mapper().createObjectNode();
            if (file != null) {
                overrides.setAll(file);
            }
            overrides.setAll(flags);
            ObjectNode savedTree = Json.mapper().valueToTree(saved.toMap());
            for (Iterator<Map.Entry<String, JsonNode>> it = overrides.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                JsonNode was = savedTree.get(f.getKey());
                if (TrainConfig.RESUMABLE.contains(f.getKey()) || was == null || sameValue(was, f.getValue())) {
                    continue;
                }
                if (TrainConfig.RESUMABLE_RECORDED.contains(f.getKey())) {
                    changes.put(f.getKey(), new Object[] {Json.mapper().treeToValue(was, Object.class),
                        Json.mapper().treeToValue(f.getValue(), Object.class)});
                    continue;
                }
                List<String> allowed = new ArrayList<>(TrainConfig.RESUMABLE);
                allowed.addAll(TrainConfig.RESUMABLE_RECORDED);
                throw new IllegalArgumentException("--resume keeps the checkpoint's configuration: '" + f.getKey()
                        + "' was " + was + ", got " + f.getValue() + " (a resumed run may change only "
                        + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
            savedTree.setAll(overrides);
            savedTree.put("runDir", run);
            config = TrainConfig.resolve(List.of(Map.entry("checkpoint " + ckpt, savedTree)));
            if (config.iterations() <= checkpoint.progress().iteration()) {
                throw new IllegalArgumentException("--resume: the checkpoint is already at iteration "
                        + checkpoint.progress().iteration() + "; give --iterations above it to train further");
            }
        } else {
            config = TrainConfig.resolve(layers);
        }
        RunFolder.Mode mode = resume ? RunFolder.Mode.RESUME : overwrite ? RunFolder.Mode.OVERWRITE
                : RunFolder.Mode.FRESH;
        TrainJob job = new TrainJob(config, checkpoint, mode, changes, out, spec.commandLine().getErr(),
                System.console() != null ? System.err : null);
        beforeRun.accept(job);
        return job.run();
    }

    private static boolean sameValue(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.asDouble() == b.asDouble();
        }
        return a.equals(b);
    }
}
