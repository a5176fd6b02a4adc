package org.dl4jmeta.app;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code dl4j-meta.jar}. Exit codes: 0 success, 1 a check or job failed on its own terms
 * (e.g. a gradient check above tolerance), 2 bad input (the message names the bad value), 128 + N when signal N
 * ended the JVM (130 Ctrl-C, 143 SIGTERM: the JVM's own status, set when the signal starts its shutdown, which
 * shutdown hooks such as train's checkpoint-and-stop cannot change).
 */
@Command(name = "dl4j-meta", mixinStandardHelpOptions = true, versionProvider = Versions.class,
        description = "Gradient-based meta-learning for few-shot image classification on Deeplearning4j.",
        footer = {"", "Global options before the command: --debug (debug logging), --backend cpu (run a CUDA build "
                + "on the CPU; also -Ddl4jmeta.backend=cpu).",
            "Exit codes: 0 success, 1 a check or job failed on its own terms, 2 bad input (the message "
                + "names it), 128+N ended by signal N: 130 Ctrl-C, 143 SIGTERM (train writes a checkpoint first)."},
        subcommands = {GradCheckCommand.class, org.dl4jmeta.app.data.DataInfoCommand.class,
            org.dl4jmeta.app.data.DownloadCommand.class, org.dl4jmeta.app.experiment.ExperimentCommand.class,
            org.dl4jmeta.app.bench.BenchCommand.class, org.dl4jmeta.app.jobs.TrainCommand.class,
            org.dl4jmeta.app.jobs.EvalCommand.class, org.dl4jmeta.app.jobs.AdaptCommand.class,
            org.dl4jmeta.app.jobs.ExportCommand.class, org.dl4jmeta.app.reproduce.ReproduceCommand.class,
            org.dl4jmeta.app.reproduce.ReportCommand.class, GpuCheckCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * @param args command-line arguments
     */
    public static void main(String[] args) {
        args = applyDebugFlag(args);
        Backends.Kind backend;
        try {
            args = applyBackendFlag(args);
            args = applyDebugFlag(args);
            backend = Backends.select(Backends.builtFor(Backends.buildProperties()),
                    System.getProperty(Backends.BACKEND_PROPERTY));
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        Backends.install(backend);
        selectNativeBuild();
        String cpu = unsupportedCpu(System.getProperty(NATIVE_BUILD_PROPERTY, ""), java.nio.file.Path.of(
                "/proc/cpuinfo"));
        if (cpu != null) {
            System.err.println("error: " + cpu);
            System.exit(2);
        }
        boundNativeMemory();
        System.exit(commandLine().execute(args));
    }

    /** The flag, before the command, that turns on debug logging, ND4J's start-up warnings included. */
    static final String DEBUG_FLAG = "--debug";

    /**
     * SLF4J's simple logger reads its levels once, when the first logger is made, so {@code --debug} is taken off
     * the arguments and applied before anything logs: every logger at debug, including the known-harmless ND4J
     * warnings that simplelogger.properties keeps off the screen.
     *
     * @param args the command line
     * @return the command line without a leading {@code --debug}
     */
    static String[] applyDebugFlag(String[] args) {
        if (args.length == 0 || !args[0].equals(DEBUG_FLAG)) {
            return args;
        }
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
        System.setProperty("org.slf4j.simpleLogger.log.org.dl4jmeta", "debug");
        System.setProperty("org.slf4j.simpleLogger.log.org.nd4j.imports.converters.ImportClassMapping", "debug");
        System.setProperty("org.slf4j.simpleLogger.log.org.nd4j.autodiff.functions.DifferentialFunction", "debug");
        return java.util.Arrays.copyOfRange(args, 1, args.length);
    }

    /**
     * {@code --backend cpu|cuda} before the command (either side of {@code --debug}) sets {@value
     * Backends#BACKEND_PROPERTY}, which chooses the ND4J backend before ND4J starts ({@link Backends}).
     *
     * @param args the command line
     * @return the command line without a leading {@code --backend X} or {@code --backend=X}
     * @throws IllegalArgumentException if {@code --backend} has no value
     */
    static String[] applyBackendFlag(String[] args) {
        String flag = Backends.BACKEND_FLAG;
        if (args.length > 0 && args[0].startsWith(flag + "=")) {
            System.setProperty(Backends.BACKEND_PROPERTY, args[0].substring(flag.length() + 1));
            return java.util.Arrays.copyOfRange(args, 1, args.length);
        }
        if (args.length == 0 || !args[0].equals(flag)) {
            return args;
        }
        if (args.length < 2) {
            throw new IllegalArgumentException("--backend needs a value, cpu or cuda, before the command");
        }
        System.setProperty(Backends.BACKEND_PROPERTY, args[1]);
        return java.util.Arrays.copyOfRange(args, 2, args.length);
    }

    /** The system property naming the nd4j-native build JavaCPP loads (empty: the portable one). */
    public static final String NATIVE_BUILD_PROPERTY = "org.bytedeco.javacpp.platform.extension";

    /**
     * JavaCPP loads the nd4j-native build named by {@code org.bytedeco.javacpp.platform.extension} (-avx2,
     * -onednn, ...); the app was packaged with one build, recorded in dl4j-meta-build.properties, so it tells
     * JavaCPP which before ND4J starts (an explicit -D on the command line wins).
     */
    static void selectNativeBuild() {
        String key = NATIVE_BUILD_PROPERTY;
        if (System.getProperty(key) != null) {
            return;
        }
        try (var in = Main.class.getResourceAsStream("/dl4j-meta-build.properties")) {
            if (in != null) {
                java.util.Properties p = new java.util.Properties();
                p.load(in);
                String ext = p.getProperty("nd4j.extension", "");
                if (!ext.isEmpty() && !ext.contains("${")) {
                    System.setProperty(key, ext);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read dl4j-meta-build.properties from the jar", e);
        }
    }

    /**
     * An nd4j-native build for AVX2 or AVX-512 dies with an illegal instruction on a CPU without them; where the
     * CPU's flags can be read (Linux), say so before ND4J loads it.
     *
     * @param extension the nd4j-native build, e.g. {@code -onednn-avx2} (empty: the portable one)
     * @param cpuinfo the kernel's CPU description, {@code /proc/cpuinfo}
     * @return the problem and its fix, or null if the CPU has the instructions or its flags cannot be read
     */
    static String unsupportedCpu(String extension, java.nio.file.Path cpuinfo) {
        String needed = extension.contains("avx512") ? "avx512f" : extension.contains("avx2") ? "avx2" : null;
        if (needed == null || !java.nio.file.Files.isReadable(cpuinfo)) {
            return null;
        }
        String flags;
        try {
            flags = java.nio.file.Files.readString(cpuinfo);
        } catch (java.io.IOException e) {
            return null;
        }
        if (!flags.contains("flags")
                || java.util.regex.Pattern.compile("\\b" + needed + "\\b").matcher(flags).find()) {
            return null;
        }
        return "this app was built with nd4j-native" + extension + ", which needs a CPU with "
                + needed.toUpperCase(java.util.Locale.ROOT).replace("F", "") + "; this CPU has none (" + cpuinfo
                + "): rebuild it with the portable build, ./mvnw -B -q package -DskipTests -Dnd4j.extension= "
                + "(README, Backends)";
    }

    /** JavaCPP's limit on the process's resident memory, after which it collects garbage before allocating. */
    static final String MAX_PHYSICAL_BYTES = "org.bytedeco.javacpp.maxphysicalbytes";

    /**
     * ND4J arrays that SameDiff hands back, and some it keeps between runs, are freed when the garbage collector
     * finds their Java objects; a nearly empty Java heap is rarely collected, so off-heap memory grew without
     * bound: second-order MAML with 5 inner steps on 20-way episodes grew by about 2 GB per meta-batch of 8
     * tasks until the kernel killed the process at 23 GB. Unless {@code -Dorg.bytedeco.javacpp.maxphysicalbytes}
     * is given, JavaCPP is told to collect garbage once the resident set reaches half of physical memory (the same
     * 5-step MAML on 5-way episodes then levelled off at 2.6 GB under a 3 GB limit, instead of 6 GB and rising).
     */
    static void boundNativeMemory() {
        if (System.getProperty(MAX_PHYSICAL_BYTES) != null) {
            return;
        }
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory
                .getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun && sun.getTotalMemorySize() > 0) {
            System.setProperty(MAX_PHYSICAL_BYTES, String.valueOf(sun.getTotalMemorySize() / 2));
        }
    }

    /** @return the configured command line (tests execute it in-process) */
    public static CommandLine commandLine() {
        return configure(new CommandLine(new Main()));
    }

    /**
     * Applies the app's error handling: bad input (an {@link IllegalArgumentException} or an I/O error) prints
     * {@code error: <message>} and exits 2; anything else propagates. File-system errors, whose own message is often
     * only a path, say what happened to which path ({@link #describe}).
     *
     * @param cl a command line
     * @return the same command line
     */
    public static CommandLine configure(CommandLine cl) {
        cl.setExecutionStrategy(Main::executeOnBackend);
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof java.io.UncheckedIOException
                    || ex instanceof java.io.IOException) {
                cmd.getErr().println("error: " + describe(ex));
                return 2;
            }
            throw ex;
        });
        return cl;
    }

    /**
     * Runs the parsed command after {@link Backends#start} has checked and logged the backend it computes on (once
     * per process); help, version and commands marked {@link WithoutBackend} run without starting ND4J. A backend
     * that cannot run prints {@code error: <why and the fix>} and exits 2.
     */
    private static int executeOnBackend(CommandLine.ParseResult parsed) {
        List<CommandLine> chain = parsed.asCommandLineList();
        CommandLine leaf = chain.get(chain.size() - 1);
        boolean help = chain.stream().anyMatch(c -> c.isUsageHelpRequested() || c.isVersionHelpRequested());
        Object command = leaf.getCommand();
        if (!help && chain.size() > 1 && !(command instanceof CommandLine.HelpCommand)
                && !(command instanceof WithoutBackend)) {
            try {
                Backends.start(Backends.select(Backends.builtFor(Backends.buildProperties()),
                        System.getProperty(Backends.BACKEND_PROPERTY)));
            } catch (IllegalArgumentException | IllegalStateException e) {
                leaf.getErr().println("error: " + e.getMessage());
                leaf.getErr().flush();
                return 2;
            }
        }
        return new CommandLine.RunLast().execute(parsed);
    }

    /**
     * The message printed for a bad-input error: a {@link java.nio.file.FileSystemException} (whose message is
     * usually just the path) becomes what happened and to which path, e.g. {@code no such file or folder: /missing},
     * {@code permission denied: /data/x}; an {@link java.io.UncheckedIOException} is described by its cause; any
     * other exception by its message.
     *
     * @param ex the error
     * @return one line for the user
     */
    public static String describe(Throwable ex) {
        Throwable e = ex instanceof java.io.UncheckedIOException u && u.getCause() != null ? u.getCause() : ex;
        if (e instanceof java.nio.file.FileSystemException f && f.getFile() != null) {
            String path = f.getOtherFile() == null ? f.getFile() : f.getFile() + " -> " + f.getOtherFile();
            String reason = f.getReason() == null || f.getReason().isBlank() ? "" : " (" + f.getReason() + ")";
            if (f instanceof java.nio.file.NoSuchFileException) {
                return "no such file or folder: " + path + reason;
            }
            if (f instanceof java.nio.file.AccessDeniedException) {
                return "permission denied: " + path + reason + "; it cannot be read, created or written by this user: "
                        + "check its permissions or choose another path";
            }
            if (f instanceof java.nio.file.FileAlreadyExistsException) {
                return "already exists: " + path + reason;
            }
            if (f instanceof java.nio.file.DirectoryNotEmptyException) {
                return "folder is not empty: " + path + reason;
            }
            if (f instanceof java.nio.file.NotDirectoryException) {
                return "not a folder: " + path + reason;
            }
            if (f instanceof java.nio.file.FileSystemLoopException) {
                return "symbolic links form a loop at: " + path + reason;
            }
            return "cannot access " + path + (reason.isEmpty() ? "" : ": " + f.getReason());
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
