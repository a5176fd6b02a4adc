package org.dl4jmeta.app.experiment;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.dl4jmeta.algorithm.LearnerTypes;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.experiments.ExperimentReport;
import org.dl4jmeta.io.AlgorithmSpec;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.provenance.Provenance;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.SyntheticTasks;
import org.knowm.xchart.XYChart;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code experiment compute-memory} (Rajeswaran et al. 2019, Fig. 2b): time and peak memory of one task's
 * meta-gradient for MAML (second order), first-order MAML and iMAML as the number of inner steps grows, on the
 * Omniglot Conv-4 with 20-way 5-shot shapes. MAML keeps every inner step in its differentiated graph, so its
 * memory grows with the steps; iMAML keeps phi and the CG vectors only, so it stays flat.
 *
 * <p>Each configuration builds its graphs, runs one warm-up meta-gradient, then {@code --repeats} measured ones;
 * the probe covers the measured ones ({@code peak_rss_mb}, {@code rss_growth_mb} above the resident set before
 * them); {@code process_peak_rss_mb} is the process's high-water mark from its start (graph building and warm-up
 * included), that configuration's own when it is the only one of the run. Inputs are synthetic (shapes are what
 * matters). One JSON line per configuration; then {@code <out>/compute-memory.json} (configuration, series, summary, provenance) and
 * {@code <out>/compute-memory.png} are written and the summary line is printed last.
 */
@Command(name = "compute-memory", mixinStandardHelpOptions = true,
        description = {"Time and peak memory per meta-gradient of MAML, first-order MAML and iMAML as inner steps "
                + "grow (Omniglot Conv-4, 20-way 5-shot shapes; Rajeswaran et al. 2019, Fig. 2b).",
            "Prints one JSON line per configuration and a summary line last."})
public final class ComputeMemoryCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--steps", split = ",", defaultValue = "1,5,20,50",
            description = "inner step counts. Default: ${DEFAULT-VALUE}")
    int[] steps;

    @Option(names = "--algos", split = ",", defaultValue = "maml,fomaml,imaml",
            description = "registered learners (the paper's figure: maml, fomaml, imaml). Default: ${DEFAULT-VALUE}")
    String[] algos;

    @Option(names = "--ways", defaultValue = "20", description = "N. Default: ${DEFAULT-VALUE}")
    int ways;

    @Option(names = "--shots", defaultValue = "5", description = "K. Default: ${DEFAULT-VALUE}")
    int shots;

    @Option(names = "--queries", defaultValue = "5", description = "query examples per class. Default: ${DEFAULT-VALUE}")
    int queries;

    @Option(names = "--filters", defaultValue = "64", description = "Conv-4 filters. Default: ${DEFAULT-VALUE}")
    int filters;

    @Option(names = "--image-size", defaultValue = "28", description = "square input size. Default: ${DEFAULT-VALUE}")
    int imageSize;

    @Option(names = "--repeats", defaultValue = "1", description = "measured meta-gradients per configuration. Default: ${DEFAULT-VALUE}")
    int repeats;

    @Option(names = "--cg-iterations", defaultValue = "5", description = "iMAML CG iterations. Default: ${DEFAULT-VALUE}")
    int cgIterations;

    @Option(names = "--second-order-memory", split = ",", defaultValue = "unrolled", paramLabel = "MODE",
            description = "for learners with a secondOrderMemory setting (maml): unrolled, recompute, or both "
                    + "(unrolled,recompute: one series each, the recompute one named LEARNER-recompute). "
                    + "Default: ${DEFAULT-VALUE}")
    String[] secondOrderMemory;

    @CommandLine.Mixin
    ExperimentOutput output;

    @Option(names = "--memory-fraction", defaultValue = "0.5",
            description = "skip a configuration whose predicted RSS growth exceeds this fraction of physical memory. "
                    + "Default: ${DEFAULT-VALUE}")
    double memoryFraction;

    @Override
    public Integer call() throws java.io.IOException {
        long seed = output.seed;
        if (repeats < 1) {
            throw new IllegalArgumentException("--repeats must be >= 1, got " + repeats);
        }
        for (int k : steps) {
            if (k < 1) {
                throw new IllegalArgumentException("--steps must all be >= 1, got " + Arrays.toString(steps));
            }
        }
        for (String a : algos) {
            if (!LearnerTypes.names().contains(a)) {
                throw new IllegalArgumentException("--algos must be registered learners ("
                        + String.join(", ", LearnerTypes.names()) + "), got '" + a + "'");
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("steps", Arrays.stream(steps).boxed().toList());
        config.put("algos", List.of(algos));
        config.put("ways", ways);
        config.put("shots", shots);
        config.put("queries", queries);
        config.put("filters", filters);
        config.put("imageSize", imageSize);
        config.put("repeats", repeats);
        config.put("cgIterations", cgIterations);
        config.put("memoryFraction", memoryFraction);
        config.put("secondOrderMemory", List.of(secondOrderMemory));
        for (String m : secondOrderMemory) {
            org.dl4jmeta.algorithm.SecondOrderMemory.of(m);
        }
        Provenance provenance = Provenance.capture(DataType.FLOAT, seed, config,
                Map.of());
        Map<String, Object> series = new LinkedHashMap<>();
        Network net = Conv4.build(new long[] {1, imageSize, imageSize}, filters, Conv4.Downsampling.STRIDE, 4, ways);
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), ways, shots, queries, DataType.FLOAT, seed);
        long physical = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getTotalMemorySize();
        List<String[]> runs = new ArrayList<>();
        for (String algo : algos) {
            if (org.dl4jmeta.app.bench.BenchCommand.secondOrderMemory(algo, "unrolled").isEmpty()) {
                runs.add(new String[] {algo, null});
            } else {
                for (String m : secondOrderMemory) {
                    runs.add(new String[] {algo, org.dl4jmeta.algorithm.SecondOrderMemory.of(m).id()});
                }
            }
        }
        for (String[] run : runs) {
            String algo = run[0];
            String mode = run[1];
            String label = mode == null || mode.equals("unrolled") ? algo : algo + "-" + mode;
            Map<String, List<Object>> rows = new LinkedHashMap<>();
            for (String k : List.of("inner_steps", "ms_per_meta_gradient", "rss_growth_mb", "skipped")) {
                rows.put(k, new ArrayList<>());
            }
            series.put(label, rows);
            double perStep = 0;
            for (int k : steps) {
                double predicted = perStep * k;
                if (predicted > memoryFraction * physical) {
                    out.println(String.format(Locale.ROOT, "{\"experiment\":\"compute-memory\",\"algo\":\"%s\","
                            + "\"inner_steps\":%d,\"skipped\":\"predicted RSS growth %.1f GB (linear in the steps "
                            + "from the last measurement) exceeds %.0f%% of the %.1f GB of physical memory\"}", label, k,
                            predicted / 1e9, memoryFraction * 100, physical / 1e9));
                    out.flush();
                    rows.get("inner_steps").add(k);
                    rows.get("ms_per_meta_gradient").add(null);
                    rows.get("rss_growth_mb").add(null);
                    rows.get("skipped").add(String.format(Locale.ROOT, "predicted %.1f GB", predicted / 1e9));
                    continue;
                }
                MetaLearner learner = learner(algo, k, net, mode);
                ParamSet theta = learner.initialise(seed, DataType.FLOAT);
                long t0 = System.nanoTime();
                learner.metaGradient(theta, e);
                double warmupMs = (System.nanoTime() - t0) / 1e6;
                System.gc();
                long processPeak = MemoryProbe.processPeakRssBytes();
                MemoryProbe probe = new MemoryProbe();
                probe.start();
                long t1 = System.nanoTime();
                for (int r = 0; r < repeats; r++) {
                    learner.metaGradient(theta, e);
                }
                double ms = (System.nanoTime() - t1) / 1e6 / repeats;
                MemoryProbe.Peaks p = probe.stop();
                out.println(String.format(Locale.ROOT, "{\"experiment\":\"compute-memory\",\"algo\":\"%s\","
                        + "\"inner_steps\":%d,\"ways\":%d,\"shots\":%d,\"queries\":%d,\"ms_per_meta_gradient\":%.1f,"
                        + "\"first_call_ms\":%.1f,\"rss_growth_mb\":%.1f,\"peak_rss_mb\":%.1f,"
                        + "\"peak_heap_mb\":%.1f,\"process_peak_rss_mb\":%.1f%s}", label, k, ways, shots, queries,
                        ms, warmupMs, p.rssGrowthBytes() / 1048576.0, p.peakRssBytes() / 1048576.0,
                        p.peakHeapBytes() / 1048576.0, Math.max(processPeak, p.peakRssBytes()) / 1048576.0, mode == null ? "" : ",\"second_order_memory\":\"" + mode
                                + "\""));
                out.flush();
                rows.get("inner_steps").add(k);
                rows.get("ms_per_meta_gradient").add(ms);
                rows.get("rss_growth_mb").add(p.rssGrowthBytes() / 1048576.0);
                rows.get("skipped").add(null);
                perStep = Math.max(perStep, (double) p.rssGrowthBytes() / k);
                learner = null;
                System.gc();
            }
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        for (Map.Entry<String, Object> algo : series.entrySet()) {
            @SuppressWarnings("unchecked")
            Map<String, List<Object>> rows = (Map<String, List<Object>>) algo.getValue();
            List<Object> mb = rows.get("rss_growth_mb");
            int last = mb.size() - 1;
            while (last > 0 && mb.get(last) == null) {
                last--;
            }
            double first = mb.get(0) == null ? 0 : ((Number) mb.get(0)).doubleValue();
            summary.put(String.format(Locale.ROOT, "%s_rss_growth_ratio_%s_to_%s_steps", algo.getKey(),
                    rows.get("inner_steps").get(0), rows.get("inner_steps").get(last)),
                    first > 0 ? ((Number) mb.get(last)).doubleValue() / first : null);
        }
        ExperimentReport report = new ExperimentReport("compute-memory", seed, config, summary, series,
                provenance.finished());
        output.write(report, plot(series), out);
        return 0;
    }

    @SuppressWarnings("unchecked")
    private static byte[] plot(Map<String, Object> series) {
        XYChart time = Charts.chart("Time per meta-gradient", "inner steps", "ms", true, true);
        XYChart memory = Charts.chart("Peak resident memory growth", "inner steps", "MB", true, true);
        for (Map.Entry<String, Object> e : series.entrySet()) {
            Map<String, List<Object>> rows = (Map<String, List<Object>>) e.getValue();
            List<Object> xs = new ArrayList<>();
            List<Object> ms = new ArrayList<>();
            List<Object> mb = new ArrayList<>();
            for (int i = 0; i < rows.get("inner_steps").size(); i++) {
                if (rows.get("skipped").get(i) == null) {
                    xs.add(rows.get("inner_steps").get(i));
                    ms.add(rows.get("ms_per_meta_gradient").get(i));
                    mb.add(rows.get("rss_growth_mb").get(i));
                }
            }
            if (!xs.isEmpty()) {
                Charts.line(time, e.getKey(), xs, ms, true);
                Charts.line(memory, e.getKey(), xs, mb, true);
            }
        }
        return Charts.png(List.of(time, memory), 2);
    }

    /**
     * A learner through the registry: K inner steps of 0.1, its type's other defaults, {@code --cg-iterations}
     * for learners whose configuration has a {@code cgIterations} field (iMAML's), and the second-order memory mode
     * (null: none) for those with a {@code secondOrderMemory} field.
     */
    private MetaLearner learner(String algo, int k, Network net, String mode) {
        LearnerTypes.Named n = LearnerTypes.named(algo);
        boolean cg = java.util.Arrays.stream(n.type().configClass().getRecordComponents())
                .anyMatch(c -> c.getName().equals("cgIterations"));
        Map<String, Object> overrides = new LinkedHashMap<>(
                org.dl4jmeta.app.bench.BenchCommand.secondOrderMemory(algo, mode));
        if (cg) {
            overrides.put("cgIterations", cgIterations);
        }
        return AlgorithmSpec.configure(algo, k, 0.1, overrides).create(net);
    }
}
