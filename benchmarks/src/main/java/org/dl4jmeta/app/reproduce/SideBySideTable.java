package org.dl4jmeta.app.reproduce;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * The README's performance table from one run of the peer's {@code side_by_side.sh}: PyTorch 1.13 + learn2learn MAML
 * and dl4j-meta's {@code bench} measured alternately on the same machine, per configuration and round, with the
 * ratio dl4j-meta / PyTorch of each round (below 1.0: dl4j-meta is faster) and each side's peak resident memory.
 * Only ratios within one run are comparable: the machine's speed drifts between runs.
 */
final class SideBySideTable {

    private SideBySideTable() {
    }

    /**
     * @param project bench's lines (each with its round)
     * @param peer PyTorch's lines, as {@link BenchTable#parse} makes them
     * @return the markdown table, its notes and the last line {@code worst ratio: X}
     */
    static String render(List<JsonNode> project, List<JsonNode> peer) {
        Map<String, TreeMap<Integer, JsonNode>> ours = new LinkedHashMap<>();
        Map<String, TreeMap<Integer, JsonNode>> theirs = new LinkedHashMap<>();
        Set<String> builds = new LinkedHashSet<>();
        TreeSet<String> times = new TreeSet<>();
        for (JsonNode l : project) {
            String name = l.path("bench").asText();
            if (name.equals("sampler")) {
                continue;
            }
            ours.computeIfAbsent(key(l) + "/" + l.path("workers").asInt(1), k -> new TreeMap<>())
                    .put(l.path("round").asInt(1), l);
            builds.add(l.path("nd4j_build").asText("?") + " at "
                    + OmniglotTable.shortCommit(l.path("commit").asText("?")) + " on " + l.path("cpus").asText("?")
                    + " cores");
            if (l.hasNonNull("time")) {
                times.add(l.get("time").asText());
            }
        }
        for (JsonNode l : peer) {
            theirs.computeIfAbsent(key(l), k -> new TreeMap<>()).put(l.path("round").asInt(1), l);
            if (l.hasNonNull("time")) {
                times.add(l.get("time").asText());
            }
        }
        StringBuilder b = new StringBuilder();
        b.append("| configuration | meta-batch | workers | PyTorch ms per task | dl4j-meta ms per task "
                + "| dl4j-meta / PyTorch, per round | worst | PyTorch peak RSS MB | dl4j-meta peak RSS MB |\n");
        b.append("|---|---|---|---|---|---|---|---|---|\n");
        double worst = Double.NaN;
        Set<Integer> rounds = new TreeSet<>();
        for (Map.Entry<String, TreeMap<Integer, JsonNode>> e : ours.entrySet()) {
            JsonNode first = e.getValue().firstEntry().getValue();
            String name = first.path("bench").asText();
            boolean pass = name.equals("forward-backward");
            TreeMap<Integer, JsonNode> other = theirs.getOrDefault(key(first), new TreeMap<>());
            List<String> ratios = new ArrayList<>();
            double rowWorst = Double.NaN;
            for (Map.Entry<Integer, JsonNode> r : e.getValue().entrySet()) {
                rounds.add(r.getKey());
                JsonNode p = other.get(r.getKey());
                if (p != null) {
                    double ratio = headline(r.getValue()) / headline(p);
                    ratios.add(OmniglotTable.fmt(ratio, 2) + "x");
                    rowWorst = Double.isNaN(rowWorst) ? ratio : Math.max(rowWorst, ratio);
                }
            }
            if (!Double.isNaN(rowWorst)) {
                worst = Double.isNaN(worst) ? rowWorst : Math.max(worst, rowWorst);
            }
            b.append("| ").append(pass ? "forward+backward, " + first.path("images").asInt() + " images (ms per pass)"
                    : BenchTable.describe(name)).append(" | ")
                    .append(pass ? "-" : String.valueOf(first.path("meta_batch").asInt())).append(" | ")
                    .append(pass ? "1" : String.valueOf(first.path("workers").asInt())).append(" | ")
                    .append(other.isEmpty() ? "-" : OmniglotTable.fmt(median(other.values()), 1)).append(" | ")
                    .append(OmniglotTable.fmt(median(e.getValue().values()), 1)).append(" | ")
                    .append(ratios.isEmpty() ? "-" : String.join(", ", ratios)).append(" | ")
                    .append(Double.isNaN(rowWorst) ? "-" : OmniglotTable.fmt(rowWorst, 2) + "x").append(" | ")
                    .append(other.isEmpty() ? "-" : OmniglotTable.fmt(peak(other.values()), 0)).append(" | ")
                    .append(OmniglotTable.fmt(peak(e.getValue().values()), 0)).append(" |\n");
        }
        b.append("\nOne run of `../shared/peer/side_by_side.sh`: PyTorch 1.13 + learn2learn MAML (the peer, 2 intra-op "
                + "threads) and dl4j-meta's `bench` alternated on the same machine in ").append(rounds.size())
                .append(rounds.size() == 1 ? " round" : " rounds")
                .append(times.isEmpty() ? "" : ", " + times.first() + " to " + times.last())
                .append(". Omniglot Conv-4, 5-way 1-shot, 15 queries per class, float32, Adam; medians over the "
                        + "rounds of each side's median per task (per meta-step / meta-batch; forward+backward: per "
                        + "pass on 80 images), and the ratio of each round (below 1.0: dl4j-meta is faster). Peak RSS: "
                        + "the largest over the rounds, each configuration in its own process (PyTorch: ru_maxrss; "
                        + "dl4j-meta: the child process's high-water mark up to the end of its measured steps). "
                        + "dl4j-meta: ").append(String.join("; ", builds)).append(".\n\nWorst ratio: ")
                .append(Double.isNaN(worst) ? "-" : OmniglotTable.fmt(worst, 2) + "x").append(".\n");
        return b.toString();
    }

    /** @return bench name and meta-batch (none for forward-backward): the configurations both sides measure */
    private static String key(JsonNode l) {
        String name = l.path("bench").asText();
        return name.equals("forward-backward") ? name : name + "/" + l.path("meta_batch").asInt(-1);
    }

    private static double headline(JsonNode l) {
        return l.has("ms_per_task") ? l.path("ms_per_task").asDouble() : l.path("median_ms").asDouble();
    }

    private static double median(java.util.Collection<JsonNode> lines) {
        return org.dl4jmeta.app.bench.BenchCommand.median(lines.stream().mapToDouble(SideBySideTable::headline)
                .toArray());
    }

    private static double peak(java.util.Collection<JsonNode> lines) {
        return lines.stream().mapToDouble(l -> l.has("process_peak_rss_mb") ? l.path("process_peak_rss_mb")
                .asDouble() : l.path("peak_rss_mb").asDouble()).max().orElse(Double.NaN);
    }
}
