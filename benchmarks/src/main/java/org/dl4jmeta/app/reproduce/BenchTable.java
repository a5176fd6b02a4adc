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
     * Reads a bench file: either bench's JSON lines ({@code bench --out}), or the raw output of the peer's
     * {@code side_by_side.sh} (see {@link #parse}).
     *
     * @param file the file
     * @return its measurements, parsed (PyTorch's with {@code "side":"pytorch"})
     * @throws IOException if it cannot be read or a line is not understood (file and line named)
     */
    static List<JsonNode> read(Path file) throws IOException {
        return parse(Files.readAllLines(file), file.toString());
    }

    /**
     * Parses bench lines, alone or as {@code side_by_side.sh} prints them: {@code ## round R peer|project TIME}
     * markers, the PyTorch peer's {@code FWDBWD ...} and {@code MAML ...} lines (fields {@code key=value}, as
     * {@code peer_maml_throughput.py} prints them), bench's JSON lines, and the summary table and
     * {@code worst_ratio=} line that the script prints last (skipped). A JSON line without a {@code round} field
     * gets the round of the marker above it; a peer line becomes an object with {@code side} {@code pytorch},
     * {@code bench} (forward-backward, fomaml-K or maml-K), {@code meta_batch}, {@code ms_per_task} (or
     * {@code median_ms} for forward-backward), {@code peak_rss_mb}, {@code round} and, from its marker,
     * {@code time}.
     *
     * @param lines the lines
     * @param source the file's name, for messages
     * @return the measurements, in file order
     * @throws IOException naming the source and line of a line that is none of these, or a peer line that lacks a
     *     field
     */
    static List<JsonNode> parse(List<String> lines, String source) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        int n = 0;
        int round = 0;
        String time = null;
        for (String raw : lines) {
            n++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("|") || line.startsWith("worst_ratio=")) {
                continue;
            }
            java.util.regex.Matcher m = ROUND.matcher(line);
            if (m.matches()) {
                round = Integer.parseInt(m.group(1));
                time = m.group(3);
                continue;
            }
            if (line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("FWDBWD ") || line.startsWith("MAML ")) {
                out.add(peerLine(line, round, time, source, n));
                continue;
            }
            try {
                JsonNode j = Json.parse(line);
                if (!j.isObject()) {
                    throw new IOException("not a JSON object");
                }
                if (!j.has("round") && round > 0) {
                    ((org.nd4j.shade.jackson.databind.node.ObjectNode) j).put("round", round);
                }
                out.add(j);
            } catch (IOException e) {
                throw new IOException(source + " line " + n + " is neither a bench JSON line nor a side_by_side.sh "
                        + "line (## round, FWDBWD, MAML): " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static final java.util.regex.Pattern ROUND =
            java.util.regex.Pattern.compile("## round (\\d+) (peer|project)(?: (\\S+))?.*");

    private static JsonNode peerLine(String line, int round, String time, String source, int n) throws IOException {
        Map<String, String> f = new java.util.HashMap<>();
        String[] parts = line.split("\\s+");
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq > 0) {
                f.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
            }
        }
        boolean fwd = parts[0].equals("FWDBWD");
        List<String> needed = fwd ? List.of("ms", "peak_rss_mb", "batch")
                : List.of("mb", "steps", "first_order", "ms_per_task", "peak_rss_mb");
        for (String k : needed) {
            if (!f.containsKey(k)) {
                throw new IOException(source + " line " + n + ": PyTorch line lacks field " + k + "=: " + line);
            }
        }
        org.nd4j.shade.jackson.databind.node.ObjectNode o = Json.mapper().createObjectNode();
        o.put("side", PYTORCH);
        try {
            if (fwd) {
                o.put("bench", "forward-backward");
                o.put("images", Integer.parseInt(f.get("batch")));
                o.put("median_ms", Double.parseDouble(f.get("ms")));
            } else {
                o.put("bench", (f.get("first_order").equals("1") ? "fomaml-" : "maml-") + f.get("steps"));
                o.put("meta_batch", Integer.parseInt(f.get("mb")));
                o.put("ms_per_task", Double.parseDouble(f.get("ms_per_task")));
            }
            o.put("peak_rss_mb", Double.parseDouble(f.get("peak_rss_mb")));
        } catch (NumberFormatException e) {
            throw new IOException(source + " line " + n + ": PyTorch line has a field that is not a number ("
                    + e.getMessage() + "): " + line, e);
        }
        o.put("round", Math.max(round, 1));
        if (time != null) {
            o.put("time", time);
        }
        return o;
    }

    /** The {@code side} of the peer's measurements. */
    static final String PYTORCH = "pytorch";

    /**
     * @param lines bench lines
     * @return the markdown table
     */
    static String render(List<JsonNode> all) {
        List<JsonNode> peer = all.stream().filter(l -> PYTORCH.equals(l.path("side").asText())).toList();
        List<JsonNode> measured = all.stream().filter(l -> !PYTORCH.equals(l.path("side").asText())).toList();
        if (!peer.isEmpty()) {
            return SideBySideTable.render(measured, peer);
        }
        List<JsonNode> lines = aggregate(measured);
        StringBuilder b = new StringBuilder();
        b.append("| configuration | meta-batch | workers | ms per meta-step | ms per task | tasks/s "
                + "| PyTorch ms per task | dl4j-meta / PyTorch | peak RSS MB | peak heap MB | peak off-heap MB "
                + "| native threads | rounds: range |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        Set<String> builds = new LinkedHashSet<>();
        java.util.TreeSet<String> times = new java.util.TreeSet<>();
        java.util.TreeSet<Integer> preAdaptation = new java.util.TreeSet<>();
        for (JsonNode l : measured) {
            if (l.path("bench").asText().equals("sampler")) {
                continue;
            }
            builds.add(l.path("nd4j_build").asText("?") + " at " + OmniglotTable.shortCommit(l.path("commit").asText("?"))
                    + " on " + l.path("cpus").asText("?") + " cores");
            if (l.hasNonNull("time")) {
                times.add(l.get("time").asText());
            }
        }
        for (JsonNode l : lines) {
            String name = l.path("bench").asText();
            if (name.equals("sampler")) {
                continue;
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
                    .append(" | ").append(l.path("omp_threads").asText("?")).append(" | ")
                    .append(roundsCell(l)).append(" |\n");
        }
        b.append("\nOmniglot Conv-4, 5-way 1-shot, 15 queries per class, float32, medians of the measured meta-steps; "
                + "with several rounds (bench --rounds, every configuration measured once per round, in rotation), the "
                + "median of the rounds' medians, and the range of the headline figure (ms per task, or per pass) "
                + "over the rounds in the last column; peak memory is the first round's. "
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

    /**
     * One line per configuration (bench, meta-batch, workers, images): lines of several rounds become one whose
     * timings are the median of the rounds' and whose memory peaks are the first round's (in later rounds the
     * process also holds every configuration measured before); {@code rounds}, {@code range_lo} and
     * {@code range_hi} record the spread of the headline figure.
     */
    static List<JsonNode> aggregate(List<JsonNode> lines) {
        Map<String, List<JsonNode>> groups = new java.util.LinkedHashMap<>();
        for (JsonNode l : lines) {
            String key = l.path("bench").asText() + "/" + l.path("meta_batch").asInt(-1) + "/"
                    + l.path("workers").asInt(-1) + "/" + l.path("images").asInt(-1);
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(l);
        }
        List<JsonNode> out = new ArrayList<>();
        for (List<JsonNode> g : groups.values()) {
            org.nd4j.shade.jackson.databind.node.ObjectNode o = g.get(0).deepCopy();
            for (String f : List.of("median_ms", "median_ms_per_meta_step", "ms_per_task", "tasks_per_s")) {
                if (o.has(f)) {
                    o.put(f, median(g, f));
                }
            }
            String headline = o.has("ms_per_task") ? "ms_per_task" : "median_ms";
            o.put("rounds", g.size());
            o.put("range_lo", g.stream().mapToDouble(l -> l.path(headline).asDouble()).min().orElseThrow());
            o.put("range_hi", g.stream().mapToDouble(l -> l.path(headline).asDouble()).max().orElseThrow());
            out.add(o);
        }
        return out;
    }

    private static double median(List<JsonNode> g, String field) {
        return org.dl4jmeta.app.bench.BenchCommand.median(g.stream().mapToDouble(l -> l.path(field).asDouble())
                .toArray());
    }

    private static String roundsCell(JsonNode l) {
        int n = l.path("rounds").asInt(1);
        return n == 1 ? "1" : n + ": " + OmniglotTable.fmt(l.path("range_lo").asDouble(), 1) + "-"
                + OmniglotTable.fmt(l.path("range_hi").asDouble(), 1);
    }

    /** Row titles of the configurations the performance table was measured with; others show their name. */
    private static final Map<String, String> TITLES = Map.of("maml", "MAML second order", "fomaml",
            "MAML first order", "imaml", "iMAML (GD inner)");

    static String describe(String config) {
        String[] p = config.split("-");
        String steps = p.length == 2 ? p[1] + (p[1].equals("1") ? " inner step" : " inner steps") : "";
        String title = TITLES.get(p[0]);
        return title == null ? config : title + ", " + steps;
    }
}
