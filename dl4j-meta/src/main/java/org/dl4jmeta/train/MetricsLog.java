package org.dl4jmeta.train;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.io.AtomicFiles;
import org.dl4jmeta.io.Json;
import org.dl4jmeta.optim.TrainingState;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * The metrics of a run as JSON lines ({@code metrics.jsonl}), one object per line, flushed as written: per iteration
 * {@code {"type":"train","iteration":..,"metaLoss":..,"accuracyBefore":..,"accuracyAfter":..,...}} (a metric the
 * iteration did not measure is left out: the before-adaptation ones appear every {@code preAdaptationEvery}
 * iterations), per validation
 * {@code {"type":"val","iteration":..,"accuracy":..,"ci95":..,"episodes":..}}. Call order: {@link #open},
 * then listener callbacks and {@link #validation}, then {@link #close}.
 */
public final class MetricsLog implements TrainingListener, Closeable {

    private final BufferedWriter out;

    private MetricsLog(BufferedWriter out) {
        this.out = out;
    }

    /**
     * Opens the log. When resuming, lines of iterations after the checkpoint (written by the interrupted run after
     * its last checkpoint) are dropped first, so the file describes exactly the run that continues.
     *
     * @param file metrics.jsonl
     * @param keepUpTo the checkpoint's iteration when resuming (lines up to it are kept), or -1 to start afresh
     * @return the log
     * @throws IOException if the file cannot be written
     */
    public static MetricsLog open(Path file, int keepUpTo) throws IOException {
        if (keepUpTo >= 0 && Files.exists(file)) {
            List<String> kept = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n;
                try {
                    n = Json.parse(line);
                } catch (IOException e) {
                    continue; // a line cut short by a crash
                }
                if (n != null && n.path("iteration").asInt(Integer.MAX_VALUE) <= keepUpTo) {
                    kept.add(line);
                }
            }
            AtomicFiles.writeString(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
            return new MetricsLog(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND));
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        return new MetricsLog(Files.newBufferedWriter(file, StandardCharsets.UTF_8));
    }

    private void write(Map<String, Object> m) {
        try {
            out.write(Json.line(m));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to metrics.jsonl: " + e.getMessage(), e);
        }
    }

    @Override
    public void iterationDone(IterationMetrics m, TrainingState state) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("type", "train");
        o.put("iteration", m.iteration());
        putMeasured(o, "metaLoss", m.metaLoss());
        putMeasured(o, "supportLossBefore", m.supportLossBefore());
        putMeasured(o, "queryLossBefore", m.queryLossBefore());
        putMeasured(o, "accuracyBefore", m.queryAccuracyBefore());
        putMeasured(o, "accuracyAfter", m.queryAccuracyAfter());
        putMeasured(o, "gradientNorm", m.gradientNorm());
        o.put("millis", m.millis());
        write(o);
    }

    /** Metrics an iteration did not measure (NaN: e.g. accuracy before adaptation off its iterations, accuracy of
     * a regression) are left out of the line rather than written as a non-standard JSON NaN. */
    private static void putMeasured(Map<String, Object> o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        }
    }

    /**
     * @param iteration the iteration validated after
     * @param accuracy mean validation accuracy
     * @param ci95 its 95% half-width
     * @param episodes validation episodes
     * @param best whether it is the best so far
     */
    public void validation(int iteration, double accuracy, double ci95, int episodes, boolean best) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("type", "val");
        o.put("iteration", iteration);
        o.put("accuracy", accuracy);
        o.put("ci95", ci95);
        o.put("episodes", episodes);
        o.put("best", best);
        write(o);
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
