package org.dl4jmeta.app.reproduce;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import org.dl4jmeta.io.Json;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * Renders the Omniglot table from the result files of {@code reproduce}: the papers' numbers and this library's
 * side by side, then one line per run with its budget, how far training got, seeds and commit. Nothing in the
 * table is typed in: measured numbers come from the result files, published ones from {@link OmniglotAlgorithm}.
 */
final class OmniglotTable {

    private OmniglotTable() {
    }

    /**
     * @param folder the {@code --out} folder of reproduce
     * @return its result files' contents, by setting then algorithm then seed
     * @throws IOException if a result file cannot be read or parsed (named)
     */
    static List<JsonNode> read(Path folder) throws IOException {
        List<JsonNode> results = new ArrayList<>();
        if (!Files.isDirectory(folder)) {
            return results;
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            // <data>-<setting>-<algorithm>-seed<s>.json, data omniglot, omniglot-lake-within-alphabet, folder, ...
            files = s.filter(p -> p.getFileName().toString()
                    .matches("[a-z][a-z-]*-\\d+w\\d+s-.+-seed-?\\d+\\.json")).sorted().toList();
        }
        for (Path f : files) {
            try {
                results.add(Json.parse(Files.readString(f)));
            } catch (IOException e) {
                throw new IOException("result file " + f + " is not readable JSON: " + e.getMessage(), e);
            }
        }
        results.sort(Comparator.<JsonNode>comparingInt(r -> order(Setting.parse(r.path("setting").asText())))
                .thenComparingInt(r -> OmniglotAlgorithm.parse(r.path("algorithm").asText()).order())
                .thenComparingLong(r -> r.path("seed").asLong()));
        return results;
    }

    private static int order(Setting s) {
        int i = Setting.OMNIGLOT.indexOf(s);
        return i < 0 ? Setting.OMNIGLOT.size() + s.ways() * 100 + s.shots() : i;
    }

    /**
     * @param results result files' contents, as {@link #read} returns them
     * @return the markdown
     */
    static String render(List<JsonNode> results) {
        StringBuilder b = new StringBuilder();
        Set<String> data = new java.util.TreeSet<>();
        for (JsonNode r : results) {
            data.add(r.path("data").asText("omniglot"));
        }
        data.remove("omniglot");
        b.append(data.isEmpty() ? "Omniglot (Vinyals split)" : "Data " + String.join(", ", data) + " (the \"paper\" "
                + "rows are the publications' Omniglot Vinyals-split numbers, for reference only)")
                .append(", test accuracy in % with 95% confidence intervals. "
                + "\"paper\" rows quote the publications; \"dl4j-meta\" rows are this library's runs within the "
                + "stated training budget, each beside its untrained baseline (the initialisation it started from, "
                + "adapted with the same test steps on the same episodes), and listed below with its machine and "
                + "commit.\n\n");
        Set<Setting> columns = new LinkedHashSet<>(Setting.OMNIGLOT);
        for (JsonNode r : results) {
            columns.add(Setting.parse(r.path("setting").asText()));
        }
        b.append("| algorithm |");
        columns.forEach(s -> b.append(' ').append(s.title()).append(" |"));
        b.append("\n|---|");
        columns.forEach(s -> b.append("---|"));
        b.append('\n');
        List<OmniglotAlgorithm> rows = new ArrayList<>(OmniglotAlgorithm.PAPERS);
        for (JsonNode r : results) {
            OmniglotAlgorithm a = OmniglotAlgorithm.parse(r.path("algorithm").asText());
            if (!rows.contains(a)) {
                rows.add(a);
            }
        }
        for (OmniglotAlgorithm a : rows) {
            b.append("| ").append(a.title()).append(", paper |");
            for (Setting s : columns) {
                double p = a.paperAccuracy(s);
                b.append(' ').append(Double.isNaN(p) ? "-" : fmt(p, 2)).append(" |");
            }
            b.append('\n');
            b.append("| ").append(a.title()).append(", dl4j-meta |");
            for (Setting s : columns) {
                List<String> cells = new ArrayList<>();
                for (JsonNode r : results) {
                    if (r.path("algorithm").asText().equals(a.id()) && r.path("setting").asText().equals(s.id())) {
                        cells.add(cell(r));
                    }
                }
                b.append(' ').append(cells.isEmpty() ? "not run" : String.join("; ", cells)).append(" |");
            }
            b.append('\n');
        }
        b.append("\nSources: ");
        Set<String> sources = new LinkedHashSet<>();
        for (OmniglotAlgorithm a : OmniglotAlgorithm.PAPERS) {
            sources.add(a.source());
        }
        b.append(String.join("; ", sources)).append(".\n");
        if (results.isEmpty()) {
            b.append("\nNo runs yet: `java -jar benchmarks/target/dl4j-meta.jar reproduce --table omniglot "
                    + "--budget 10m` fills the dl4j-meta rows.\n");
            return b.toString();
        }
        b.append("\n| setting | algorithm | accuracy % | untrained baseline % | above baseline by more than both "
                + "intervals | paper % | gap | budget | trained | iterations x meta-batch "
                + "| inner steps train/test | test episodes (seed, queries) | train seed | commit | machine |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (JsonNode r : results) {
            JsonNode t = r.path("training");
            JsonNode cfg = r.path("trainConfig");
            boolean done = r.path("status").asText().equals("done");
            double acc = 100 * r.path("accuracy").asDouble(Double.NaN);
            double paper = r.path("paperAccuracy").asDouble(Double.NaN);
            b.append("| ").append(Setting.parse(r.path("setting").asText()).title())
                    .append(" | ").append(r.path("title").asText())
                    .append(" | ").append(done ? fmt(acc, 2) + " ± " + fmt(100 * r.path("ci95").asDouble(), 2)
                            : "failed: " + r.path("message").asText())
                    .append(" | ").append(baseline(r).replace("untrained ", ""))
                    .append(" | ").append(aboveBaseline(r))
                    .append(" | ").append(Double.isNaN(paper) ? "-" : fmt(paper, 2))
                    .append(" | ").append(done && !Double.isNaN(paper) ? fmt(acc - paper, 2) : "-")
                    .append(" | ").append(r.path("budget").asText())
                    .append(" | ").append(fmt(t.path("trainSeconds").asDouble() / 60, 1)).append(" min, ")
                    .append(t.path("endedBy").asText("?"))
                    .append(" | ").append(t.path("iterations").asInt()).append(" x ")
                    .append(cfg.path("metaBatchSize").asInt())
                    .append(" | ").append(cfg.path("innerSteps").asInt()).append(" / ")
                    .append(r.path("testInnerSteps").asText("-"))
                    .append(" | ").append(r.path("episodes").asInt()).append(" (").append(r.path("evalSeed").asLong())
                    .append(", ").append(r.path("evalQueries").asInt()).append(")")
                    .append(" | ").append(r.path("seed").asLong())
                    .append(" | ").append(shortCommit(r.path("provenance").path("commit").asText()))
                    .append(" | ").append(machine(r.path("provenance").path("environment")))
                    .append(" |\n");
        }
        Set<String> notes = new LinkedHashSet<>();
        for (JsonNode r : results) {
            if (!r.path("recipeNote").asText().isEmpty()) {
                notes.add(r.path("title").asText() + ": " + r.path("recipeNote").asText());
            }
        }
        if (!notes.isEmpty()) {
            b.append("\nRecipe differences from the papers: ").append(String.join("; ", notes)).append(".\n");
        }
        return b.toString();
    }

    private static String cell(JsonNode r) {
        if (!r.path("status").asText().equals("done")) {
            return "failed";
        }
        return fmt(100 * r.path("accuracy").asDouble(), 2) + " ± " + fmt(100 * r.path("ci95").asDouble(), 2)
                + " (" + r.path("budget").asText() + ", " + r.path("training").path("iterations").asInt() + " it.; "
                + baseline(r) + ")";
    }

    /** @return "untrained a ± c", or "untrained not measured" for a result file without a baseline */
    static String baseline(JsonNode r) {
        JsonNode b = r.path("baseline");
        if (!b.has("accuracy")) {
            return "untrained not measured";
        }
        return "untrained " + fmt(100 * b.path("accuracy").asDouble(), 2) + " ± "
                + fmt(100 * b.path("ci95").asDouble(), 2);
    }

    /**
     * @return "yes" when the trained accuracy exceeds the baseline by more than the two 95% half-widths together,
     *     "no" when it does not, "-" without a baseline
     */
    static String aboveBaseline(JsonNode r) {
        JsonNode b = r.path("baseline");
        if (!b.has("accuracy") || !r.path("status").asText().equals("done")) {
            return "-";
        }
        double margin = r.path("accuracy").asDouble() - b.path("accuracy").asDouble();
        return margin > r.path("ci95").asDouble() + b.path("ci95").asDouble() ? "yes" : "no";
    }

    private static String machine(JsonNode env) {
        String cpus = env.path("cores").asText("");
        String os = env.path("os.arch").asText("");
        return cpus.isEmpty() ? "-" : cpus + " cores " + os;
    }

    /** @return the first 10 characters of a commit hash, keeping a {@code -dirty} mark */
    static String shortCommit(String c) {
        boolean dirty = c.endsWith("-dirty");
        String hash = dirty ? c.substring(0, c.length() - 6) : c;
        return (hash.length() > 10 ? hash.substring(0, 10) : hash) + (dirty ? "-dirty" : "");
    }

    static String fmt(double v, int digits) {
        return String.format(Locale.ROOT, "%." + digits + "f", v);
    }
}
