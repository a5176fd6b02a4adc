package org.dl4jmeta.app.jobs;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.datasets.episode.PrefetchingEpisodeSource;
import org.dl4jmeta.datasets.omniglot.OmniglotDownload;
import org.dl4jmeta.io.AlgorithmSpec;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.optim.OuterOptimizer;
import org.dl4jmeta.optim.TrainingState;
import org.dl4jmeta.provenance.Provenance;
import org.dl4jmeta.task.EpisodeSource;
import org.dl4jmeta.train.DivergenceCheck;
import org.dl4jmeta.train.RunFolder;
import org.dl4jmeta.train.StopSignal;
import org.dl4jmeta.train.TrainingListener;
import org.dl4jmeta.train.TrainingRun;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code train} command's job: wires a resolved configuration to the data sets and the library's
 * {@link TrainingRun} (which owns validation, the best model, checkpoints, budgets, exact resume and the NaN and
 * divergence stops) in a locked {@link RunFolder}, draws progress, turns SIGTERM and Ctrl-C into a clean stop, and
 * prints the outcome.
 *
 * <p>Files of the run folder: see {@link RunFolder}. Call order: construct, {@link #run} once.
 */
final class TrainJob {

    private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

    static final String CHECKPOINT = RunFolder.CHECKPOINT;
    static final String BEST = RunFolder.BEST;
    static final String MODEL = RunFolder.MODEL;
    static final String METRICS = RunFolder.METRICS;
    static final String CONFIG = RunFolder.CONFIG;
    static final String SUMMARY = RunFolder.SUMMARY;
    /** The test evaluation that {@code --test-episodes} writes. */
    static final String TEST = RunFolder.TEST;

    private final TrainConfig config;
    private final SavedModel resumeFrom;
    private final RunFolder.Mode mode;
    private final Map<String, Object[]> changes;
    private final PrintWriter out;
    private final PrintWriter err;
    private final PrintStream terminal;
    private final StopSignal stop = new StopSignal();
    /** Tests wrap the training episode stream with this (e.g. to poison an episode). */
    UnaryOperator<EpisodeSource> sourceWrapper = UnaryOperator.identity();
    /** Tests observe iterations with this (e.g. to request a stop). */
    TrainingListener testListener;

    /**
     * @param config the resolved configuration
     * @param resumeFrom the checkpoint to continue, or null for a fresh run
     * @param mode how to open the run folder (fresh, overwrite, resume)
     * @param changes settings a resumed run changes on purpose: key to {from, to}
     * @param out standard output of the command (the summary lines)
     * @param err standard error of the command (a failure stop)
     * @param terminal where to draw a progress bar, or null to log lines
     */
    TrainJob(TrainConfig config, SavedModel resumeFrom, RunFolder.Mode mode, Map<String, Object[]> changes,
             PrintWriter out, PrintWriter err, PrintStream terminal) {
        this.config = config;
        this.resumeFrom = resumeFrom;
        this.mode = mode;
        this.changes = Map.copyOf(changes);
        this.out = out;
        this.err = err;
        this.terminal = terminal;
    }

    /** @return the signal that stops training after the current iteration */
    StopSignal stopSignal() {
        return stop;
    }

    /**
     * Runs the job.
     *
     * @return 0 when the iteration or time budget was reached, 1 when a loss became NaN or infinite or training
     *     diverged, 130 when stopped
     * @throws IOException if data or run files cannot be read or written
     * @throws IllegalArgumentException on an inconsistent configuration or checkpoint, or a run folder in use or
     *     holding results
     */
    int run() throws IOException {
        try (RunFolder folder = RunFolder.open(config.runPath(), mode)) {
            if (!folder.takenOverFrom().isEmpty()) {
                LOG.warn("took over the lock of {} left by a process that no longer runs ({})", folder.dir(),
                        folder.takenOverFrom());
            }
            for (Path p : folder.removedTemps()) {
                LOG.info("removed {}, left by an interrupted write", p);
            }
            return run(folder);
        }
    }

    private int run(RunFolder folder) throws IOException {
        Path runDir = folder.dir();
        DataType dt = DataSets.dataType(config.doublePrecision());
        Network network = DataSets.network(config);
        MetaLearner learner = DataSets.learner(config, network);
        learner.requireSupportSize(config.ways() * config.shots());
        AlgorithmSpec spec = AlgorithmSpec.of(learner);
        // learners keep no state: a checkpoint's learner state (BI-MAML's phase) is in the restored training state
        Supplier<MetaLearner> factory = () -> spec.create(network);
        Path dataDir = config.dataDir() == null ? null : Path.of(config.dataDir());
        if (config.dataset().equals("omniglot")) {
            downloadIfEmpty(dataDir);
        }
        LOG.info("loading {} split {} from {}", config.dataset(), config.valEvery() == 0 ? config.trainSplit()
                : config.trainSplit() + " and " + config.valSplit(), dataDir == null ? "code" : dataDir);
        DataSpec data = DataSpec.of(config);
        EpisodeSource train = sourceWrapper.apply(DataSets.episodes(data, config.trainSplit(), config.ways(),
                config.shots(), config.queries(), config.seed(), dt));
        EpisodeSource val = config.valEvery() == 0 ? null : DataSets.episodes(data, config.valSplit(), config.ways(),
                config.shots(), config.queries(), config.valSeed(), dt);
        List<String> splits = config.valEvery() == 0 ? List.of(config.trainSplit())
                : List.of(config.trainSplit(), config.valSplit());
        Map<String, String> sums = new java.util.LinkedHashMap<>(DataSets.checksums(data, splits));
        NetworkChoice choice = NetworkChoice.of(config.network(), config.resnetWidths());
        if (choice.file().isPresent()) {
            sums.put("network/" + choice.file().get().getFileName(),
                    org.dl4jmeta.provenance.Sha256.of(choice.file().get()));
        }
        Map<String, Object> configMap = config.toMap();
        Provenance provenance = Provenance.capture(dt, config.seed(), configMap, sums);
        TrainingRun run = new TrainingRun(folder, factory, settings(), configMap, provenance).validation(val);
        changes.forEach((k, v) -> run.recordChange(k, v[0], v[1]));
        int startIteration = resumeFrom == null ? 0 : resumeFrom.progress().iteration();
        double earlierSeconds = resumeFrom == null ? 0 : TrainingRun.trainedSeconds(resumeFrom);
        ProgressReporter progress = new ProgressReporter(config.iterations(), config.logEvery(), terminal,
                config.timeBudgetMinutes() * 60, earlierSeconds);
        run.addListener(progress);
        if (testListener != null) {
            run.addListener(testListener);
        }
        run.stopWith(stop);
        TrainingState initial = null;
        if (resumeFrom == null) {
            ParamSet theta = learner.initialise(config.seed(), dt);
            java.util.Optional<ParamSet> pretrained = choice.pretrained(DataSets.target(config));
            if (pretrained.isPresent()) {
                // a DL4J model zip's trained parameters start meta-training (learned step sizes keep their init)
                for (String name : network.paramNames()) {
                    theta.get(name).assign(pretrained.get().get(name).castTo(dt));
                }
                LOG.info("meta-training starts from the parameters of {}", choice.file().get());
            }
            initial = new TrainingState(theta, new OuterOptimizer(DataSets.updater(config), theta.length(), dt), 0,
                    learner.initialState());
        } else {
            network.requireParams(resumeFrom.parameters(), "the checkpoint's parameters");
            if (resumeFrom.parameters().dataType() != dt) {
                throw new IllegalArgumentException("the checkpoint holds " + resumeFrom.parameters().dataType()
                        + " parameters but the configuration asks for " + dt);
            }
        }
        LOG.info("{} on {} {}-way {}-shot ({} queries): {} parameters ({}), meta-batch {}, iterations {}..{}, "
                        + "threads {}, run folder {}", learner.id(), config.dataset(), config.ways(), config.shots(),
                config.queries(), (initial == null ? resumeFrom.parameters() : initial.theta()).length(), dt,
                config.metaBatchSize(), startIteration, config.iterations(), config.threads(), runDir);
        TrainingRun.Outcome o;
        try (SignalStop hook = new SignalStop(stop, runDir.resolve(CHECKPOINT));
             SparkTraining spark = SparkTraining.start(config, learner);
             // with Spark the executors regenerate the episodes: nothing to prepare here
             PrefetchingEpisodeSource ahead = spark != null ? null : new PrefetchingEpisodeSource(train,
                     config.metaBatchSize(), startIteration, 2)) {
            EpisodeSource episodes = ahead != null ? ahead : train;
            run.executor(spark == null ? null : spark.executor());
            o = initial != null ? run.start(episodes, initial)
                    : run.resume(episodes, resumeFrom, changes.containsKey("metaLr") ? DataSets.updater(config)
                            : null);
        } finally {
            progress.newLine();
        }
        int code = report(o, runDir);
        return code == 0 && config.testEpisodes() > 0 ? test(runDir) : code;
    }

    /**
     * Evaluates the best model (the final one without validation) on the test split, as {@code eval} does with
     * {@code --split test --queries 15 --seed 1} (a folder data set with the training queries), and prints its lines
     * prefixed with {@code test_}.
     */
    private int test(Path runDir) {
        Path model = Files.exists(runDir.resolve(BEST)) ? runDir.resolve(BEST) : runDir.resolve(MODEL);
        java.io.StringWriter lines = new java.io.StringWriter();
        picocli.CommandLine cl = org.dl4jmeta.app.Main.configure(new picocli.CommandLine(new EvalCommand()));
        cl.setOut(new PrintWriter(lines, true));
        cl.setErr(err);
        int code = cl.execute("--model", model.toString(), "--split", "test", "--episodes",
                String.valueOf(config.testEpisodes()), "--inner-steps", String.valueOf(config.testInnerSteps()),
                // the papers' 15 test queries per class; a user's folder may have fewer images: its training queries
                "--queries", config.dataset().equals("folder") ? String.valueOf(config.queries()) : "15", "--seed", "1", "--threads", String.valueOf(config.threads()), "--overwrite",
                "--out", runDir.resolve(TEST).toString());
        lines.toString().lines().forEach(l -> out.println("test_" + l));
        out.flush();
        return code;
    }

    /**
     * A missing or empty Omniglot folder gets the official files (Lake et al.'s zips and the Vinyals split files,
     * sizes and checksums verified, each renamed into place only when verified), so a first run needs no separate
     * {@code download}.
     */
    private static void downloadIfEmpty(Path dataDir) throws IOException {
        if (Files.isDirectory(dataDir)) {
            try (var entries = Files.list(dataDir)) {
                if (entries.findAny().isPresent()) {
                    return;
                }
            }
        } else if (Files.exists(dataDir)) {
            throw new IllegalArgumentException("--data-dir " + dataDir + " is a file; give the Omniglot folder");
        }
        LOG.info("{} is empty: downloading Omniglot's official files (checksums verified)", dataDir);
        try {
            OmniglotDownload.download(dataDir, LOG::info);
        } catch (IOException e) {
            throw new IOException("cannot download Omniglot into empty folder " + dataDir + " (" + e.getMessage()
                    + "); without network, put images_background.zip, images_evaluation.zip and splits/vinyals/ "
                    + "there, or give --data-dir of a folder that has them", e);
        }
    }

    private TrainingRun.Settings settings() {
        DivergenceCheck divergence = config.divergenceFactor() == 0 && config.divergenceMaxParameter() == 0
                ? DivergenceCheck.off()
                : new DivergenceCheck(config.divergenceFactor(), config.divergenceMaxParameter() == 0
                        ? Double.POSITIVE_INFINITY : config.divergenceMaxParameter());
        return TrainingRun.Settings.builder(config.metaBatchSize(), config.iterations(), config.seed())
                .threads(config.threads()).timeBudgetMinutes(config.timeBudgetMinutes()).valEvery(config.valEvery())
                .valEpisodes(config.valEpisodes()).testInnerSteps(config.testInnerSteps())
                .checkpointEvery(config.checkpointEvery()).preAdaptationEvery(config.preAdaptationEvery())
                .divergence(divergence).build();
    }

    private int report(TrainingRun.Outcome o, Path runDir) {
        Path ckpt = runDir.resolve(CHECKPOINT);
        if (!o.ending().finished()) {
            out.flush();
            err.println("error: " + (o.ending() == TrainingRun.Ending.NON_FINITE ? "training stopped at " : "")
                    + o.problem());
            if (o.checkpointIteration() >= 0) {
                err.println("the last good state (iteration " + o.checkpointIteration() + ") is saved in " + ckpt
                        + "; continue from it with a lower rate, e.g.: java -jar dl4j-meta.jar train --resume "
                        + "--run-dir " + runDir + " --meta-lr " + lower(config.metaLr()) + " (or --inner-step-size "
                        + lower(config.innerStepSize()) + ")");
            } else {
                err.println("no checkpoint was written before it; start again with a lower rate (--meta-lr "
                        + lower(config.metaLr()) + " or --inner-step-size " + lower(config.innerStepSize())
                        + ") and --overwrite");
            }
            err.flush();
            return 1;
        }
        out.println("run_dir=" + runDir);
        out.println("checkpoint=" + ckpt);
        if (o.bestIteration() >= 0) {
            out.println(String.format(Locale.ROOT, "best=%s val_accuracy=%.4f iteration=%d",
                    runDir.resolve(BEST), o.bestValAccuracy(), o.bestIteration()));
        }
        out.println("model=" + runDir.resolve(MODEL));
        if (o.ending() == TrainingRun.Ending.STOPPED) {
            out.println("stopped at iteration " + o.iteration() + " of " + config.iterations()
                    + "; continue with: java -jar dl4j-meta.jar train --resume --run-dir " + runDir);
            out.flush();
            return 130;
        }
        if (o.ending() == TrainingRun.Ending.TIME_BUDGET) {
            out.println(String.format(Locale.ROOT, "time budget of %s minutes reached at iteration %d of %d",
                    config.timeBudgetMinutes(), o.iteration(), config.iterations()));
        }
        out.println(String.format(Locale.ROOT, "iterations=%d meta_loss=%.4f accuracy_after=%.4f seconds=%.1f",
                o.iteration(), o.last() == null ? Double.NaN : o.last().metaLoss(),
                o.last() == null ? Double.NaN : o.last().queryAccuracyAfter(), o.sessionSeconds()));
        out.flush();
        return 0;
    }

    private static String lower(double rate) {
        return String.format(Locale.ROOT, "%.3g", rate / 10);
    }

    /**
     * Turns SIGTERM and Ctrl-C into a clean stop while training runs: the JVM's shutdown hook requests the stop and
     * waits (up to ten minutes) until the current iteration and its checkpoint are done.
     */
    private static final class SignalStop implements AutoCloseable {
        private final CountDownLatch finished = new CountDownLatch(1);
        private final Thread hook;

        SignalStop(StopSignal stop, Path checkpoint) {
            hook = new Thread(() -> {
                if (finished.getCount() == 0) {
                    return;
                }
                stop.request();
                System.err.println(System.lineSeparator() + "stop requested: finishing the current iteration and "
                        + "writing a checkpoint to " + checkpoint);
                try {
                    finished.await(10, TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "dl4j-meta-train-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
        }

        @Override
        public void close() {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting: the hook is running and returns now that the checkpoint is written
            }
        }
    }
}
