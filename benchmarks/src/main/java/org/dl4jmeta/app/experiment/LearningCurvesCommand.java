package org.dl4jmeta.app.experiment;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.dl4jmeta.io.AtomicFiles;
import org.dl4jmeta.io.Json;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.Styler;
import org.nd4j.shade.jackson.databind.JsonNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code experiment learning-curves}: validation accuracy against tasks seen for several {@code train} runs in one
 * PNG, with untrained baselines as horizontal lines. A curve comes from a run folder (its {@code metrics.jsonl}
 * validation lines, tasks seen = iteration x the meta-batch size of its {@code config.json}), which is then written
 * as a small CSV ({@code tasks_seen,accuracy,ci95}) into {@code --csv-dir}, or from such a CSV, so that a figure is
 * redrawn from committed CSVs without the run folders.
 */
@Command(name = "learning-curves", mixinStandardHelpOptions = true,
        description = {"Plots validation accuracy vs tasks seen of train runs (run folders or their CSVs) beside "
                + "baselines.", "Writes --out (PNG) and, for run folders, <csv-dir>/<label>.csv."})
public final class LearningCurvesCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--curve", required = true, paramLabel = "LABEL=PATH",
            description = "a run folder (metrics.jsonl, config.json) or a CSV tasks_seen,accuracy,ci95; repeatable")
    List<String> curves;

    @Option(names = "--baseline", paramLabel = "LABEL=ACCURACY", description = "a horizontal line (accuracy as a "
            + "fraction, e.g. the untrained initialisation adapted with the same test steps); repeatable")
    List<String> baselines = new ArrayList<>();

    @Option(names = "--csv-dir", paramLabel = "DIR", description = "where the CSVs of run folders go. Default: beside "
            + "--out")
    Path csvDir;

    @Option(names = "--title", defaultValue = "Validation accuracy vs tasks seen", description = "chart title")
    String title;

    @Option(names = "--out", required = true, paramLabel = "FILE.png", description = "the PNG to write")
    Path out;

    /** One curve: x = tasks seen, y = accuracy (fraction), ci = 95% half-width. */
    record Curve(String label, List<Double> x, List<Double> y, List<Double> ci) {
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        Path dir = csvDir != null ? csvDir : out.toAbsolutePath().getParent();
        XYChart c = Charts.chart(title, "tasks seen (iterations x meta-batch)", "validation accuracy", false, false,
                Styler.LegendPosition.OutsideS);
        double maxX = 0;
        for (String spec : curves) {
            String[] kv = split(spec, "--curve");
            Path p = Path.of(kv[1]);
            Curve curve;
            if (Files.isDirectory(p)) {
                curve = fromRun(kv[0], p);
                Path csv = dir.resolve(slug(kv[0]) + ".csv");
                AtomicFiles.writeString(csv, toCsv(curve));
                stdout.println("wrote " + csv);
            } else {
                curve = fromCsv(kv[0], p);
            }
            Charts.line(c, curve.label(), curve.x(), curve.y(), true);
            for (double x : curve.x()) {
                maxX = Math.max(maxX, x);
            }
        }
        for (String b : baselines) {
            String[] kv = split(b, "--baseline");
            Charts.horizontal(c, kv[0], 0, maxX, Double.parseDouble(kv[1]));
        }
        AtomicFiles.write(out, o -> o.write(Charts.png(List.of(c), 1)));
        stdout.println("wrote " + out);
        stdout.flush();
        return 0;
    }

    private static String[] split(String spec, String flag) {
        int i = spec.indexOf('=');
        if (i <= 0 || i == spec.length() - 1) {
            throw new IllegalArgumentException(flag + " must be LABEL=VALUE, got '" + spec + "'");
        }
        return new String[] {spec.substring(0, i), spec.substring(i + 1)};
    }

    static String slug(String label) {
        return label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    }

    /** Reads the validation lines of a run folder's metrics.jsonl. */
    static Curve fromRun(String label, Path run) throws IOException {
        Path metrics = run.resolve("metrics.jsonl");
        Path config = run.resolve("config.json");
        if (!Files.isRegularFile(metrics) || !Files.isRegularFile(config)) {
            throw new IllegalArgumentException(run + " is not a train run folder: it needs metrics.jsonl and "
                    + "config.json");
        }
        int batch = Json.mapper().readTree(config.toFile()).path("metaBatchSize").asInt(0);
        if (batch < 1) {
            throw new IllegalArgumentException(config + " has no metaBatchSize >= 1");
        }
        Map<Long, double[]> byIteration = new LinkedHashMap<>();
        for (String line : Files.readAllLines(metrics, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n = Json.mapper().readTree(line);
            if ("val".equals(n.path("type").asText())) {
                // a resumed run may repeat an iteration's validation: the last one counts
                byIteration.put(n.path("iteration").asLong(), new double[] {n.path("accuracy").asDouble(),
                    n.path("ci95").asDouble()});
            }
        }
        if (byIteration.isEmpty()) {
            throw new IllegalArgumentException(metrics + " has no validation lines: train with --val-every N");
        }
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        List<Double> ci = new ArrayList<>();
        byIteration.forEach((it, v) -> {
            x.add((double) it * batch);
            y.add(v[0]);
            ci.add(v[1]);
        });
        return new Curve(label, x, y, ci);
    }

    static String toCsv(Curve c) {
        StringBuilder s = new StringBuilder("tasks_seen,accuracy,ci95\n");
        for (int i = 0; i < c.x().size(); i++) {
            s.append(String.format(Locale.ROOT, "%d,%.4f,%.4f%n", Math.round(c.x().get(i)), c.y().get(i),
                    c.ci().get(i)));
        }
        return s.toString();
    }

    static Curve fromCsv(String label, Path csv) throws IOException {
        if (!Files.isRegularFile(csv)) {
            throw new IllegalArgumentException("--curve " + label + ": " + csv + " is neither a run folder nor a "
                    + "CSV file");
        }
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).trim().equals("tasks_seen,accuracy,ci95")) {
            throw new IllegalArgumentException(csv + " must start with the header tasks_seen,accuracy,ci95");
        }
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        List<Double> ci = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String[] f = lines.get(i).split(",");
            if (f.length != 3) {
                throw new IllegalArgumentException(csv + " line " + (i + 1) + ": expected 3 fields, got '"
                        + lines.get(i) + "'");
            }
            x.add(Double.parseDouble(f[0]));
            y.add(Double.parseDouble(f[1]));
            ci.add(Double.parseDouble(f[2]));
        }
        return new Curve(label, x, y, ci);
    }
}
