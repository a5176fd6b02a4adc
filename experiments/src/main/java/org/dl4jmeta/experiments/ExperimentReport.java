package org.dl4jmeta.experiments;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.dl4jmeta.io.AtomicFiles;
import org.dl4jmeta.io.Json;
import org.dl4jmeta.provenance.Provenance;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.NullNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * The result file of one experiment, {@code <out>/<experiment>.json}: the configuration, the seed, summary numbers,
 * per-iteration series (column-wise) and the provenance. Non-finite numbers are written as JSON null (JSON has no
 * NaN), so the file parses with any strict reader.
 *
 * @param experiment the experiment's name, e.g. {@code quadratic-optimum} (lower case, digits and '-')
 * @param seed the seed every random draw of the experiment derives from
 * @param config the full configuration
 * @param summary the headline numbers
 * @param series the per-iteration (or per-setting) series
 * @param provenance where the result came from, with its end time
 */
public record ExperimentReport(String experiment, long seed, Map<String, Object> config, Map<String, Object> summary,
                               Map<String, Object> series, Provenance provenance) {

    /**
     * @throws IllegalArgumentException if the name is not lower-case letters, digits and '-'
     * @throws NullPointerException if a field is null
     */
    public ExperimentReport {
        Objects.requireNonNull(experiment, "experiment");
        if (!experiment.matches("[a-z0-9][a-z0-9-]*")) {
            throw new IllegalArgumentException("experiment name must be lower-case letters, digits and '-', got '"
                    + experiment + "'");
        }
        config = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(config, "config")));
        summary = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(summary, "summary")));
        series = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(series, "series")));
        Objects.requireNonNull(provenance, "provenance");
    }

    /** @return the indented JSON of the whole report */
    public String json() {
        return Json.write(finite(Json.tree(this)));
    }

    /**
     * @return one line of JSON: {@code {"experiment":..., "seed":..., "summary":{...}}}, what the command prints last
     */
    public String summaryLine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("experiment", experiment);
        m.put("seed", seed);
        m.put("summary", summary);
        return Json.line(finite(Json.tree(m)));
    }

    /**
     * Writes {@code <dir>/<experiment>.json} atomically (temporary file, then rename).
     *
     * @param dir the output folder (created if missing)
     * @return the file written
     * @throws IOException if it cannot be written; a previous file is then unchanged
     */
    public Path write(Path dir) throws IOException {
        Path file = dir.resolve(experiment + ".json");
        AtomicFiles.writeString(file, json() + "\n");
        return file;
    }

    private static JsonNode finite(JsonNode n) {
        if (n.isObject()) {
            ObjectNode o = (ObjectNode) n;
            var it = o.fields();
            while (it.hasNext()) {
                var e = it.next();
                e.setValue(finite(e.getValue()));
            }
            return o;
        }
        if (n.isArray()) {
            ArrayNode a = (ArrayNode) n;
            for (int i = 0; i < a.size(); i++) {
                a.set(i, finite(a.get(i)));
            }
            return a;
        }
        if (n.isNumber() && (n.isDouble() || n.isFloat()) && !Double.isFinite(n.doubleValue())) {
            return NullNode.getInstance();
        }
        return n;
    }
}
