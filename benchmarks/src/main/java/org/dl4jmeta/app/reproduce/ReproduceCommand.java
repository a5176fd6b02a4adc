package org.dl4jmeta.app.reproduce;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.dl4jmeta.app.Main;
import org.dl4jmeta.app.jobs.EvalCommand;
import org.dl4jmeta.app.jobs.TrainCommand;
import org.dl4jmeta.io.AtomicFiles;
import org.dl4jmeta.io.Json;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.provenance.Provenance;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.shade.jackson.databind.JsonNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code reproduce --table omniglot}: for every chosen algorithm and N-way K-shot setting, meta-trains on the
 * Vinyals background split with the algorithm's recipe ({@link OmniglotAlgorithm}) within a budget, evaluates the
 * final meta-model on seeded test episodes (600 by default, 95% confidence intervals) beside its untrained baseline
 * (the initialisation its training started from, adapted with the same test steps on the same episodes), writes
 * one result file per cell with provenance, and renders {@code omniglot-table.md} from every result file of the folder, beside the
 * papers' numbers.
 *
 * <p>Re-running the same command skips finished cells and resumes an interrupted run from its checkpoint; a
 * larger budget continues the earlier training. Run folders are {@code <out>/runs/<setting>-<algorithm>-seed<s>}.
 */
@Command(name = "reproduce", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Reruns a benchmark table of the papers: train within --budget, evaluate on --episodes test "
                + "episodes, one result file per cell, then <out>/omniglot-table.md beside the papers' numbers.",
            "Re-running skips finished cells and resumes interrupted ones; a larger --budget continues training."})
public final class ReproduceCommand implements Callable<Integer> {

    static final String TABLE_FILE = "omniglot-table.md";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--table", required = true, paramLabel = "omniglot", description = "the table to rerun")
    String table;

    @Option(names = "--budget", required = true, paramLabel = "TIME|Nit",
            description = "training budget of each cell: wall time (90s, 12m, 1.5h) or outer iterations (500it)")
    String budget;

    @Option(names = "--algorithms", split = ",", defaultValue = "maml,fomaml,reptile,imaml-gd,imaml-hf,anil,metasgd,maml++",
            description = "rows to run. Default: ${DEFAULT-VALUE}")
    String[] algorithms;

    @Option(names = "--settings", split = ",", defaultValue = "5w1s,5w5s,20w1s,20w5s",
            description = "columns to run, N-way K-shot. Default: ${DEFAULT-VALUE}")
    String[] settings;

    @Option(names = "--dataset", defaultValue = "omniglot", paramLabel = "omniglot|folder",
            description = "the data the cells train and test on; folder: your own DIR/<class>/<images>, trained "
                    + "with the Omniglot recipes. Default: ${DEFAULT-VALUE}")
    String dataset;

    @Option(names = "--data-dir", description = "the data folder. Default: ../shared/datasets/omniglot for omniglot")
    Path dataDir;

    @Option(names = "--split", paramLabel = "SCHEME", description = "omniglot: vinyals (the papers' split) or lake "
            + "(background alphabets for training, evaluation alphabets for testing); folder: ratios or files. "
            + "Default: vinyals, ratios")
    String splitScheme;

    @Option(names = "--image-size", description = "folder: side of the network's square input. Default: 84")
    Integer imageSize;

    @Option(names = "--channels", description = "folder: 1 (grey) or 3 (RGB). Default: 3")
    Integer channels;

    @Option(names = "--split-ratios", paramLabel = "TRAIN,VAL,TEST", description = "folder: fractions of the classes "
            + "per split. Default: 0.64,0.16,0.20")
    String splitRatios;

    @Option(names = "--split-seed", description = "folder: seed of the ratio split. Default: 1")
    Long splitSeed;

    @Option(names = "--exclude-small-classes", description = "folder: leave out, with a warning naming them, classes "
            + "with fewer images than a training or test episode needs")
    boolean excludeSmallClasses;

    @Option(names = "--out", description = "result files, the table and run folders. Default: results/<data>, e.g. "
            + "results/omniglot, results/omniglot-lake-within-alphabet, results/folder")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "training seed. Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--eval-seed", defaultValue = "1", description = "seed of the test episodes. Default: ${DEFAULT-VALUE}")
    long evalSeed;

    @Option(names = "--episodes", split = ",", defaultValue = "600", paramLabel = "N|KIND",
            description = "test episodes, the episode kind of training and test (uniform, or within-alphabet: all N "
                    + "classes of an episode from one Omniglot alphabet), or both, e.g. within-alphabet,600. "
                    + "Default: 600, uniform")
    List<String> episodeArgs;

    /** The number of test episodes, from --episodes. */
    private int episodes;

    /** The cells' data, from --dataset, --data-dir, --split, --episodes and the folder options. */
    private org.dl4jmeta.app.jobs.DataSpec data;

    @Option(names = "--eval-queries", defaultValue = "15",
            description = "query examples per class of a test episode. Default: ${DEFAULT-VALUE}")
    int evalQueries;

    @Option(names = "--meta-batch-size", description = "tasks per outer update for every cell, instead of the recipe's")
    Integer metaBatchSize;

    @Option(names = "--threads", description = "task-parallel workers. Default: the number of cores")
    Integer threads;

    @Option(names = "--force", description = "discard the chosen cells' earlier runs and results and train anew")
    boolean force;

    @Override
    public Integer call() throws IOException {
        if (!table.equals("omniglot")) {
            throw new IllegalArgumentException("--table must be omniglot (the only table this command knows), got '"
                    + table + "'");
        }
        parseData();
        Budget b = Budget.parse(budget);
        List<OmniglotAlgorithm> algos = Arrays.stream(algorithms).map(OmniglotAlgorithm::parse).distinct().toList();
        List<Setting> cells = Arrays.stream(settings).map(Setting::parse).distinct().toList();
        if (episodes < 1) {
            throw new IllegalArgumentException("--episodes must be >= 1, got " + episodes);
        }
        if (evalQueries < 1) {
            throw new IllegalArgumentException("--eval-queries must be >= 1, got " + evalQueries);
        }
        if (metaBatchSize != null && metaBatchSize < 1) {
            throw new IllegalArgumentException("--meta-batch-size must be >= 1, got " + metaBatchSize);
        }
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        }
        if (!Files.isDirectory(dataDir)) {
            throw new IllegalArgumentException("--data-dir " + dataDir + " is not a folder; give the " + (dataset.equals(
                    "folder") ? "folder of class folders" : "Omniglot folder, e.g. ../shared/datasets/omniglot"));
        }
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        Files.createDirectories(out);
        for (Setting s : cells) {
            for (OmniglotAlgorithm a : algos) {
                int code = cell(a, s, b, stdout, stderr);
                if (code != 0) {
                    return code;
                }
            }
        }
        Path md = out.resolve(TABLE_FILE);
        String rendered = OmniglotTable.render(OmniglotTable.read(out));
        AtomicFiles.writeString(md, rendered);
        stdout.println("table=" + md);
        stdout.flush();
        return 0;
    }

    /** Reads the data options into {@link #data} and {@link #episodes}, and defaults --data-dir and --out. */
    private void parseData() {
        if (!dataset.equals("omniglot") && !dataset.equals("folder")) {
            throw new IllegalArgumentException("--dataset must be omniglot or folder, got '" + dataset + "'");
        }
        Integer count = null;
        String kind = null;
        for (String v : episodeArgs) {
            boolean number = v.matches("-?\\d+");
            if ((number ? count : kind) != null) {
                throw new IllegalArgumentException("--episodes takes at most one count and one kind (uniform, "
                        + "within-alphabet), got " + String.join(",", episodeArgs));
            }
            if (number) {
                count = Integer.valueOf(v);
            } else {
                kind = v.toLowerCase(Locale.ROOT);
            }
        }
        episodes = count == null ? 600 : count;
        if (dataDir == null) {
            if (dataset.equals("folder")) {
                throw new IllegalArgumentException("--dataset folder needs --data-dir, the folder of class folders");
            }
            dataDir = Path.of("../shared/datasets/omniglot");
        }
        boolean folder = dataset.equals("folder");
        data = new org.dl4jmeta.app.jobs.DataSpec(dataset, dataDir.toString(),
                splitScheme != null ? splitScheme : folder ? "ratios" : "vinyals", kind == null ? "uniform" : kind,
                imageSize != null ? imageSize : folder ? 84 : 28, channels != null ? channels : folder ? 3 : 1,
                splitRatios != null ? splitRatios : "0.64,0.16,0.20", splitSeed != null ? splitSeed : 1,
                excludeSmallClasses);
        if (!folder && (imageSize != null && imageSize != 28 || channels != null && channels != 1)) {
            throw new IllegalArgumentException("Omniglot's images are 28x28 grey; --image-size and --channels "
                    + "choose the input of --dataset folder");
        }
        if (out == null) {
            out = Path.of("results", data.tag());
        }
    }

    private Path resultFile(OmniglotAlgorithm a, Setting s) {
        return out.resolve(data.tag() + "-" + s.id() + "-" + a.id() + "-seed" + seed + ".json");
    }

    private int cell(OmniglotAlgorithm a, Setting s, Budget b, PrintWriter stdout, PrintWriter stderr)
            throws IOException {
        Path result = resultFile(a, s);
        Path run = out.resolve("runs").resolve(s.id() + "-" + a.id() + "-seed" + seed);
        if (force) {
            Files.deleteIfExists(result);
            deleteRun(run);
        }
        if (Files.exists(result) && sameRequest(Json.parse(Files.readString(result)), b)) {
            JsonNode done = Json.parse(Files.readString(result));
            if (done.path("status").asText().equals("done") && !done.has("baseline")
                    && Files.exists(run.resolve("model.zip"))) {
                // a result from before baselines were measured: add its untrained baseline
                Map<String, Object> r = asMap(done);
                Map<String, Object> base = baseline(run, s, stderr);
                if (base == null) {
                    return 1;
                }
                r.put("baseline", base);
                AtomicFiles.writeString(result, Json.write(r));
            }
            stderr.println("reproduce: " + s.title() + " " + a.title() + " already done (" + result
                    + "); --force to redo");
            stdout.println("result=" + result);
            return 0;
        }
        Map<String, Object> trainConfig = trainConfig(a, s, b, run);
        JsonNode summary = readIfExists(run.resolve("summary.json"));
        boolean modelThere = Files.exists(run.resolve("model.zip"));
        if (!(modelThere && trainedEnough(summary, b))) {
            stderr.println("reproduce: training " + a.title() + " on " + data.tag() + " " + s.title() + " for " + b.spec()
                    + " in " + run);
            stderr.flush();
            List<String> args = new ArrayList<>();
            if (Files.exists(run.resolve("checkpoint.zip"))) {
                args.addAll(List.of("--resume", "--run-dir", run.toString(), "--iterations",
                        String.valueOf(trainConfig.get("iterations")), "--time-budget",
                        String.valueOf(trainConfig.get("timeBudgetMinutes"))));
                if (threads != null) {
                    args.addAll(List.of("--threads", threads.toString()));
                }
            } else {
                Files.createDirectories(run);
                Path cfg = run.resolve("reproduce-train.json");
                AtomicFiles.writeString(cfg, Json.write(trainConfig));
                args.addAll(List.of("--config", cfg.toString()));
                if (!modelThere) {
                    // a cell killed before its first checkpoint left only its config and metrics: start it again
                    // (a finished model without a checkpoint is never replaced; train then names it and --force)
                    args.add("--overwrite");
                }
            }
            int code = execute(new TrainCommand(), args, stderr);
            if (code == 1) {
                JsonNode failed = readIfExists(run.resolve("summary.json"));
                Path ckpt = run.resolve("checkpoint.zip");
                SavedModel last = Files.exists(ckpt) ? ModelFile.read(ckpt) : null;
                Object firstStart = last == null ? null : last.progress().extras().get("firstStart");
                Map<String, Object> r = header(a, s, b, trainConfig, firstStart == null ? null : firstStart.toString(),
                        last == null ? Map.of() : last.provenance().dataChecksums());
                r.put("status", "failed");
                r.put("message", "training stopped on a non-finite loss or a divergence (see " + run + " and the train lines above)");
                r.put("training", failed == null ? Map.of() : asMap(failed));
                AtomicFiles.writeString(result, Json.write(r));
                stdout.println("result=" + result);
                stdout.flush();
                return 0;
            }
            if (code != 0) {
                stderr.println("reproduce: training " + a.title() + " " + s.title() + " ended with exit code " + code
                        + "; run the same reproduce command again to continue where it stopped");
                return code;
            }
            summary = readIfExists(run.resolve("summary.json"));
        }
        Path evalFile = run.resolve("eval-test-seed" + evalSeed + ".json");
        int code = execute(new EvalCommand(), evalArgs(run.resolve("model.zip"), s, evalFile), stderr);
        if (code != 0) {
            stderr.println("reproduce: evaluating " + run.resolve("model.zip") + " ended with exit code " + code);
            return code;
        }
        JsonNode ev = Json.parse(Files.readString(evalFile));
        Map<String, Object> base = baseline(run, s, stderr);
        if (base == null) {
            return 1;
        }
        // what the run really used (a resumed run keeps its checkpoint's configuration)
        JsonNode used = readIfExists(run.resolve("config.json"));
        JsonNode trainProvenance = readIfExists(run.resolve("provenance.json"));
        // the cell's data: what training read (train split, images) and what evaluation read (test split)
        Map<String, String> sums = new LinkedHashMap<>(checksums(trainProvenance));
        sums.putAll(checksums(ev.get("provenance")));
        String firstStart = summary != null && summary.hasNonNull("firstStart") ? summary.get("firstStart").asText()
                : trainProvenance != null && trainProvenance.hasNonNull("start")
                ? trainProvenance.get("start").asText() : null;
        Map<String, Object> r = header(a, s, b, used == null ? trainConfig : asMap(used), firstStart, sums);
        r.put("status", "done");
        r.put("accuracy", ev.get("accuracy").asDouble());
        r.put("ci95", ev.get("ci95").asDouble());
        r.put("episodes", ev.get("episodes").asInt());
        r.put("testInnerSteps", ev.get("config").get("innerSteps").asInt());
        r.put("baseline", base);
        r.put("training", asMap(summary));
        r.put("runDir", run.toString());
        r.put("evalFile", evalFile.toString());
        r.put("trainProvenance", asMap(trainProvenance));
        r.put("evalProvenance", asMap(ev.get("provenance")));
        AtomicFiles.writeString(result, Json.write(r));
        stdout.println(String.format(Locale.ROOT, "result=%s accuracy=%.4f ci95=%.4f paper=%.2f", result,
                ev.get("accuracy").asDouble(), ev.get("ci95").asDouble(), a.paperAccuracy(s) / 100));
        stdout.flush();
        return 0;
    }

    /**
     * The cell's untrained baseline: the initialisation its training started from (the learner's seeded
     * {@code initialise} with the cell's seed, as {@code train} does), saved as {@code init.zip} in the run folder
     * and evaluated exactly as the trained model is (same test episodes, seed, queries and test-time steps).
     *
     * @return accuracy, ci95, episodes and the evaluation file; null if the evaluation failed (reported)
     */
    private Map<String, Object> baseline(Path run, Setting s, PrintWriter stderr) throws IOException {
        SavedModel trained = ModelFile.read(run.resolve("model.zip"));
        org.dl4jmeta.algorithm.MetaLearner learner = trained.createLearner();
        org.dl4jmeta.model.ParamSet theta0 = learner.initialise(seed, trained.parameters().dataType());
        Map<String, Object> cfg = new LinkedHashMap<>(trained.config());
        cfg.put("untrainedBaselineOf", run.resolve("model.zip").toString());
        Path init = run.resolve("init.zip");
        ModelFile.write(init, SavedModel.meta(learner, theta0, cfg,
                Provenance.capture(theta0.dataType(), seed, cfg, Map.of()).finished()));
        Path evalFile = run.resolve("eval-init-test-seed" + evalSeed + ".json");
        int code = execute(new EvalCommand(), evalArgs(init, s, evalFile), stderr);
        if (code != 0) {
            stderr.println("reproduce: evaluating the untrained baseline " + init + " ended with exit code " + code);
            return null;
        }
        JsonNode ev = Json.parse(Files.readString(evalFile));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("accuracy", ev.get("accuracy").asDouble());
        m.put("ci95", ev.get("ci95").asDouble());
        m.put("episodes", ev.get("episodes").asInt());
        m.put("testInnerSteps", ev.get("config").get("innerSteps").asInt());
        m.put("evalFile", evalFile.toString());
        return m;
    }

    /**
     * The test episodes are the setting's N-way K-shot whatever the model trained on (Reptile's recipe trains on
     * more shots than it is tested on).
     */
    private List<String> evalArgs(Path model, Setting s, Path evalFile) {
        return List.of("--model", model.toString(), "--split", "test", "--episodes", String.valueOf(episodes),
                "--ways", String.valueOf(s.ways()), "--shots", String.valueOf(s.shots()), "--seed",
                String.valueOf(evalSeed), "--queries", String.valueOf(evalQueries), "--out", evalFile.toString(),
                "--overwrite");
    }

    private boolean sameRequest(JsonNode r, Budget b) {
        return r.path("budget").asText().equals(b.spec()) && r.path("episodes").asInt(-1) == episodes
                && r.path("evalSeed").asLong(-1) == evalSeed && r.path("evalQueries").asInt(-1) == evalQueries;
    }

    private static boolean trainedEnough(JsonNode summary, Budget b) {
        if (summary == null || summary.path("endedBy").asText().equals("stop")) {
            return false;
        }
        if (b.timed()) {
            return summary.path("trainSeconds").asDouble() >= 60 * b.minutes()
                    || summary.path("endedBy").asText().equals("iterations");
        }
        return summary.path("iterations").asInt() >= b.iterations();
    }

    private Map<String, Object> trainConfig(OmniglotAlgorithm a, Setting s, Budget b, Path run) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("dataset", data.dataset());
        c.put("dataDir", dataDir.toString());
        c.put("splitScheme", data.splitScheme());
        c.put("episodes", data.episodes());
        if (data.dataset().equals("folder")) {
            c.put("imageSize", data.imageSize());
            c.put("channels", data.channels());
            c.put("splitRatios", data.splitRatios());
            c.put("splitSeed", data.splitSeed());
            c.put("excludeSmallClasses", data.excludeSmallClasses());
        }
        c.put("ways", s.ways());
        c.put("shots", s.shots());
        c.putAll(a.recipe(s));
        if (metaBatchSize != null) {
            c.put("metaBatchSize", metaBatchSize);
        }
        // a time budget runs up to Finn et al.'s 60,000 iterations
        c.put("iterations", b.timed() ? 60_000 : b.iterations());
        c.put("timeBudgetMinutes", b.minutes());
        c.put("seed", seed);
        c.put("valEvery", 0);
        c.put("checkpointEvery", 100);
        if (threads != null) {
            c.put("threads", threads);
        }
        c.put("runDir", run.toString());
        return c;
    }

    /**
     * @param start when the cell's training started (its first session), or null for now
     * @param dataChecksums the data files the cell's training and evaluation read, to their SHA-256
     * @return the result file's common fields; its provenance ends now (after the evaluation)
     */
    private Map<String, Object> header(OmniglotAlgorithm a, Setting s, Budget b, Map<String, Object> trainConfig,
                                       String start, Map<String, String> dataChecksums) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("table", "omniglot");
        r.put("data", data.tag());
        r.put("setting", s.id());
        r.put("ways", s.ways());
        r.put("shots", s.shots());
        r.put("algorithm", a.id());
        r.put("title", a.title());
        r.put("paperAccuracy", a.paperAccuracy(s));
        r.put("paperSource", a.source());
        r.put("recipeNote", a.recipeNote());
        r.put("budget", b.spec());
        r.put("budgetMinutes", b.minutes());
        r.put("budgetIterations", b.iterations());
        r.put("seed", seed);
        r.put("episodes", episodes);
        r.put("evalSeed", evalSeed);
        r.put("evalQueries", evalQueries);
        r.put("trainConfig", trainConfig);
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("table", table);
        cfg.put("budget", b.spec());
        cfg.put("setting", s.id());
        cfg.put("algorithm", a.id());
        Provenance p = Provenance.capture(DataType.FLOAT, seed, cfg, dataChecksums).finished();
        r.put("provenance", start == null ? p : p.withStart(start));
        return r;
    }

    private static Map<String, String> checksums(JsonNode provenance) {
        Map<String, String> m = new LinkedHashMap<>();
        if (provenance != null) {
            provenance.path("dataChecksums").fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
        }
        return m;
    }

    private int execute(Object command, List<String> args, PrintWriter log) {
        CommandLine cl = Main.configure(new CommandLine(command));
        cl.setOut(log);
        cl.setErr(log);
        return cl.execute(args.toArray(String[]::new));
    }

    /** @return a JSON object as name to value (null stays null), for embedding in a result file */
    private static Map<String, Object> asMap(JsonNode node) {
        return node == null ? null : Json.mapper().convertValue(node,
                new org.nd4j.shade.jackson.core.type.TypeReference<LinkedHashMap<String, Object>>() { });
    }

    private static JsonNode readIfExists(Path p) throws IOException {
        return Files.exists(p) ? Json.parse(Files.readString(p)) : null;
    }

    private static void deleteRun(Path run) throws IOException {
        if (!Files.isDirectory(run)) {
            return;
        }
        try (var files = Files.list(run)) {
            for (Path f : files.toList()) {
                if (Files.isRegularFile(f)) {
                    Files.delete(f);
                }
            }
        }
        Files.deleteIfExists(run);
    }
}
