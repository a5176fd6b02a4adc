package org.dl4jmeta.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.eval.EpisodeEvaluator;
import org.dl4jmeta.eval.EvaluationResult;
import org.dl4jmeta.io.AtomicFiles;
import org.dl4jmeta.io.Json;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.optim.OuterOptimizer;
import org.dl4jmeta.optim.TrainingState;
import org.dl4jmeta.provenance.Provenance;
import org.dl4jmeta.task.EpisodeSource;
import org.nd4j.linalg.learning.config.IUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One meta-training run in a {@link RunFolder}, with the policy a training job needs around {@link MetaTrainer}:
 * validation every N iterations with the best meta-model kept ({@code best.zip}), a checkpoint every N iterations
 * and at the end ({@code checkpoint.zip}: theta, the outer optimiser's state, the iteration, what the run keeps),
 * iteration and training-time budgets summed over resumes, exact resume from a checkpoint, {@code metrics.jsonl},
 * and two failure stops that never save a bad model: a NaN or infinite loss (the last good state is checkpointed
 * when it passes the divergence check) and divergence ({@link DivergenceCheck}; the checkpoint on disk, written
 * before, is kept). The final meta-model ({@code model.zip}), {@code provenance.json} and {@code summary.json}
 * are written only when the run ends well.
 *
 * <p>Use from Java (the {@code train} command does the same):
 * <pre>{@code
 * try (RunFolder folder = RunFolder.open(Path.of("runs/demo"), RunFolder.Mode.FRESH)) {
 *     TrainingRun run = new TrainingRun(folder, () -> new Maml(net, cfg),
 *             TrainingRun.Settings.builder(32, 1000, seed).valEvery(100).build(), Map.of(), provenance)
 *             .validation(valEpisodes);
 *     TrainingRun.Outcome o = run.start(trainEpisodes, initialState);   // or run.resume(train, checkpoint, null)
 * }
 * }</pre>
 *
 * <p>Call order: construct, optionally {@link #validation}, {@link #executor} and {@link #addListener}, then {@link #start} or
 * {@link #resume} once. {@link #stopSignal} may be requested from any thread (a shutdown hook): the run finishes
 * the iteration in progress, checkpoints and returns {@link Ending#STOPPED}.
 */
public final class TrainingRun {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);

    /**
     * The run's policy, fixed for a session (a resumed run may change the budgets and cadences).
     *
     * @param metaBatchSize tasks per outer update, &gt;= 1
     * @param iterations the iteration to reach, &gt;= 1
     * @param threads workers computing a meta-batch's tasks and the validation episodes, &gt;= 1
     * @param timeBudgetMinutes training wall time after which the run ends as if its iterations were reached
     *     (validation and checkpoints included, summed over resumes), &gt;= 0 (0: none)
     * @param valEvery validate every this many iterations and at the last, &gt;= 0 (0: never)
     * @param valEpisodes validation episodes, &gt;= 1
     * @param testInnerSteps adaptation steps at validation, &gt;= 1
     * @param checkpointEvery checkpoint every this many iterations, &gt;= 0 (0: at the end and on a stop only)
     * @param preAdaptationEvery measure metrics at theta every this many iterations, &gt;= 0
     *     ({@link MetaTrainer#preAdaptationMetricsEvery})
     * @param seed the seed of the training episode stream (saved with the checkpoint's progress)
     * @param divergence when the run counts as diverged
     */
    public record Settings(int metaBatchSize, int iterations, int threads, double timeBudgetMinutes, int valEvery,
                           int valEpisodes, int testInnerSteps, int checkpointEvery, int preAdaptationEvery,
                           long seed, DivergenceCheck divergence) {

        /**
         * @throws IllegalArgumentException naming the first bad value
         */
        public Settings {
            require(metaBatchSize >= 1, "metaBatchSize must be >= 1, got " + metaBatchSize);
            require(iterations >= 1, "iterations must be >= 1, got " + iterations);
            require(threads >= 1, "threads must be >= 1, got " + threads);
            require(timeBudgetMinutes >= 0 && Double.isFinite(timeBudgetMinutes),
                    "timeBudgetMinutes must be >= 0 and finite (0: no time limit), got " + timeBudgetMinutes);
            require(valEvery >= 0, "valEvery must be >= 0 (0: no validation), got " + valEvery);
            require(valEpisodes >= 1, "valEpisodes must be >= 1, got " + valEpisodes);
            require(testInnerSteps >= 1, "testInnerSteps must be >= 1, got " + testInnerSteps);
            require(checkpointEvery >= 0, "checkpointEvery must be >= 0 (0: at the end only), got "
                    + checkpointEvery);
            require(preAdaptationEvery >= 0, "preAdaptationEvery must be >= 0 (0: never), got "
                    + preAdaptationEvery);
            Objects.requireNonNull(divergence, "divergence");
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }

        /**
         * @param metaBatchSize tasks per outer update
         * @param iterations the iteration to reach
         * @param seed the training episode stream's seed
         * @return a builder with: 1 thread, no time budget, validation every 500 iterations on 100 episodes with 3
         *     steps, a checkpoint every 500, metrics at theta every iteration, {@link DivergenceCheck#defaults}
         */
        public static Builder builder(int metaBatchSize, int iterations, long seed) {
            return new Builder(metaBatchSize, iterations, seed);
        }
    }

    /** Builds {@link Settings}: the three required values in the constructor, the rest optional. */
    public static final class Builder {
        private final int metaBatchSize;
        private final int iterations;
        private final long seed;
        private int threads = 1;
        private double timeBudgetMinutes;
        private int valEvery = 500;
        private int valEpisodes = 100;
        private int testInnerSteps = 3;
        private int checkpointEvery = 500;
        private int preAdaptationEvery = 1;
        private DivergenceCheck divergence = DivergenceCheck.defaults();

        private Builder(int metaBatchSize, int iterations, long seed) {
            this.metaBatchSize = metaBatchSize;
            this.iterations = iterations;
            this.seed = seed;
        }

        /** @param v workers @return this */
        public Builder threads(int v) {
            threads = v;
            return this;
        }

        /** @param v minutes of training wall time (0: none) @return this */
        public Builder timeBudgetMinutes(double v) {
            timeBudgetMinutes = v;
            return this;
        }

        /** @param v validate every v iterations (0: never) @return this */
        public Builder valEvery(int v) {
            valEvery = v;
            return this;
        }

        /** @param v validation episodes @return this */
        public Builder valEpisodes(int v) {
            valEpisodes = v;
            return this;
        }

        /** @param v adaptation steps at validation @return this */
        public Builder testInnerSteps(int v) {
            testInnerSteps = v;
            return this;
        }

        /** @param v checkpoint every v iterations (0: at the end only) @return this */
        public Builder checkpointEvery(int v) {
            checkpointEvery = v;
            return this;
        }

        /** @param v measure metrics at theta every v iterations (0: never) @return this */
        public Builder preAdaptationEvery(int v) {
            preAdaptationEvery = v;
            return this;
        }

        /** @param v the divergence check @return this */
        public Builder divergence(DivergenceCheck v) {
            divergence = v;
            return this;
        }

        /**
         * @return the settings
         * @throws IllegalArgumentException naming the first bad value
         */
        public Settings build() {
            return new Settings(metaBatchSize, iterations, threads, timeBudgetMinutes, valEvery, valEpisodes,
                    testInnerSteps, checkpointEvery, preAdaptationEvery, seed, divergence);
        }
    }

    /** What ended a run. */
    public enum Ending {
        /** the iteration budget was reached */
        ITERATIONS("iterations"),
        /** the training-time budget was reached */
        TIME_BUDGET("time-budget"),
        /** the stop signal was requested (checkpointed; resume it) */
        STOPPED("stop"),
        /** a loss or gradient became NaN or infinite */
        NON_FINITE("non-finite"),
        /** the divergence check fired */
        DIVERGED("diverged");

        private final String id;

        Ending(String id) {
            this.id = id;
        }

        /** @return the id written to summary.json */
        public String id() {
            return id;
        }

        /** @return whether the run ended with its final model written */
        public boolean finished() {
            return this == ITERATIONS || this == TIME_BUDGET || this == STOPPED;
        }
    }

    /**
     * How a run ended.
     *
     * @param ending what ended it
     * @param iteration the iteration reached (for a failure: the last good one)
     * @param checkpointIteration the iteration of the checkpoint on disk, or -1 if none was written
     * @param last the last iteration's metrics, or null if none ran
     * @param bestValAccuracy the best validation accuracy, or -1 if none
     * @param bestIteration its iteration, or -1
     * @param problem for a failure, what went wrong (iteration, episode or parameter, values); else null
     * @param sessionSeconds wall seconds of this session's training loop
     */
    public record Outcome(Ending ending, int iteration, int checkpointIteration, IterationMetrics last,
                          double bestValAccuracy, int bestIteration, String problem, double sessionSeconds) {
    }

    private final RunFolder folder;
    private final Supplier<? extends MetaLearner> learners;
    private final Settings settings;
    private final Map<String, Object> config;
    private final Provenance provenance;
    private StopSignal stop = new StopSignal();
    private final List<TrainingListener> listeners = new ArrayList<>();
    private final List<Map<String, Object>> configChanges = new ArrayList<>();
    private EpisodeSource validation;
    private MetaBatchExecutor executor;

    private MetaLearner learner;
    private double bestAccuracy = -1;
    private int bestIteration = -1;
    private int checkpointedIteration = -1;
    private String firstStart;
    private double earlierSeconds;
    private long sessionStart;
    private double endSeconds = Double.NaN;
    private boolean used;

    /**
     * @param folder the open run folder
     * @param learners builds one learner per worker, identically configured (state restored when resuming)
     * @param settings the run's policy
     * @param config the job's configuration, saved in every model file (may be empty)
     * @param provenance the run's provenance (its data checksums are compared with a resumed checkpoint's)
     */
    public TrainingRun(RunFolder folder, Supplier<? extends MetaLearner> learners, Settings settings,
                       Map<String, Object> config, Provenance provenance) {
        this.folder = Objects.requireNonNull(folder, "folder");
        this.learners = Objects.requireNonNull(learners, "learners");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.config = new LinkedHashMap<>(Objects.requireNonNull(config, "config"));
        this.provenance = Objects.requireNonNull(provenance, "provenance");
    }

    /**
     * @param episodes the validation episodes (a fixed seed, so every validation sees the same tasks), or null
     * @return this
     */
    public TrainingRun validation(EpisodeSource episodes) {
        this.validation = episodes;
        return this;
    }

    /**
     * Computes the training tasks' meta-gradients with another executor (e.g. on a Spark cluster) instead of the
     * run's worker threads; the parameters, checkpoints, resume, validation, budgets and failure stops are the same.
     * The run does not close it.
     *
     * @param executor where the meta-batches' tasks are computed, or null for the run's own workers
     * @return this
     */
    public TrainingRun executor(MetaBatchExecutor executor) {
        this.executor = executor;
        return this;
    }

    /**
     * @param listener called after every iteration, before validation and checkpoints (e.g. a progress bar)
     * @return this
     */
    public TrainingRun addListener(TrainingListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /** @return the signal that ends the run cleanly after the current iteration (thread-safe) */
    public StopSignal stopSignal() {
        return stop;
    }

    /**
     * @param signal a signal the caller already holds (e.g. one a shutdown hook was given) to use instead of this
     *     run's own
     * @return this
     */
    public TrainingRun stopWith(StopSignal signal) {
        this.stop = Objects.requireNonNull(signal, "signal");
        return this;
    }

    /**
     * Records a setting that a resumed run changed on purpose (e.g. a lower meta learning rate after a
     * divergence): kept in every later checkpoint, in {@code summary.json} and in the provenance of the models.
     *
     * @param key the setting
     * @param from its value until now
     * @param to its value from the checkpoint's iteration on
     * @return this
     */
    public TrainingRun recordChange(String key, Object from, Object to) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("key", key);
        c.put("from", from);
        c.put("to", to);
        configChanges.add(c);
        return this;
    }

    /**
     * Trains a fresh run from an initial state.
     *
     * @param train the training episodes (episode i a pure function of the seed and i)
     * @param initial the initial state, usually at iteration 0 (updated in place)
     * @return how the run ended
     * @throws IOException if the run folder cannot be written
     */
    public Outcome start(EpisodeSource train, TrainingState initial) throws IOException {
        begin();
        firstStart = provenance.start();
        return train(train, initial, false);
    }

    /**
     * Continues the run a checkpoint saved: the same parameters as an uninterrupted run.
     *
     * @param train the training episodes (the same stream as before)
     * @param checkpoint the run's checkpoint
     * @param updater the outer optimiser's configuration to continue with (a changed learning rate; the moments
     *     carry over), or null for the checkpoint's own
     * @return how the run ended
     * @throws IOException if the run folder cannot be written
     * @throws IllegalArgumentException if the checkpoint is not one, its data files changed, it is already at the
     *     iteration budget or past the time budget
     */
    public Outcome resume(EpisodeSource train, SavedModel checkpoint, IUpdater updater) throws IOException {
        if (checkpoint.kind() != SavedModel.Kind.CHECKPOINT) {
            throw new IllegalArgumentException("--resume needs a checkpoint, got a " + checkpoint.kind().id()
                    + " model file");
        }
        begin();
        requireSameData(checkpoint.provenance().dataChecksums(), provenance.dataChecksums());
        TrainingState state = checkpoint.restoreTrainingState();
        if (updater != null) {
            state = new TrainingState(state.theta(), OuterOptimizer.restore(updater, state.theta().length(),
                    state.optimizer().state()), state.iteration(), state.learnerState());
        }
        if (settings.iterations() <= state.iteration()) {
            throw new IllegalArgumentException("--resume: the checkpoint is already at iteration " + state.iteration()
                    + "; give --iterations above it to train further");
        }
        Map<String, Object> extras = checkpoint.progress().extras();
        bestAccuracy = ((Number) extras.getOrDefault("bestValAccuracy", -1)).doubleValue();
        bestIteration = ((Number) extras.getOrDefault("bestIteration", -1)).intValue();
        firstStart = String.valueOf(extras.getOrDefault("firstStart", checkpoint.provenance().start()));
        earlierSeconds = trainedSeconds(checkpoint);
        if (extras.get("configChanges") instanceof List<?> earlier) {
            List<Map<String, Object>> all = new ArrayList<>();
            for (Object o : earlier) {
                all.add(Json.mapper().convertValue(o, Json.mapper().getTypeFactory().constructMapType(
                        LinkedHashMap.class, String.class, Object.class)));
            }
            all.addAll(configChanges);
            configChanges.clear();
            configChanges.addAll(all);
        }
        for (Map<String, Object> c : configChanges) {
            c.putIfAbsent("iteration", state.iteration());
        }
        if (settings.timeBudgetMinutes() > 0 && earlierSeconds >= 60 * settings.timeBudgetMinutes()) {
            throw new IllegalArgumentException("--resume: the run already trained "
                    + String.format(Locale.ROOT, "%.1f", earlierSeconds / 60) + " minutes, its time budget is "
                    + settings.timeBudgetMinutes() + "; give a larger --time-budget");
        }
        checkpointedIteration = state.iteration();
        return train(train, state, true);
    }

    /**
     * @param checkpoint a checkpoint this class wrote
     * @return the training wall seconds it records, earlier sessions included (0 for checkpoints before they were
     *     recorded): what a time budget or a progress bar counts against on resume
     */
    public static double trainedSeconds(SavedModel checkpoint) {
        return ((Number) checkpoint.progress().extras().getOrDefault("trainSeconds", 0.0)).doubleValue();
    }

    private void begin() {
        if (used) {
            throw new IllegalStateException("a TrainingRun starts or resumes once");
        }
        used = true;
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

    private Provenance provenanceNow() {
        Provenance p = provenance.finished();
        if (configChanges.isEmpty()) {
            return p;
        }
        Map<String, Object> c = new LinkedHashMap<>(p.config());
        c.put("resumeChanges", List.copyOf(configChanges));
        return p.withConfig(c);
    }

    private Outcome train(EpisodeSource train, TrainingState state, boolean resumed) throws IOException {
        // written only once a resume has passed its checks: a refused one leaves the run's config as it was
        AtomicFiles.writeString(folder.file(RunFolder.CONFIG), Json.write(config));
        sessionStart = System.nanoTime();
        int startIteration = state.iteration();
        IterationMetrics[] last = new IterationMetrics[1];
        String[] diverged = new String[1];
        boolean[] budgetReached = new boolean[1];
        DivergenceCheck.Monitor monitor = settings.divergence().start();
        try (MetricsLog metrics = MetricsLog.open(folder.file(RunFolder.METRICS), resumed ? state.iteration() : -1);
             MetaTrainer trainer = new MetaTrainer(learners, settings.metaBatchSize(), settings.threads());
             EpisodeEvaluator validator = validation == null || settings.valEvery() == 0 ? null
                     : new EpisodeEvaluator(learners, settings.threads())) {
            learner = trainer.learner();
            if (executor != null) {
                trainer.executor(executor);
            }
            trainer.preAdaptationMetricsEvery(settings.preAdaptationEvery());
            trainer.addListener(metrics);
            listeners.forEach(trainer::addListener);
            trainer.addListener(new TrainingListener() {
                @Override
                public void iterationDone(IterationMetrics m, TrainingState s) {
                    last[0] = m;
                    diverged[0] = monitor.observe(m, s.theta());
                    if (diverged[0] != null) {
                        return;
                    }
                    if (validator != null && (m.iteration() % settings.valEvery() == 0
                            || m.iteration() == settings.iterations())) {
                        validate(validator, s, metrics);
                    }
                    if (settings.checkpointEvery() > 0 && m.iteration() % settings.checkpointEvery() == 0) {
                        checkpoint(s);
                    }
                }

                @Override
                public boolean shouldStop(IterationMetrics m, TrainingState s) {
                    if (settings.timeBudgetMinutes() > 0 && trainSeconds() >= 60 * settings.timeBudgetMinutes()) {
                        budgetReached[0] = true;
                    }
                    return diverged[0] != null || budgetReached[0];
                }
            });
            trainer.addListener(stop);
            try {
                if (!stop.requested()) {
                    trainer.fit(state, train, settings.iterations());
                }
            } catch (NonFiniteLossException e) {
                String why = monitor.parameters(state.theta());
                if (why == null) {
                    checkpoint(state);
                }
                String problem = e.getMessage() + (why == null ? "" : "; the parameters before it were not kept ("
                        + why + ")");
                return outcome(Ending.NON_FINITE, state, last[0], problem);
            }
            if (diverged[0] != null) {
                return outcome(Ending.DIVERGED, state, last[0], "training diverged at " + diverged[0]);
            }
            // the final checkpoint and summary.json record the same training time, so a resume adds to it
            endSeconds = trainSeconds();
            if (state.iteration() > checkpointedIteration) {
                checkpoint(state);
            }
            Ending ending = state.iteration() < settings.iterations() && stop.requested() ? Ending.STOPPED
                    : budgetReached[0] ? Ending.TIME_BUDGET : Ending.ITERATIONS;
            Provenance done = provenanceNow();
            ModelFile.write(folder.file(RunFolder.MODEL), SavedModel.meta(learner, state.theta(), config, done));
            AtomicFiles.writeString(folder.file(RunFolder.PROVENANCE), Json.write(done));
            writeSummary(state, last[0], ending, done);
            LOG.info("trained iterations {}..{} in {} s", startIteration, state.iteration(),
                    String.format(Locale.ROOT, "%.1f", (System.nanoTime() - sessionStart) / 1e9));
            return outcome(ending, state, last[0], null);
        }
    }

    private Outcome outcome(Ending ending, TrainingState state, IterationMetrics last, String problem) {
        return new Outcome(ending, state.iteration(), checkpointedIteration, last, bestAccuracy, bestIteration,
                problem, (System.nanoTime() - sessionStart) / 1e9);
    }

    private void validate(EpisodeEvaluator validator, TrainingState s, MetricsLog metrics) {
        EvaluationResult r = validator.evaluate(s.theta(), validation, settings.valEpisodes(),
                settings.testInnerSteps());
        boolean best = r.mean() > bestAccuracy;
        LOG.info(String.format(Locale.ROOT, "validation at iteration %d: accuracy=%.4f ci95=%.4f episodes=%d%s",
                s.iteration(), r.mean(), r.ci95(), r.episodes(), best ? " (best so far)" : ""));
        metrics.validation(s.iteration(), r.mean(), r.ci95(), r.episodes(), best);
        if (best) {
            bestAccuracy = r.mean();
            bestIteration = s.iteration();
            write(RunFolder.BEST, SavedModel.meta(learner, s.theta(), config, provenanceNow()));
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
        if (!configChanges.isEmpty()) {
            extras.put("configChanges", List.copyOf(configChanges));
        }
        write(RunFolder.CHECKPOINT, SavedModel.checkpoint(learner, s, settings.metaBatchSize(), settings.seed(),
                config, provenanceNow(), extras));
        checkpointedIteration = s.iteration();
        LOG.debug("checkpoint at iteration {}", s.iteration());
    }

    /** @return training wall seconds of this run so far, earlier sessions included */
    private double trainSeconds() {
        if (!Double.isNaN(endSeconds)) {
            return endSeconds;
        }
        return earlierSeconds + (System.nanoTime() - sessionStart) / 1e9;
    }

    private void writeSummary(TrainingState s, IterationMetrics last, Ending ending, Provenance done)
            throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("iterations", s.iteration());
        m.put("iterationBudget", settings.iterations());
        m.put("timeBudgetMinutes", settings.timeBudgetMinutes());
        m.put("endedBy", ending.id());
        m.put("trainSeconds", trainSeconds());
        m.put("tasksSeen", (long) s.iteration() * settings.metaBatchSize());
        if (last != null) {
            m.put("lastMetaLoss", last.metaLoss());
            m.put("lastQueryAccuracyAfter", last.queryAccuracyAfter());
        }
        if (bestIteration >= 0) {
            m.put("bestValAccuracy", bestAccuracy);
            m.put("bestIteration", bestIteration);
        }
        if (!configChanges.isEmpty()) {
            m.put("configChanges", List.copyOf(configChanges));
        }
        m.put("firstStart", firstStart);
        m.put("end", done.end());
        AtomicFiles.writeString(folder.file(RunFolder.SUMMARY), Json.write(m));
    }

    private void write(String name, SavedModel m) {
        try {
            ModelFile.write(folder.file(name), m);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + folder.file(name) + ": " + e.getMessage(), e);
        }
    }
}
