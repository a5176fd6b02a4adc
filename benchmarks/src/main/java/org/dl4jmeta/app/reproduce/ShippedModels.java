package org.dl4jmeta.app.reproduce;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.dl4jmeta.io.Json;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * Renders the README's list of the meta-models shipped inside the app ({@code pretrained:NAME}) from the files
 * beside each model in {@code benchmarks/src/main/resources/pretrained/}: {@code NAME.provenance.json} (the
 * training job's provenance and configuration), {@code NAME.summary.json} (the run's summary: iterations,
 * training time, how it ended), {@code NAME.commands.sh} (the exact commands that trained, chose and evaluated it)
 * and every {@code NAME.eval-*.json} (an {@code eval} result: its accuracy, interval, episodes and configuration).
 * Nothing is typed in: a model without its provenance, summary, commands or an evaluation is an error.
 */
final class ShippedModels {

    private ShippedModels() {
    }

    /**
     * One shipped model's files.
     *
     * @param name the model's name ({@code pretrained:name})
     * @param provenance its provenance
     * @param summary its training run's summary
     * @param commands the commands that made it, verbatim
     * @param evaluations its eval results, by file name
     */
    record Shipped(String name, JsonNode provenance, JsonNode summary, String commands, List<JsonNode> evaluations) {
    }

    /**
     * @param folder the folder of the shipped models
     * @return each {@code *.zip}'s files, by name
     * @throws IOException if a file cannot be read or parsed (named)
     * @throws IllegalArgumentException if the folder is missing or a model lacks one of its files (named)
     */
    static List<Shipped> read(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("--pretrained " + folder + " is not a folder; give the folder of the "
                    + "shipped models, benchmarks/src/main/resources/pretrained");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.sorted().toList();
        }
        List<String> names = files.stream().map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".zip"))
                .map(n -> n.substring(0, n.length() - 4)).sorted().toList();
        List<Shipped> models = new ArrayList<>();
        for (String name : names) {
            List<Path> evals = files.stream().filter(p -> p.getFileName().toString().startsWith(name + ".eval-")
                    && p.getFileName().toString().endsWith(".json")).toList();
            if (evals.isEmpty()) {
                throw new IllegalArgumentException("shipped model " + name + " has no evaluation " + folder.resolve(
                        name + ".eval-*.json") + "; run eval --model pretrained:" + name + " --out <that file>");
            }
            List<JsonNode> e = new ArrayList<>();
            for (Path p : evals) {
                e.add(json(p));
            }
            models.add(new Shipped(name, json(required(folder, name, ".provenance.json")),
                    json(required(folder, name, ".summary.json")),
                    Files.readString(required(folder, name, ".commands.sh")).strip(), e));
        }
        return models;
    }

    private static Path required(Path folder, String name, String suffix) {
        Path p = folder.resolve(name + suffix);
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("shipped model " + name + " lacks " + p + " (its provenance.json, "
                    + "summary.json and the commands that made it are copied beside it from its run)");
        }
        return p;
    }

    private static JsonNode json(Path p) throws IOException {
        try {
            return Json.parse(Files.readString(p));
        } catch (IOException e) {
            throw new IOException(p + " is not readable JSON: " + e.getMessage(), e);
        }
    }

    /**
     * @param models the shipped models
     * @return one paragraph, evaluation table and command block per model
     */
    static String render(List<Shipped> models) {
        StringBuilder b = new StringBuilder();
        for (Shipped m : models) {
            JsonNode c = m.provenance().path("config");
            JsonNode s = m.summary();
            b.append("**`pretrained:").append(m.name()).append("`**: ").append(c.path("ways").asInt()).append("-way ")
                    .append(c.path("shots").asInt()).append("-shot ").append(c.path("algorithm").asText())
                    .append(" meta-model, ").append(network(c)).append(", meta-trained on ").append(data(c))
                    .append(" for ").append(s.path("iterations").asInt()).append(" iterations of ")
                    .append(c.path("metaBatchSize").asInt()).append(" tasks (")
                    .append(c.path("queries").asInt()).append(" queries per class, ")
                    .append(c.path("innerSteps").asInt()).append(" inner step")
                    .append(c.path("innerSteps").asInt() == 1 ? "" : "s").append(" of ")
                    .append(c.path("innerStepSize").asDouble()).append("; ")
                    .append(OmniglotTable.fmt(s.path("trainSeconds").asDouble() / 60, 1)).append(" min on ")
                    .append(m.provenance().path("environment").path("cores").asText()).append(" CPU cores, ended by ")
                    .append(s.path("endedBy").asText()).append(", commit ")
                    .append(OmniglotTable.shortCommit(m.provenance().path("commit").asText())).append(").\n\n");
            b.append("| evaluated on | episodes | accuracy (95% CI) | queries per class | adaptation steps "
                    + "| batch norm | commit |\n|---|---|---|---|---|---|---|\n");
            for (JsonNode e : m.evaluations()) {
                JsonNode ec = e.path("config");
                b.append("| ").append(evaluatedOn(ec)).append(" | ").append(e.path("episodes").asInt()).append(" | ")
                        .append(OmniglotTable.fmt(100 * e.path("accuracy").asDouble(), 2)).append(" ± ")
                        .append(OmniglotTable.fmt(100 * e.path("ci95").asDouble(), 2)).append("% | ")
                        .append(ec.path("queries").asInt()).append(" | ").append(ec.path("innerSteps").asInt())
                        .append(" | ").append(e.path("batchNorm").asText("transductive")).append(" | ")
                        .append(OmniglotTable.shortCommit(e.path("provenance").path("commit").asText()))
                        .append(" |\n");
            }
            b.append("\nMade by (`").append(m.name()).append(".commands.sh`):\n\n```bash\n").append(m.commands())
                    .append("\n```\n\n");
        }
        return b.toString();
    }

    private static String network(JsonNode c) {
        String net = c.path("network").asText("conv4");
        if ("conv4".equals(net) || net.isEmpty()) {
            return "Conv-4 (" + c.path("blocks").asInt(4) + " x " + c.path("filters").asInt(64) + " filters)";
        }
        return net;
    }

    private static String data(JsonNode c) {
        String dataset = c.path("dataset").asText();
        String scheme = c.path("splitScheme").asText("");
        String kind = c.path("episodes").asText("uniform");
        StringBuilder b = new StringBuilder(dataset);
        if (!scheme.isEmpty()) {
            b.append(" (").append(scheme).append(" split)");
        }
        b.append(' ').append(c.path("trainSplit").asText("train")).append(" classes");
        if (!"uniform".equals(kind)) {
            b.append(", ").append(kind).append(" episodes");
        }
        return b.toString();
    }

    private static String evaluatedOn(JsonNode ec) {
        String scheme = ec.path("splitScheme").asText("");
        String kind = ec.path("episodeKind").asText("uniform");
        return ec.path("dataset").asText() + (scheme.isEmpty() ? "" : " " + scheme) + " " + ec.path("split").asText()
                + " split, " + ec.path("ways").asInt() + "-way " + ec.path("shots").asInt() + "-shot, "
                + kind.toLowerCase(Locale.ROOT) + " episodes (seed " + ec.path("seed").asLong() + ")";
    }
}
