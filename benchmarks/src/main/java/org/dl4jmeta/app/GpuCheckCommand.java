package org.dl4jmeta.app;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.provenance.BackendInfo;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.SyntheticTasks;
import org.dl4jmeta.train.IterationMetrics;
import org.dl4jmeta.train.MetaTrainer;
import org.dl4jmeta.optim.OuterOptimizer;
import org.dl4jmeta.train.TrainingListener;
import org.dl4jmeta.optim.TrainingState;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gpu-check}: proves that the backend this process runs on computes the second-order MAML meta-gradient
 * that the CPU computes, on the same seeded episode and theta, in float: the reference comes from a child JVM of
 * the same app started with {@code --backend cpu} (one JVM cannot switch ND4J backends). The relative error is
 * ||g - g_cpu|| / max(||g||, ||g_cpu||); then a few meta-training iterations run through the library's execution
 * plans, and the device's milliseconds per task are printed beside the CPU's. On a CPU-only build it says so and
 * runs the same comparison CPU against CPU, a self-test of the check itself. Exit 1 above {@code --tolerance} or
 * on a non-finite meta-training loss.
 */
@Command(name = "gpu-check", mixinStandardHelpOptions = true,
        description = {"Checks the GPU (CUDA build) against the CPU: the second-order MAML meta-gradient on one",
            "seeded episode against a --backend cpu child process (relative error, float), a few meta-training",
            "iterations through the execution plans, and ms per task on the device beside the CPU's.",
            "On a CPU-only build it compares the CPU with itself (a self-test) and says so. Exits 1 above --tolerance."})
public final class GpuCheckCommand implements Callable<Integer> {

    /** Architectures: tiny (quick) or the paper's Omniglot Conv-4 (realistic timings). */
    enum Arch { tiny, omniglot }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--arch", defaultValue = "tiny",
            description = "tiny (1x12x12, 4 filters) or omniglot (1x28x28, 64 filters). Default: ${DEFAULT-VALUE}")
    Arch arch;

    @Option(names = "--ways", defaultValue = "5", description = "classes N. Default: ${DEFAULT-VALUE}")
    int ways;

    @Option(names = "--shots", defaultValue = "1", description = "support examples per class. Default: ${DEFAULT-VALUE}")
    int shots;

    @Option(names = "--queries", defaultValue = "2", description = "query examples per class. Default: ${DEFAULT-VALUE}")
    int queries;

    @Option(names = "--inner-steps", defaultValue = "2", description = "inner steps K. Default: ${DEFAULT-VALUE}")
    int innerSteps;

    @Option(names = "--inner-step-size", defaultValue = "0.4", description = "inner step size. Default: ${DEFAULT-VALUE}")
    double alpha;

    @Option(names = "--seed", defaultValue = "1", description = "seed of theta and the episodes. Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--tasks", defaultValue = "5",
            description = "timed meta-gradients (after one warm-up) on each backend. Default: ${DEFAULT-VALUE}")
    int tasks;

    @Option(names = "--iterations", defaultValue = "2",
            description = "meta-training iterations on this backend. Default: ${DEFAULT-VALUE}")
    int iterations;

    @Option(names = "--meta-batch", defaultValue = "2", description = "tasks per iteration. Default: ${DEFAULT-VALUE}")
    int metaBatch;

    @Option(names = "--tolerance", defaultValue = "1e-3",
            description = "largest accepted relative error; float sums in another order differ by ~1e-6 per op. "
                    + "Default: ${DEFAULT-VALUE}")
    double tolerance;

    @Option(names = "--reference", hidden = true,
            description = "internal: compute the meta-gradient, write it as floats to this file and exit")
    Path reference;

    private Network network() {
        return switch (arch) {
            case tiny -> GradCheckCommand.tiny(ways);
            case omniglot -> Conv4.omniglot(ways);
        };
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (tasks < 1 || iterations < 1 || metaBatch < 1) {
            throw new IllegalArgumentException("--tasks, --iterations and --meta-batch must be >= 1, got "
                    + tasks + ", " + iterations + ", " + metaBatch);
        }
        if (!(tolerance > 0)) {
            throw new IllegalArgumentException("--tolerance must be > 0, got " + tolerance);
        }
        PrintWriter out = spec.commandLine().getOut();
        BackendInfo backend = BackendInfo.current();
        Network net = network();
        Maml maml = new Maml(net, MamlConfig.secondOrder(innerSteps, alpha));
        ParamSet theta = maml.initialise(seed, DataType.FLOAT);
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), ways, shots, queries, DataType.FLOAT, seed + 1);
        float[] g = maml.metaGradient(theta, e).gradient().flat().toFloatVector();
        double ms = msPerTask(maml, theta, e);
        if (reference != null) {
            try (DataOutputStream o = new DataOutputStream(Files.newOutputStream(reference))) {
                o.writeInt(g.length);
                for (float v : g) {
                    o.writeFloat(v);
                }
            }
            out.printf(Locale.ROOT, "reference ms_per_task=%.2f backend=%s%n", ms, backend.line());
            return 0;
        }
        out.println("gpu-check backend=" + backend.line());
        if (!backend.isCuda()) {
            out.println(Backends.builtFor(Backends.buildProperties()) == Backends.Kind.cuda
                    ? "note: this CUDA build runs on the CPU (--backend cpu): the GPU is not checked; the comparison "
                    + "below is CPU against CPU, a self-test of gpu-check"
                    : "note: this build has no GPU backend (nd4j-native only): the comparison below is CPU against a "
                    + "second CPU process, a self-test of gpu-check; build with -Dcuda and run on a supported NVIDIA "
                    + "GPU to check it (README, Backends)");
        }
        Reference ref = reference(g.length);
        double[] err = relativeErrors(g, ref.gradient());
        boolean ok = err[0] <= tolerance;
        out.printf(Locale.ROOT, "meta_gradient params=%d relative_error=%.3e max_elementwise=%.3e tolerance=%s %s%n",
                g.length, err[0], err[1], tolerance, ok ? "ok" : "FAILED");
        out.println("reference backend=" + ref.backend());
        out.printf(Locale.ROOT, "ms_per_task %s=%.2f cpu=%.2f%n", backend.isCuda() ? "device" : "this", ms,
                ref.msPerTask());
        List<IterationMetrics> its = new ArrayList<>();
        try (MetaTrainer trainer = new MetaTrainer(maml, metaBatch)) {
            trainer.addListener(new TrainingListener() {
                @Override
                public void iterationDone(IterationMetrics m, TrainingState s) {
                    its.add(m);
                }
            });
            TrainingState state = new TrainingState(theta.copy(), new OuterOptimizer(new Adam(1e-3), theta.length(),
                    DataType.FLOAT), 0);
            trainer.fit(state, SyntheticTasks.templateTasks(net.inputShape(), seed, Math.max(ways, 10), 64, ways,
                    shots, queries, 1.0, DataType.FLOAT, seed), iterations);
            ok &= state.theta().isFinite();
        }
        for (IterationMetrics m : its) {
            out.printf(Locale.ROOT, "meta_training iteration=%d meta_loss=%.5f ms=%.1f%n", m.iteration(), m.metaLoss(),
                    m.millis());
        }
        out.println(ok ? "gpu-check passed" : "gpu-check FAILED");
        return ok ? 0 : 1;
    }

    /** Times {@link #tasks} meta-gradients after one warm-up; reading the result waits for the device. */
    private double msPerTask(Maml maml, ParamSet theta, Episode e) {
        maml.metaGradient(theta, e).gradient().flat().toFloatVector();
        long t0 = System.nanoTime();
        for (int i = 0; i < tasks; i++) {
            maml.metaGradient(theta, e).gradient().flat().toFloatVector();
        }
        Nd4j.getExecutioner().commit();
        return (System.nanoTime() - t0) / 1e6 / tasks;
    }

    /** The CPU child's answer. */
    private record Reference(float[] gradient, double msPerTask, String backend) {
    }

    /** Runs this command again in a child JVM of the same app with {@code --backend cpu} and reads its gradient. */
    private Reference reference(int length) throws IOException, InterruptedException {
        Path file = Files.createTempFile("dl4j-meta-gpu-check", ".bin");
        try {
            List<String> cmd = new ArrayList<>();
            cmd.add(ProcessHandle.current().info().command()
                    .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (a.startsWith("-X") || (a.startsWith("-D") && !a.startsWith("-D" + Backends.BACKEND_PROPERTY))) {
                    cmd.add(a);
                }
            }
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
                    Backends.BACKEND_FLAG, "cpu", "gpu-check", "--reference", file.toString()));
            cmd.addAll(List.of("--arch", arch.name(), "--ways", "" + ways, "--shots", "" + shots, "--queries",
                    "" + queries, "--inner-steps", "" + innerSteps, "--inner-step-size", "" + alpha, "--seed",
                    "" + seed, "--tasks", "" + tasks));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("the CPU reference process failed (exit "
                        + (p.isAlive() ? "none" : p.exitValue()) + "): " + String.join(" ", cmd) + "\n" + log);
            }
            String line = log.lines().filter(l -> l.startsWith("reference ")).reduce((a, b) -> b)
                    .orElseThrow(() -> new IllegalStateException("the CPU reference process printed no result:\n"
                            + log));
            double ms = Double.parseDouble(line.replaceAll(".*ms_per_task=(\\S+).*", "$1"));
            String backend = line.replaceAll(".*? backend=", "");
            float[] ref;
            try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
                ref = new float[in.readInt()];
                for (int i = 0; i < ref.length; i++) {
                    ref[i] = in.readFloat();
                }
            }
            if (ref.length != length) {
                throw new IllegalStateException("the CPU reference has " + ref.length + " parameters, this process "
                        + length);
            }
            return new Reference(ref, ms, backend);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run the CPU reference process", e);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * @param a a gradient
     * @param b the reference
     * @return {norm-wise ||a-b|| / max(||a||, ||b||), the largest elementwise |a-b| / (|a| + |b| + 1e-6)}
     */
    static double[] relativeErrors(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("gradients differ in length: " + a.length + " vs " + b.length);
        }
        double diff = 0;
        double na = 0;
        double nb = 0;
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            diff += d * d;
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
            worst = Math.max(worst, Math.abs(d) / (Math.abs(a[i]) + Math.abs(b[i]) + 1e-6));
        }
        double scale = Math.max(Math.sqrt(na), Math.sqrt(nb));
        double rel = scale == 0 ? Math.sqrt(diff) : Math.sqrt(diff) / scale;
        if (!Double.isFinite(rel) || Arrays.stream(new double[] {na, nb}).anyMatch(x -> !Double.isFinite(x))) {
            return new double[] {Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY};
        }
        return new double[] {rel, worst};
    }
}
