package org.dl4jmeta.app.reproduce;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dl4jmeta.io.Json;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * Renders {@code bench} JSON lines as the README's performance table, beside the PyTorch figures of issue 7:
 * PyTorch 1.13 with learn2learn's MAML on the same machine kind (2 cores, AVX-512, 2 threads), Omniglot Conv-4,
 * 5-way 1-shot, 15 queries per class, Adam, measured on 2026-11-21. Those are quoted references, not results of
 * this library; every dl4j-meta figure comes from the bench file.
 */
final class BenchTable {

    /** PyTorch milliseconds per meta-step at meta-batch 32 (forward-backward: per pass on 80 images). */
    static final Map<String, Double> PYTORCH_MS = Map.of("forward-backward", 12.0, "fomaml-1", 419.0,
            "maml-1", 951.0, "fomaml-5", 723.0, "maml-5", 2747.0);
    /** The meta-batch of the PyTorch figures. */
    static final int PYTORCH_META_BATCH = 32;

    private BenchTable() {
    }

    /**
     * @param file a file of bench JSON lines
     * @return its lines, parsed
     * @throws IOException if it cannot be read or a line is not JSON (file and line named)
     */
    static List<JsonNode> read(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        int n = 0;
        for (String line : Files.readAllLines(file)) {
            n++;
            if (line.isBlank()) {
                continue;
            }
            try {
                out.add(Json.parse(line));
            } catch (IOException e) {
                throw new IOException(file + " line " + n + " is not a bench JSON line: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /**
     * @param lines bench lines
     * @return the markdown table
     */
    static String render(List<JsonNode> lines) {
        StringBuilder b = new StringBuilder();
        b.append("| configuration | meta-batch | workers | ms per meta-step | ms per task | tasks/s "
                + "| PyTorch ms per task | dl4j-meta / PyTorch | peak RSS MB | peak heap MB | peak off-heap MB "
                + "| native threads |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        Set<String> builds = new LinkedHashSet<>();
        java.util.TreeSet<String> times = new java.util.TreeSet<>();
        java.util.TreeSet<Integer> preAdaptation = new java.util.TreeSet<>();
        for (JsonNode l : lines) {
            String name = l.path("bench").asText();
            if (name.equals("sampler")) {
                continue;
            }
            builds.add(l.path("nd4j_build").asText("?") + " at " + OmniglotTable.shortCommit(l.path("commit").asText("?")) + " on "
                    + l.path("cpus").asText("?") + " cores");
            if (l.hasNonNull("time")) {
                times.add(l.get("time").asText());
            }
            if (!name.equals("forward-backward")) {
                // lines from before the option measured the accuracy before adaptation on every meta-step
                preAdaptation.add(l.path("pre_adaptation_every").asInt(1));
            }
            Double torch = PYTORCH_MS.get(name);
            if (name.equals("forward-backward")) {
                double ms = l.path("median_ms").asDouble();
                b.append("| forward+backward, ").append(l.path("images").asInt()).append(" images | - | 1 | ")
                        .append(OmniglotTable.fmt(ms, 1)).append(" | - | - | ")
                        .append(torch == null ? "-" : OmniglotTable.fmt(torch, 1)).append(" | ")
                        .append(torch == null ? "-" : OmniglotTable.fmt(ms / torch, 1) + "x").append(" | ");
            } else {
                double perTask = l.path("ms_per_task").asDouble();
                double torchTask = torch == null ? Double.NaN : torch / PYTORCH_META_BATCH;
                b.append("| ").append(describe(name)).append(" | ").append(l.path("meta_batch").asInt()).append(" | ")
                        .append(l.path("workers").asInt()).append(" | ")
                        .append(OmniglotTable.fmt(l.path("median_ms_per_meta_step").asDouble(), 0)).append(" | ")
                        .append(OmniglotTable.fmt(perTask, 1)).append(" | ")
                        .append(OmniglotTable.fmt(l.path("tasks_per_s").asDouble(), 2)).append(" | ")
                        .append(torch == null ? "-" : OmniglotTable.fmt(torchTask, 1)).append(" | ")
                        .append(torch == null ? "-" : OmniglotTable.fmt(perTask / torchTask, 1) + "x").append(" | ");
            }
            b.append(OmniglotTable.fmt(l.path("peak_rss_mb").asDouble(), 0)).append(" | ")
                    .append(l.has("peak_heap_mb") ? OmniglotTable.fmt(l.path("peak_heap_mb").asDouble(), 0) : "-")
                    .append(" | ")
                    .append(l.has("peak_offheap_mb") ? OmniglotTable.fmt(l.path("peak_offheap_mb").asDouble(), 0)
                            : "-")
                    .append(" | ").append(l.path("omp_threads").asText("?")).append(" |\n");
        }
        b.append("\nOmniglot Conv-4, 5-way 1-shot, 15 queries per class, float32, medians of the measured meta-steps. "
                + "PyTorch: PyTorch 1.13 + learn2learn MAML on the same machine kind (2 cores, AVX-512, 2 threads), "
                + "measured on 2026-11-21 at meta-batch ").append(PYTORCH_META_BATCH)
                .append(" (quoted from issue 7; per task = per meta-step / ").append(PYTORCH_META_BATCH)
                .append("). dl4j-meta: ").append(String.join("; ", builds))
                .append(times.isEmpty() ? "" : ", " + times.first() + " to " + times.last())
                .append(". The query loss and accuracy before adaptation (a query forward pass per task that PyTorch's "
                        + "probe does not run) were measured ").append(preAdaptationText(preAdaptation))
                .append(". Peak RSS is the process's resident set, which also holds arrays of earlier configurations "
                        + "that the garbage collector has not yet freed; off-heap is resident set minus used Java "
                        + "heap.\n");
        return b.toString();
    }

    private static String preAdaptationText(java.util.SortedSet<Integer> every) {
        if (every.size() != 1) {
            return "on a mix of settings (pre_adaptation_every " + every + ")";
        }
        int n = every.first();
        return n == 0 ? "never" : n == 1 ? "on every meta-step"
                : "on iterations divisible by " + n + ", train's default (at most one measured meta-step in " + n + " pays for it)";
    }

    private static String describe(String config) {
        String[] p = config.split("-");
        String steps = p.length == 2 ? p[1] + (p[1].equals("1") ? " inner step" : " inner steps") : "";
        return switch (p[0]) {
            case "maml" -> "MAML second order, " + steps;
            case "fomaml" -> "MAML first order, " + steps;
            case "imaml" -> "iMAML (GD inner), " + steps;
            default -> config;
        };
    }
}
