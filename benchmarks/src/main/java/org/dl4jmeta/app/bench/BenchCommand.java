package org.dl4jmeta.app.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.dl4jmeta.algorithm.LearnerTypes;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.app.experiment.MemoryProbe;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.io.AlgorithmSpec;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.optim.OuterOptimizer;
import org.dl4jmeta.optim.TrainingState;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.EpisodeSource;
import org.dl4jmeta.task.SyntheticTasks;
import org.dl4jmeta.train.MetaTrainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code bench}: for the Omniglot Conv-4 (5-way 1-shot, 15 queries per class by default), the median wall time of
 * a meta-step (meta-batch of B tasks, Adam outer update) and per task, tasks per second and peak memory, for
 * first- and second-order MAML at 1 and 5 inner steps and iMAML; plus the plain forward+backward of the Conv-4 on
 * one episode's support and query images together (80 at 5-way 1-shot with 15 queries, as the PyTorch probe of
 * issue 7). Inputs are synthetic: only shapes matter for speed. Every line names the commit, the nd4j-native build
 * and the machine's cores; {@code --out} also writes the lines to a file, which {@code report} turns into the
 * README's performance table.
 *
 * <p>Each configuration first runs warm-up meta-steps (graph building, then the JIT compiling the Java side of
 * execution, which on 2 cores slowed the first seconds of steps by half) for at least {@code --warmup} seconds, then
 * {@code --repeats} measured ones. One JSON line per configuration. Timings on a shared machine drift: compare
 * variants within one run.
 *
 * <p>By default every configuration (and every round of it) is measured in a fresh JVM running this command with
 * {@code --same-process} and that one configuration, so its peak memory (field {@code process_peak_rss_mb}: the
 * child's resident high-water mark from its start to the end of the measured steps, as PyTorch's probe reports
 * {@code ru_maxrss}) is its own and not inflated by earlier configurations' garbage; this process collects the
 * children's lines and prints them unchanged. {@code --same-process} measures everything here instead (needed by
 * {@code --spark-master}).
 *
 * <p>A child runs with this JVM's -X and -D options, plus the memory settings of {@link #CHILD_MEMORY_OPTIONS}
 * (the serial collector with a 32 MB young generation) unless this JVM was given a collector or a heap size of
 * its own. Every line records the options its JVM ran with ({@code jvm_options}).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Speed and memory of meta-learners on Omniglot Conv-4 shapes.",
            "One JSON line per configuration: median ms per meta-step and per task, tasks/s, peak memory."})
public final class BenchCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--configs", split = ",",
            defaultValue = "forward-backward,fomaml-1,maml-1,fomaml-5,maml-5,imaml-5",
            description = "configurations: forward-backward, LEARNER-K for any registered learner (fomaml-K, maml-K, "
                    + "imaml-K, ...; K inner steps), sampler "
                    + "(drawing meta-batches of real Omniglot episodes from memory, needs --data-dir). "
                    + "Default: ${DEFAULT-VALUE}")
    String[] configs;

    @Option(names = "--data-dir", defaultValue = "../shared/datasets/omniglot",
            description = "Omniglot folder for the sampler configuration. Default: ${DEFAULT-VALUE}")
    java.nio.file.Path dataDir;

    @Option(names = "--meta-batch", split = ",", defaultValue = "32,4",
            description = "meta-batch sizes (the PyTorch probe used 32). Default: ${DEFAULT-VALUE}")
    int[] metaBatches;

    @Option(names = "--inner-step-size", defaultValue = "0.4",
            description = "inner step size of every LEARNER-K configuration (the time per step does not depend on "
                    + "it; imaml-K used 0.1 before learners were registered). Default: ${DEFAULT-VALUE}")
    double innerStepSize;

    @Option(names = "--network", paramLabel = "conv4|resnet12|FILE", defaultValue = "conv4",
            description = "conv4 (Omniglot's, 1x28x28), resnet12 (MetaOptNet's ResNet-12 on Mini-ImageNet's "
                    + "3x84x84, --resnet-widths) or a DL4J configuration JSON / model zip (at its own input shape). "
                    + "Default: ${DEFAULT-VALUE}")
    String network;

    @Option(names = "--resnet-widths", paramLabel = "W1,W2,W3,W4", split = ",", defaultValue = "64,160,320,640",
            description = "resnet12: the four blocks' widths. Default: ${DEFAULT-VALUE}")
    List<Integer> resnetWidths;

    @Option(names = "--ways", defaultValue = "5", description = "N. Default: ${DEFAULT-VALUE}")
    int ways;

    @Option(names = "--shots", defaultValue = "1", description = "K. Default: ${DEFAULT-VALUE}")
    int shots;

    @Option(names = "--queries", defaultValue = "15", description = "query examples per class. Default: ${DEFAULT-VALUE}")
    int queries;

    @Option(names = "--repeats", defaultValue = "5", description = "measured meta-steps. Default: ${DEFAULT-VALUE}")
    int repeats;

    @Option(names = "--rounds", defaultValue = "1",
            description = "measure every configuration this many times, in rotation, one line per round (field "
                    + "round); on a machine whose speed drifts over minutes, report's table takes the median over "
                    + "rounds and shows their range. Default: ${DEFAULT-VALUE}")
    int rounds;

    @Option(names = "--warmup", defaultValue = "10", paramLabel = "SECONDS",
            description = "unmeasured meta-steps (at least one) for this long before measuring each configuration. "
                    + "Default: ${DEFAULT-VALUE}")
    double warmupSeconds;

    @Option(names = "--pre-adaptation-every", defaultValue = "50", paramLabel = "N",
            description = "meta-steps measure the query loss and accuracy before adaptation on iterations divisible "
                    + "by N (a query forward pass per task), 1: every step, 0: never; as train's option. "
                    + "Default: ${DEFAULT-VALUE}, as train")
    int preAdaptationEvery;

    @Option(names = "--profile", description = "after measuring each configuration, run its measured steps again "
            + "with every native op timed and print the largest ops per meta-step (or pass) to standard error; the "
            + "JSON lines come from the unprofiled steps")
    boolean profile;

    @Option(names = "--profile-top", defaultValue = "25", description = "with --profile: how many ops to print "
            + "(default ${DEFAULT-VALUE})")
    int profileTop;

    @Option(names = "--second-order-memory", paramLabel = "unrolled|recompute",
            description = "for learners with a secondOrderMemory setting (maml, its variants): unrolled keeps every "
                    + "inner step's intermediates for autodiff, recompute keeps only the inner iterates and recomputes "
                    + "one step at a time backwards (same meta-gradient, memory of one step). Default: the learner's "
                    + "(unrolled)")
    String secondOrderMemory;

    @Option(names = "--dtype", defaultValue = "FLOAT", description = "FLOAT or DOUBLE. Default: ${DEFAULT-VALUE}")
    DataType dataType;

    @Option(names = "--seed", defaultValue = "1", description = "seed. Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--threads", split = ",",
            description = "task-parallel workers per meta-batch (each with its own graphs and cores/W native "
                    + "threads); several values compare the settings in one run. Default: the number of cores, "
                    + "as train and eval")
    int[] threads = {Runtime.getRuntime().availableProcessors()};

    @Option(names = "--spark-master", paramLabel = "URL", description = "also time each meta-step configuration "
            + "with its tasks on Spark (e.g. local[2]) against this process's workers, in alternation: one more line "
            + "per configuration with overhead_ms per meta-step")
    String sparkMaster;

    private SparkBench spark;

    @Option(names = "--same-process", description = "measure every configuration in this process instead of each in "
            + "a fresh JVM (then memory peaks of later configurations include earlier ones' garbage); implied by "
            + "--spark-master")
    boolean sameProcess;

    @Option(names = "--out", paramLabel = "FILE", description = "also write the JSON lines to FILE (written when "
            + "all configurations are done), e.g. results/bench/omniglot-5w1s.jsonl")
    java.nio.file.Path outFile;

    @Option(names = "--overwrite", description = "replace --out if it exists (checked before measuring)")
    boolean overwrite;

    private String commit;
    private String build;
    /** The backend line (BackendInfo), JSON-escaped. */
    private String backendLine;

    @Override
    public Integer call() throws java.io.IOException {
        if (repeats < 1) {
            throw new IllegalArgumentException("--repeats must be >= 1, got " + repeats);
        }
        if (rounds < 1) {
            throw new IllegalArgumentException("--rounds must be >= 1, got " + rounds);
        }
        if (profileTop < 1) {
            throw new IllegalArgumentException("--profile-top must be >= 1 (ops to print), got " + profileTop);
        }
        if (preAdaptationEvery < 0) {
            throw new IllegalArgumentException("--pre-adaptation-every must be >= 0 (0: never, 1: every step), got "
                    + preAdaptationEvery);
        }
        if (!(warmupSeconds >= 0)) {
            throw new IllegalArgumentException("--warmup must be >= 0 seconds, got " + warmupSeconds);
        }
        if (outFile != null) {
            org.dl4jmeta.io.OutputFiles.requireWritable(outFile, overwrite);
        }
        commit = org.dl4jmeta.provenance.BuildInfo.commit();
        String ext = System.getProperty(org.dl4jmeta.app.Main.NATIVE_BUILD_PROPERTY, "");
        org.dl4jmeta.provenance.BackendInfo info = org.dl4jmeta.provenance.BackendInfo.current();
        build = info.isCuda() ? info.build() : "nd4j-native" + (ext.isEmpty() ? "" : ext);
        backendLine = info.line().replace("\\", "\\\\").replace("\"", "\\\"");
        List<String> lines = new ArrayList<>();
        PrintWriter console = spec.commandLine().getOut();
        spark = sparkMaster == null ? null : new SparkBench(sparkMaster);
        try {
            boolean own = !sameProcess && spark == null;
            if (own) {
                requireConfigurations();
            }
            for (int r = 1; r <= rounds; r++) {
                String fields = rounds == 1 ? "" : "\"round\":" + r + ",\"rounds\":" + rounds + ",";
                java.util.function.Consumer<String> emit = line -> {
                    String l = "{" + fields + line.substring(1);
                    console.println(l);
                    console.flush();
                    lines.add(l);
                };
                if (own) {
                    runInChildren(emit);
                } else {
                    run(emit);
                }
            }
        } finally {
            if (spark != null) {
                spark.close();
            }
        }
        if (outFile != null) {
            if (outFile.getParent() != null) {
                java.nio.file.Files.createDirectories(outFile.getParent());
            }
            org.dl4jmeta.io.OutputFiles.requireWritable(outFile, overwrite);
            org.dl4jmeta.io.AtomicFiles.writeString(outFile, String.join("\n", lines) + "\n");
            spec.commandLine().getErr().println("bench: wrote " + lines.size() + " lines to " + outFile);
        }
        return 0;
    }

    /** Runs every configuration, handing each result line to {@code emit} as soon as it is measured. */
    private void run(java.util.function.Consumer<String> emit) {
        boolean resnet = "resnet12".equals(network);
        Network net = org.dl4jmeta.app.jobs.NetworkChoice.of(network, resnetWidths).buildAtOwnInput(
                new org.dl4jmeta.app.jobs.NetworkChoice.Target(resnet ? new long[] {3, 84, 84} : new long[] {1, 28, 28},
                        ways, 64, 4, Conv4.Downsampling.STRIDE));
        EpisodeSource source = SyntheticTasks.templateTasks(net.inputShape(), seed, Math.max(ways, 20), 784, ways,
                shots, queries, 1.0, dataType, seed);
        for (String c : configs) {
            if (c.equals("sampler")) {
                for (int b : metaBatches) {
                    emit.accept(sampler(b));
                }
                continue;
            }
            if (c.equals("forward-backward")) {
                emit.accept(forwardBackward(net, source.episode(0)));
                continue;
            }
            for (int b : metaBatches) {
                if (b < 1) {
                    throw new IllegalArgumentException("--meta-batch sizes must be >= 1, got "
                            + Arrays.toString(metaBatches));
                }
                for (int w : threads) {
                    if (w < 1) {
                        throw new IllegalArgumentException("--threads must all be >= 1, got "
                                + Arrays.toString(threads));
                    }
                    emit.accept(metaStep(net, c, b, w, source));
                }
                if (spark != null) {
                    emit.accept(spark.metaStep(c, () -> learner(net, c), b, new SparkBench.Tasks(net.inputShape(),
                            seed, Math.max(ways, 20), ways, shots, queries, dataType), warmupSeconds, repeats,
                            preAdaptationEvery) + provenance(org.dl4jmeta.parallel.NativeThreads.perWorker(
                                    spark.partitions())));
                }
            }
        }
    }

    /** Rejects bad configuration names, meta-batch sizes and worker counts before any child starts. */
    private void requireConfigurations() {
        Network net = Conv4.omniglot(ways);
        for (int b : metaBatches) {
            if (b < 1) {
                throw new IllegalArgumentException("--meta-batch sizes must be >= 1, got " + Arrays.toString(metaBatches));
            }
        }
        for (int w : threads) {
            if (w < 1) {
                throw new IllegalArgumentException("--threads must all be >= 1, got " + Arrays.toString(threads));
            }
        }
        for (String c : configs) {
            if (!c.equals("sampler") && !c.equals("forward-backward")) {
                learner(net, c);
            }
        }
    }

    /**
     * Runs every configuration once, each (configuration, meta-batch, workers) in a fresh JVM of this app with
     * {@code --same-process}, in the order {@link #run} measures them, handing on each child's JSON line.
     */
    private void runInChildren(java.util.function.Consumer<String> emit) {
        for (String c : configs) {
            if (c.equals("forward-backward")) {
                child(c, metaBatches[0], threads[0], emit);
                continue;
            }
            for (int b : metaBatches) {
                if (c.equals("sampler")) {
                    // the sampler draws episodes from memory, no native arrays: measured here
                    emit.accept(sampler(b));
                    continue;
                }
                for (int w : threads) {
                    child(c, b, w, emit);
                }
            }
        }
    }

    /**
     * The command line of a child measuring one configuration: this JVM's executable, its -X and -D options, the
     * ND4J backend this process chose, the class path, and this command's settings.
     *
     * @param config the configuration
     * @param metaBatch its meta-batch
     * @param workers its workers
     * @return the command
     */
    List<String> childCommand(String config, int metaBatch, int workers) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command()
                .orElse(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        String backendProperty = org.dl4jmeta.app.Backends.BACKEND_PROPERTY;
        List<String> own = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments();
        cmd.addAll(childMemoryOptions(own));
        for (String a : own) {
            if (a.startsWith("-X") || a.startsWith("-D") && !a.startsWith("-D" + backendProperty + "=")) {
                cmd.add(a);
            }
        }
        if (System.getProperty(backendProperty) != null) {
            cmd.add("-D" + backendProperty + "=" + System.getProperty(backendProperty));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), org.dl4jmeta.app.Main.class.getName(),
                "bench", "--same-process", "--configs", config, "--meta-batch", "" + metaBatch, "--threads",
                "" + workers, "--inner-step-size", "" + innerStepSize, "--ways", "" + ways, "--shots", "" + shots,
                "--queries", "" + queries, "--repeats", "" + repeats, "--warmup", "" + warmupSeconds,
                "--pre-adaptation-every", "" + preAdaptationEvery, "--dtype", dataType.name(), "--seed", "" + seed,
                "--data-dir", dataDir.toString()));
        if (profile) {
            cmd.addAll(List.of("--profile", "--profile-top", "" + profileTop));
        }
        if (secondOrderMemory != null) {
            cmd.addAll(List.of("--second-order-memory", secondOrderMemory));
        }
        return cmd;
    }

    /**
     * The heap settings of a child measuring one configuration, unless this JVM's own options choose any
     * ({@link #childMemoryOptions}): the serial collector with a 32 MB young generation.
     *
     * <p>Why: with the JVM's defaults on a machine of 24 GB (G1, a heap of up to a quarter of it), the young
     * generation grows to 100-250 MB between collections, and all of it stays resident although a meta-step's Java
     * garbage is small (about 1.5 MB per Conv-4 task). Measured (alternating, Conv-4, 2 workers, with the trainer's
     * C-heap trims): at meta-batch 4 the peak resident set of first-order MAML with 5 inner steps 700-810 MB with
     * the defaults, 350-380 MB with a 16 MB and 370-385 MB with a 32 MB young generation, but 16 MB made it 10-15%
     * slower (a 5-8 ms young collection every other meta-step) where 32 MB kept G1's speed; 64 MB: 445 MB. The
     * same options serve a {@code train} run ({@code java -XX:+UseSerialGC -Xmn32m -jar ...}).
     */
    static final List<String> CHILD_MEMORY_OPTIONS = List.of("-XX:+UseSerialGC", "-Xmn32m");

    /**
     * @param own this JVM's input arguments
     * @return {@link #CHILD_MEMORY_OPTIONS}, or nothing if {@code own} chooses a collector ({@code -XX:+Use...GC})
     *     or a heap or young generation size ({@code -Xmx}, {@code -Xms}, {@code -Xmn}, {@code -XX:NewSize},
     *     {@code -XX:MaxNewSize}, {@code -XX:MaxRAMPercentage}): a user's own choice is passed on alone
     */
    static List<String> childMemoryOptions(List<String> own) {
        for (String a : own) {
            if (a.matches("-XX:\\+Use\\w*GC") || a.startsWith("-Xmx") || a.startsWith("-Xms") || a.startsWith("-Xmn")
                    || a.startsWith("-XX:NewSize=") || a.startsWith("-XX:MaxNewSize=")
                    || a.startsWith("-XX:MaxRAMPercentage=")) {
                return List.of();
            }
        }
        return CHILD_MEMORY_OPTIONS;
    }

    /**
     * Measures one configuration in a child JVM: its JSON lines go to {@code emit}, everything else it prints (its
     * standard error included, e.g. --profile's tables) to this command's standard error.
     *
     * @throws IllegalStateException if the child fails or prints no JSON line, with its command and output
     */
    private void child(String config, int metaBatch, int workers, java.util.function.Consumer<String> emit) {
        List<String> cmd = childCommand(config, metaBatch, workers);
        PrintWriter err = spec.commandLine().getErr();
        StringBuilder other = new StringBuilder();
        int results = 0;
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try (java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(
                    p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
                for (String l = in.readLine(); l != null; l = in.readLine()) {
                    if (l.startsWith("{")) {
                        emit.accept(l);
                        results++;
                    } else {
                        other.append(l).append('\n');
                    }
                }
            }
            int code = p.waitFor();
            err.print(other);
            err.flush();
            if (code != 0 || results == 0) {
                throw new IllegalStateException("bench's child process for configuration '" + config
                        + "' (meta-batch " + metaBatch + ", workers " + workers + ") " + (code != 0 ? "exited with "
                        + code : "printed no result line") + "; its command: " + String.join(" ", cmd)
                        + "\nits output:\n" + other);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot run bench's child process " + String.join(" ", cmd), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring configuration '" + config + "'", e);
        }
    }

    /**
     * @param nativeThreads the OpenMP threads each worker's native ops used
     * @return the fields every line ends with: network, warm-up, native threads, commit, native build, cores, time
     */
    private String provenance(int nativeThreads) {
        String net = network.equals("resnet12")
                ? "resnet12-" + org.dl4jmeta.app.jobs.NetworkChoice.widthsText(resnetWidths) : network;
        String jvm = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-X")).collect(java.util.stream.Collectors.joining(" "));
        return String.format(Locale.ROOT, ",\"network\":\"%s\",\"warmup_s\":%s,\"omp_threads\":%d,\"cpus\":%d,"
                + "\"nd4j_build\":\"%s\",\"backend\":\"%s\",\"jvm_options\":%s,\"commit\":\"%s\",\"time\":\"%s\"}", net,
                warmupSeconds, nativeThreads, Runtime.getRuntime().availableProcessors(), build, backendLine,
                org.dl4jmeta.io.Json.write(jvm), commit,
                java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    }

    /**
     * A configuration NAME-K as a learner through the registry: any registered learner name (e.g. maml, fomaml,
     * imaml, a user's own) with K inner steps of {@code --inner-step-size} and its type's other defaults.
     */
    private MetaLearner learner(Network net, String config) {
        int dash = config.lastIndexOf('-');
        int k;
        try {
            k = dash > 0 ? Integer.parseInt(config.substring(dash + 1)) : -1;
        } catch (NumberFormatException e) {
            k = -1;
        }
        if (k < 1) {
            throw new IllegalArgumentException("configuration must be forward-backward, sampler or LEARNER-K (a "
                    + "registered learner: " + String.join(", ", LearnerTypes.names()) + ", K >= 1 inner steps), got '"
                    + config + "'");
        }
        try {
            String name = config.substring(0, dash);
            return AlgorithmSpec.configure(name, k, innerStepSize, secondOrderMemory(name, secondOrderMemory))
                    .create(net);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("configuration '" + config + "': " + e.getMessage(), e);
        }
    }

    /**
     * @param learner a registered learner name
     * @param mode the --second-order-memory value, or null
     * @return the configuration override that selects the mode: {@code secondOrderMemory=mode} for learners whose
     *     configuration record has that field, nothing otherwise (or without a mode)
     */
    public static Map<String, Object> secondOrderMemory(String learner, String mode) {
        if (mode == null) {
            return Map.of();
        }
        boolean has = Arrays.stream(LearnerTypes.named(learner).type().configClass().getRecordComponents())
                .anyMatch(c -> c.getName().equals("secondOrderMemory"));
        return has ? Map.of("secondOrderMemory", mode) : Map.of();
    }

    private String metaStep(Network net, String config, int metaBatch, int workers, EpisodeSource source) {
        learner(net, config); // rejects a bad configuration name before any worker starts
        try (MetaTrainer trainer = new MetaTrainer(() -> learner(net, config), metaBatch, workers)) {
            trainer.preAdaptationMetricsEvery(preAdaptationEvery);
            return metaStep(trainer, config, metaBatch, workers, source);
        }
    }

    private String metaStep(MetaTrainer trainer, String config, int metaBatch, int workers, EpisodeSource source) {
        ParamSet theta = trainer.learner().initialise(seed, dataType);
        TrainingState state = new TrainingState(theta, new OuterOptimizer(new Adam(1e-3), theta.length(), dataType), 0);
        List<Episode> batch = new ArrayList<>();
        for (int i = 0; i < metaBatch; i++) {
            batch.add(source.episode(i));
        }
        double firstStep = warmUp(() -> trainer.step(state, batch, 0));
        System.gc();
        long processPeak = MemoryProbe.processPeakRssBytes();
        MemoryProbe probe = new MemoryProbe();
        probe.start();
        double[] ms = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime();
            trainer.step(state, batch, 0);
            ms[r] = (System.nanoTime() - t0) / 1e6;
        }
        MemoryProbe.Peaks p = probe.stop();
        profile(config + " meta-batch " + metaBatch + " workers " + workers + ", per meta-step", repeats,
                () -> trainer.step(state, batch, 0));
        double median = median(ms);
        return String.format(Locale.ROOT, "{\"bench\":\"%s\",\"meta_batch\":%d,\"workers\":%d,\"ways\":%d,\"shots\":%d,\"queries\":%d,"
                + "\"dtype\":\"%s\",\"median_ms_per_meta_step\":%.1f,\"ms_per_task\":%.1f,\"tasks_per_s\":%.2f,"
                + "\"first_step_ms\":%.1f,\"repeats\":%d,\"peak_rss_mb\":%.1f,\"rss_growth_mb\":%.1f,"
                + "\"peak_heap_mb\":%.1f,\"peak_offheap_mb\":%.1f,%s\"pre_adaptation_every\":%d", config, metaBatch,
                workers, ways, shots, queries,
                dataType, median, median / metaBatch, 1000.0 * metaBatch / median, firstStep, repeats,
                p.peakRssBytes() / 1048576.0, p.rssGrowthBytes() / 1048576.0, p.peakHeapBytes() / 1048576.0,
                p.peakOffHeapBytes() / 1048576.0, processFields(processPeak, p), preAdaptationEvery)
                + provenance(org.dl4jmeta.parallel.NativeThreads.perWorker(workers));
    }

    private String forwardBackward(Network net, Episode e) {
        ParamSet theta = net.initialise(seed, dataType);
        org.nd4j.linalg.api.ndarray.INDArray x = Nd4j.concat(0, e.supportX(), e.queryX());
        org.nd4j.linalg.api.ndarray.INDArray y = Nd4j.concat(0, e.supportY(), e.queryY());
        LossGradGraph g = new LossGradGraph(net, x.size(0), dataType);
        // the pass's results are the caller's: handed back at once, as the trainer does, so that the peak memory is
        // the pass's own and not that of results waiting for the garbage collector
        Runnable pass = () -> {
            LossGradGraph.Result r = g.run(theta, x, y, true);
            r.gradient().release();
            org.dl4jmeta.model.NativeArrays.close(List.of(r.output()), List.of());
        };
        warmUp(pass);
        long processPeak = MemoryProbe.processPeakRssBytes();
        MemoryProbe probe = new MemoryProbe();
        probe.start();
        // one pass takes 50-200 ms and its times are bimodal (OpenMP threads spinning against the JVM's own threads
        // on small machines): a median needs many more samples than a meta-step's
        int n = Math.max(repeats, 30);
        double[] ms = new double[n];
        for (int r = 0; r < n; r++) {
            long t0 = System.nanoTime();
            pass.run();
            ms[r] = (System.nanoTime() - t0) / 1e6;
        }
        MemoryProbe.Peaks p = probe.stop();
        profile("forward-backward " + x.size(0) + " images, per pass", n, pass);
        return String.format(Locale.ROOT, "{\"bench\":\"forward-backward\",\"images\":%d,\"dtype\":\"%s\","
                + "\"median_ms\":%.1f,\"repeats\":%d,\"peak_rss_mb\":%.1f,\"peak_heap_mb\":%.1f,"
                + "\"peak_offheap_mb\":%.1f,%s", x.size(0), dataType, median(ms), n, p.peakRssBytes() / 1048576.0,
                p.peakHeapBytes() / 1048576.0, p.peakOffHeapBytes() / 1048576.0, processFields(processPeak, p)
                        .replaceAll(",$", ""))
                + provenance(org.dl4jmeta.parallel.NativeThreads.get());
    }

    /**
     * @param before the process's resident high-water mark before the measured section
     * @param p the section's peaks
     * @return {@code "process_peak_rss_mb":..,"own_process":..,} (with a trailing comma): the process's peak resident
     *     set from its start to the end of the section, and whether this process measured only this configuration
     */
    private String processFields(long before, MemoryProbe.Peaks p) {
        return String.format(Locale.ROOT, "\"process_peak_rss_mb\":%.1f,\"own_process\":%s,",
                Math.max(before, p.peakRssBytes()) / 1048576.0, configs.length == 1 && metaBatches.length == 1
                        && threads.length == 1 && rounds == 1);
    }

    /** With --profile: runs the workload n times under {@link OpProfile} and prints the largest ops. */
    private void profile(String title, int n, Runnable workload) {
        if (!profile) {
            return;
        }
        long t0 = System.nanoTime();
        org.dl4jmeta.graph.OpProfile.start();
        for (int i = 0; i < n; i++) {
            workload.run();
        }
        List<org.dl4jmeta.graph.OpProfile.Entry> ops = org.dl4jmeta.graph.OpProfile.stop();
        PrintWriter err = spec.commandLine().getErr();
        err.printf(Locale.ROOT, "profile: %s (%d runs, %.1f ms wall each; op times summed over threads)%n%s",
                title, n, (System.nanoTime() - t0) / 1e6 / n, org.dl4jmeta.graph.OpProfile.table(ops, n, profileTop));
        err.flush();
    }

    /**
     * Times drawing meta-batches of Omniglot (Vinyals train) episodes from memory on the calling thread: what
     * the background prefetcher must beat for training never to wait on data.
     */
    private String sampler(int metaBatch) {
        try {
            long t0 = System.nanoTime();
            org.dl4jmeta.datasets.omniglot.OmniglotImages train = org.dl4jmeta.datasets.omniglot.Omniglot.at(dataDir)
                    .load(org.dl4jmeta.datasets.omniglot.OmniglotScheme.VINYALS, "train");
            double loadS = (System.nanoTime() - t0) / 1e9;
            org.dl4jmeta.datasets.episode.EpisodeSampler sampler = new org.dl4jmeta.datasets.episode.EpisodeSampler(
                    train, org.dl4jmeta.datasets.episode.SamplerConfig.of(ways, shots, queries, seed)
                            .withDataType(dataType));
            int warm = 50;
            int n = Math.max(repeats, 200);
            for (int t = 0; t < warm; t++) {
                org.dl4jmeta.datasets.episode.MetaBatchPrefetcher.metaBatch(sampler, t, metaBatch);
            }
            double[] ms = new double[n];
            for (int t = 0; t < n; t++) {
                long s = System.nanoTime();
                org.dl4jmeta.datasets.episode.MetaBatchPrefetcher.metaBatch(sampler, warm + t, metaBatch);
                ms[t] = (System.nanoTime() - s) / 1e6;
            }
            double[] sorted = ms.clone();
            Arrays.sort(sorted);
            return String.format(Locale.ROOT, "{\"bench\":\"sampler\",\"dataset\":\"omniglot/vinyals/train\","
                    + "\"meta_batch\":%d,\"ways\":%d,\"shots\":%d,\"queries\":%d,\"load_s\":%.1f,"
                    + "\"median_ms_per_meta_batch\":%.2f,\"p90_ms_per_meta_batch\":%.2f,\"meta_batches\":%d",
                    metaBatch, ways, shots, queries, loadS, median(ms), sorted[n * 9 / 10], n)
                    + provenance(org.dl4jmeta.parallel.NativeThreads.get());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e.getMessage(), e);
        }
    }

    /**
     * Runs {@code step} once, then again until {@code --warmup} seconds have passed since it started.
     *
     * @return the first run's milliseconds (graph building included)
     */
    private double warmUp(Runnable step) {
        long start = System.nanoTime();
        step.run();
        double firstMs = (System.nanoTime() - start) / 1e6;
        while ((System.nanoTime() - start) / 1e9 < warmupSeconds) {
            step.run();
        }
        return firstMs;
    }

    /**
     * @param v values (not modified)
     * @return their median (the mean of the middle two for an even count)
     */
    public static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }
}
