package org.dl4jmeta.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.dl4jmeta.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;

/** Result files: strict JSON (no NaN), provenance included, one-line summary, atomic write, named errors. */
class ExperimentReportTest {

    @TempDir
    Path dir;

    ExperimentReport report() {
        Map<String, Object> config = Map.of("dimension", 3);
        Columns c = new Columns("iteration", "value");
        c.add(0, 1.5);
        c.add(1, Double.NaN);
        c.add(2, null);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("distance", 1e-12);
        summary.put("missing", Double.NaN);
        return new ExperimentReport("demo-run", 7, config, summary, Map.of("main", c.toMap()),
                ExperimentProvenance.start(7, config).finished());
    }

    @Test
    void writesStrictJsonWithProvenance() throws Exception {
        Path file = report().write(dir);
        assertEquals(dir.resolve("demo-run.json"), file);
        String text = Files.readString(file);
        assertFalse(text.contains("NaN"), text);
        JsonNode n = Json.parse(text);
        assertEquals("demo-run", n.get("experiment").asText());
        assertEquals(7, n.get("seed").asLong());
        assertTrue(n.get("summary").get("missing").isNull());
        assertTrue(n.get("series").get("main").get("value").get(1).isNull());
        assertTrue(n.get("series").get("main").get("value").get(2).isNull());
        JsonNode p = n.get("provenance");
        assertEquals("DOUBLE", p.get("dataType").asText());
        for (String f : new String[] {"commit", "projectVersion", "nd4jVersion", "backend", "start", "end"}) {
            assertFalse(p.get(f).isNull() || p.get(f).asText().isEmpty(), "provenance." + f + " missing: " + p);
        }
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file may remain");
        }
    }

    @Test
    void summaryLineIsOneLineOfJson() throws Exception {
        String line = report().summaryLine();
        assertFalse(line.contains("\n"));
        JsonNode n = Json.parse(line);
        assertEquals(1e-12, n.get("summary").get("distance").asDouble());
        assertTrue(n.get("summary").get("missing").isNull());
    }

    @Test
    void badNameIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ExperimentReport(
                "Bad Name", 1, Map.of(), Map.of(), Map.of(), report().provenance()));
        assertTrue(e.getMessage().contains("'Bad Name'"), e.getMessage());
    }
}
