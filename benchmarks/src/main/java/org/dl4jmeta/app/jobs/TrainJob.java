package org.dl4jmeta.app.jobs;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.datasets.episode.PrefetchingEpisodeSource;
import org.dl4jmeta.eval.EpisodeEvaluator;
import org.dl4jmeta.eval.EvaluationResult;
import org.dl4jmeta.io.AlgorithmSpec;
import org.dl4jmeta.io.AtomicFiles;
import org.dl4jmeta.io.Json;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.optim.OuterOptimizer;
import org.dl4jmeta.optim.TrainingState;
import org.dl4jmeta.provenance.Provenance;
import org.dl4jmeta.task.EpisodeSource;
import org.dl4jmeta.train.IterationMetrics;
import org.dl4jmeta.train.MetaTrainer;
import org.dl4jmeta.train.NonFiniteLossException;
import org.dl4jmeta.train.StopSignal;
import org.dl4jmeta.train.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One meta-training run in a run folder: fresh or resumed from its checkpoint, with validation and the best model,
 * periodic checkpoints, metrics, progress, a clean stop on SIGTERM or Ctrl-C, and a last good checkpoint when a
 * loss turns NaN or infinite.
 *
 * <p>Files of the run folder: {@code config.json} (the resolved configuration), {@code metrics.jsonl},
 * {@code checkpoint.zip} (theta, Adam state, iteration, learner state: what {@code --resume} continues from),
 * {@code best.zip} (the meta-model with the best validation accuracy), {@code model.zip} (the final meta-model).
 * Every model file carries the run's provenance. Call order: construct, {@link #run} once.
 */
final class TrainJob {

    private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

    static final String CHECKPOINT = "checkpoint.zip";
    static final String BEST = "best.zip";
    static final String MODEL = "model.zip";
    static final String METRICS = "metrics.jsonl";
    static final String CONFIG = "config.json";
    static final String SUMMARY = "summary.json";

    private final TrainConfig config;
    private final SavedModel resumeFrom;
    private final PrintWriter out;
    private final PrintWriter err;
    private final PrintStream terminal;
    private final StopSignal stop = new StopSignal();
    /** Tests wrap the training episode stream with this (e.g. to poison an episode). */
    UnaryOperator<EpisodeSource> sourceWrapper = UnaryOperator.identity();
    /** Tests observe iterations with this (e.g. to request a stop). */
    TrainingListener testListener;

    private Path runDir;
    private Network network;
    /** The learner that checkpoints and model files describe: the trainer's primary learner once training. */
    private MetaLearner learner;
    private Provenance provenance;
    private Map<String, Object> configMap;
    private double bestAccuracy = -1;
    private int bestIteration = -1;
    private int checkpointedIteration = -1;
    private String firstStart;
    /** Training wall seconds of earlier sessions of this run (resumes), from the checkpoint. */
    private double earlierSeconds;
    /** When this session's training loop started (System.nanoTime). */
    private long sessionStart;
    private volatile boolean budgetReached;

    /**
     * @param config the resolved configuration
     * @param resumeFrom the checkpoint to continue, or null for a fresh run
     * @param out standard output of the command (the summary lines)
     * @param err standard error of the command (a NaN stop)
     * @param terminal where to draw a progress bar, or null to log lines
     */
    TrainJob(TrainConfig config, SavedModel resumeFrom, PrintWriter out, PrintWriter err, PrintStream terminal) {
        this.config = config;
        this.resumeFrom = resumeFrom;
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
     * @return 0 when the iteration budget was reached, 1 when a loss became NaN or infinite, 130 when stopped
     * @throws IOException if data or run files cannot be read or written
     * @throws IllegalArgumentException on an inconsistent configuration or checkpoint
     */
    int run() throws IOException {
        runDir = config.runPath();
        Files.createDirectories(runDir);
        DataType dt = DataSets.dataType(config.doublePrecision());
        network = DataSets.network(config);
        learner = DataSets.learner(config, network);
        AlgorithmSpec spec = AlgorithmSpec.of(learner);
        // learners keep no state: a checkpoint's learner state (BI-MAML's phase) is in the restored training state
        Supplier<MetaLearner> factory = () -> spec.create(network);
        Path dataDir = config.dataDir() == null ? null : Path.of(config.dataDir());
        LOG.info("loading {} splits {} and {} from {}", config.dataset(), config.trainSplit(), config.valSplit(),
                dataDir == null ? "code" : dataDir);
        EpisodeSource train = sourceWrapper.apply(DataSets.episodes(config.dataset(), dataDir, config.trainSplit(),
                config.ways(), config.shots(), config.queries(), config.seed(), dt));
        EpisodeSource val = config.valEvery() == 0 ? null : DataSets.episodes(config.dataset(), dataDir,
                config.valSplit(), config.ways(), config.shots(), config.queries(), config.valSeed(), dt);
        List<String> splits = config.valEvery() == 0 ? List.of(config.trainSplit())
                : List.of(config.trainSplit(), config.valSplit());
        Map<String, String> sums = DataSets.checksums(config.dataset(), dataDir, splits);
        configMap = config.toMap();
        provenance = Provenance.capture(Path.of("."), dt, config.seed(), configMap, sums);
        TrainingState state;
        if (resumeFrom != null) {
            requireSameData(resumeFrom.provenance().dataChecksums(), sums);
            state = resumeFrom.restoreTrainingState();
            Map<String, Object> extras = resumeFrom.progress().extras();
            bestAccuracy = ((Number) extras.getOrDefault("bestValAccuracy", -1)).doubleValue();
            bestIteration = ((Number) extras.getOrDefault("bestIteration", -1)).intValue();
            firstStart = String.valueOf(extras.getOrDefault("firstStart", resumeFrom.provenance().start()));
            earlierSeconds = ((Number) extras.getOrDefault("trainSeconds", 0.0)).doubleValue();
            if (config.timeBudgetMinutes() > 0 && earlierSeconds >= 60 * config.timeBudgetMinutes()) {
                throw new IllegalArgumentException("--resume: the run already trained "
                        + String.format(Locale.ROOT, "%.1f", earlierSeconds / 60) + " minutes, its time budget is "
                        + config.timeBudgetMinutes() + "; give a larger --time-budget");
            }
            checkpointedIteration = state.iteration();
            network.requireParams(state.theta(), "the checkpoint's parameters");
            if (state.theta().dataType() != dt) {
                throw new IllegalArgumentException("the checkpoint holds " + state.theta().dataType()
                        + " parameters but the configuration asks for " + dt);
            }
        } else {
            ParamSet theta = learner.initialise(config.seed(), dt);
            state = new TrainingState(theta, new OuterOptimizer(DataSets.updater(config), theta.length(), dt), 0,
                    learner.initialState());
            firstStart = provenance.start();
        }
        AtomicFiles.writeString(runDir.resolve(CONFIG), Json.write(configMap));
        LOG.info("{} on {} {}-way {}-shot ({} queries): {} parameters ({}), meta-batch {}, iterations {}..{}, "
                        + "threads {}, run folder {}", learner.id(), config.dataset(), config.ways(), config.shots(),
                config.queries(), state.theta().length(), dt, config.metaBatchSize(), state.iteration(),
                config.iterations(), config.threads(), runDir);
        return train(state, train, val, factory);
    }

    private static void requireSameData(Map<String, String> then, Map<String, String> now) {
        for (Map.Entry<String, String> e : now.entrySet()) {
            String was = then.get(e.getKey());
            if (was != null && !was.equals(e.getValue())) {
                throw new IllegalArgumentException("data file " + e.getKey() + " changed since the checkpoint (sha256 "
                        + was + ", now " + e.getValue() + "); a resumed run must read the same data");
            }
        }
    }

    private int train(TrainingState state, EpisodeSource train, EpisodeSource val, Supplier<MetaLearner> factory)
            throws IOException {
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            if (finished.getCount() == 0) {
                return;
            }
            stop.request();
            System.err.println(System.lineSeparator() + "stop requested: finishing the current iteration and "
                    + "writing a checkpoint to " + runDir.resolve(CHECKPOINT));
            try {
                finished.await(10, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "dl4j-meta-train-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        sessionStart = System.nanoTime();
        int startIteration = state.iteration();
        ProgressReporter progress = new ProgressReporter(config.iterations(), config.logEvery(), terminal);
        IterationMetrics[] last = new IterationMetrics[1];
        try (MetricsLog metrics = MetricsLog.open(runDir.resolve(METRICS), resumeFrom == null ? -1
                : state.iteration());
             MetaTrainer trainer = new MetaTrainer(factory, config.metaBatchSize(), config.threads());
             EpisodeEvaluator validator = val == null ? null : new EpisodeEvaluator(factory, config.threads())) {
            learner = trainer.learner();
            trainer.preAdaptationMetricsEvery(config.preAdaptationEvery());
            trainer.addListener(metrics).addListener(progress);
            trainer.addListener((m, s) -> {
                last[0] = m;
                if (validator != null && (m.iteration() % config.valEvery() == 0
                        || m.iteration() == config.iterations())) {
                    validate(validator, val, s, metrics, progress);
                }
                if (config.checkpointEvery() > 0 && m.iteration() % config.checkpointEvery() == 0) {
                    checkpoint(s);
                }
            });
            if (testListener != null) {
                trainer.addListener(testListener);
            }
            trainer.addListener(stop);
            if (config.timeBudgetMinutes() > 0) {
                trainer.addListener(new TrainingListener() {
                    @Override
                    public void iterationDone(IterationMetrics m, TrainingState s) {
                        // the budget is checked in shouldStop, after validation and checkpoints of this iteration
                    }

                    @Override
                    public boolean shouldStop(IterationMetrics m, TrainingState s) {
                        if (trainSeconds() >= 60 * config.timeBudgetMinutes()) {
                            budgetReached = true;
                        }
                        return budgetReached;
                    }
                });
            }
            try {
                if (!stop.requested()) {
                    // meta-batches are drawn on a background thread while the current one trains
                    try (PrefetchingEpisodeSource ahead = new PrefetchingEpisodeSource(train,
                            config.metaBatchSize(), state.iteration(), 2)) {
                        trainer.fit(state, ahead, config.iterations());
                    }
                }
            } catch (NonFiniteLossException e) {
                progress.newLine();
                checkpoint(state);
                out.flush();
                err.println("error: training stopped at " + e.getMessage());
                err.println("the last good state (iteration " + state.iteration() + ") is saved in "
                        + runDir.resolve(CHECKPOINT));
                err.flush();
                return 1;
            }
            if (state.iteration() > checkpointedIteration) {
                checkpoint(state);
            }
            Provenance done = provenance.finished();
            ModelFile.write(runDir.resolve(MODEL), SavedModel.meta(learner, state.theta(), configMap, done));
            AtomicFiles.writeString(runDir.resolve("provenance.json"), Json.write(done));
            double seconds = (System.nanoTime() - sessionStart) / 1e9;
            writeSummary(state, last[0]);
            out.println("run_dir=" + runDir);
            out.println("checkpoint=" + runDir.resolve(CHECKPOINT));
            if (bestIteration >= 0) {
                out.println(String.format(Locale.ROOT, "best=%s val_accuracy=%.4f iteration=%d",
                        runDir.resolve(BEST), bestAccuracy, bestIteration));
            }
            out.println("model=" + runDir.resolve(MODEL));
            if (state.iteration() < config.iterations() && stop.requested()) {
                out.println("stopped at iteration " + state.iteration() + " of " + config.iterations()
                        + "; continue with: java -jar dl4j-meta.jar train --resume --run-dir " + runDir);
                out.flush();
                return 130;
            }
            if (budgetReached) {
                out.println(String.format(Locale.ROOT, "time budget of %s minutes reached at iteration %d of %d",
                        config.timeBudgetMinutes(), state.iteration(), config.iterations()));
            }
            out.println(String.format(Locale.ROOT, "iterations=%d meta_loss=%.4f accuracy_after=%.4f seconds=%.1f",
                    state.iteration(), last[0] == null ? Double.NaN : last[0].metaLoss(),
                    last[0] == null ? Double.NaN : last[0].queryAccuracyAfter(), seconds));
            out.flush();
            LOG.info("trained iterations {}..{} in {} s", startIteration, state.iteration(),
                    String.format(Locale.ROOT, "%.1f", seconds));
            return 0;
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting: the hook is running and returns now that the checkpoint is written
            }
        }
    }

    private void validate(EpisodeEvaluator validator, EpisodeSource val, TrainingState s, MetricsLog metrics,
                          ProgressReporter progress) {
        EvaluationResult r = validator.evaluate(s.theta(), val, config.valEpisodes(), config.testInnerSteps());
        boolean best = r.mean() > bestAccuracy;
        progress.newLine();
        LOG.info(String.format(Locale.ROOT, "validation at iteration %d: accuracy=%.4f ci95=%.4f episodes=%d%s",
                s.iteration(), r.mean(), r.ci95(), r.episodes(), best ? " (best so far)" : ""));
        metrics.validation(s.iteration(), r.mean(), r.ci95(), r.episodes(), best);
        if (best) {
            bestAccuracy = r.mean();
            bestIteration = s.iteration();
            Map<String, Object> cfg = new LinkedHashMap<>(configMap);
            write(runDir.resolve(BEST), SavedModel.meta(learner, s.theta(), cfg, provenance.finished()));
        }
    }

    private void checkpoint(TrainingState s) {
        Map<String, Object> extras = new LinkedHashMap<>();
        if (bestIteration >= 0) {
            extras.put("bestValAccuracy", bestAccuracy);
            extras.put("bestIteration", bestIteration);
        }
        extras.put("firstStart", firstStart);
        extras.put("trainSeconds", trainSeconds());
        write(runDir.resolve(CHECKPOINT), SavedModel.checkpoint(learner, s, config.metaBatchSize(), config.seed(),
                configMap, provenance.finished(), extras));
        checkpointedIteration = s.iteration();
        LOG.debug("checkpoint at iteration {}", s.iteration());
    }

    /** @return training wall seconds of this run so far, earlier sessions included */
    private double trainSeconds() {
        return earlierSeconds + (System.nanoTime() - sessionStart) / 1e9;
    }

    /**
     * Writes {@code summary.json}: how far the run got and why it ended (what {@code reproduce} reports beside
     * the evaluation).
     */
    private void writeSummary(TrainingState s, IterationMetrics last) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("iterations", s.iteration());
        m.put("iterationBudget", config.iterations());
        m.put("timeBudgetMinutes", config.timeBudgetMinutes());
        m.put("endedBy", budgetReached ? "time-budget" : s.iteration() >= config.iterations() ? "iterations"
                : "stop");
        m.put("trainSeconds", trainSeconds());
        m.put("tasksSeen", (long) s.iteration() * config.metaBatchSize());
        if (last != null) {
            m.put("lastMetaLoss", last.metaLoss());
            m.put("lastQueryAccuracyAfter", last.queryAccuracyAfter());
        }
        if (bestIteration >= 0) {
            m.put("bestValAccuracy", bestAccuracy);
            m.put("bestIteration", bestIteration);
        }
        m.put("firstStart", firstStart);
        m.put("end", provenance.finished().end());
        AtomicFiles.writeString(runDir.resolve(SUMMARY), Json.write(m));
    }

    private static void write(Path file, SavedModel m) {
        try {
            ModelFile.write(file, m);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
