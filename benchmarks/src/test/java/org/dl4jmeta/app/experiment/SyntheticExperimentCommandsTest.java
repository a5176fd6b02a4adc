package org.dl4jmeta.app.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.dl4jmeta.app.CliRun;
import org.dl4jmeta.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * The synthetic experiment commands write their JSON (with provenance) and PNG into --out and print the summary as
 * the last line; bad options exit 2 naming the value.
 */
class SyntheticExperimentCommandsTest {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @TempDir
    Path out;

    private JsonNode checkFiles(CliRun r, String name) throws Exception {
        assertEquals(0, r.code(), r.out() + r.err());
        JsonNode line = Json.parse(r.lastLine());
        assertEquals(name, line.get("experiment").asText());
        JsonNode file = Json.parse(Files.readString(out.resolve(name + ".json")));
        assertEquals(line.get("summary"), file.get("summary"));
        assertEquals("DOUBLE", file.get("provenance").get("dataType").asText());
        assertTrue(file.get("provenance").hasNonNull("end"), "provenance needs the end time");
        String backend = file.get("provenance").get("backend").asText();
        assertTrue(backend.startsWith("CPU: nd4j-native ") && backend.contains("OpenMP threads"), backend);
        byte[] png = Files.readAllBytes(out.resolve(name + ".png"));
        assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(png, 8), "not a PNG");
        assertTrue(png.length > 5_000, "PNG suspiciously small: " + png.length + " bytes");
        return file;
    }

    @Test
    void quadraticOptimumWritesResultsAndReachesTheClosedForm() throws Exception {
        CliRun r = CliRun.run("experiment", "quadratic-optimum", "--dimension", "3", "--iterations", "40", "--tight-beta", "3",
                "--seed", "2", "--out", out.toString());
        JsonNode file = checkFiles(r, "quadratic-optimum");
        assertTrue(file.get("summary").get("distance_to_closed_form").asDouble() < 1e-6, r.lastLine());
        assertEquals(3, file.get("config").get("dimension").asInt());
        assertEquals(2, file.get("seed").asInt());
    }

    @Test
    void metagradAccuracyWritesResults() throws Exception {
        CliRun r = CliRun.run("experiment", "metagrad-accuracy", "--dimension", "4", "--inner-steps", "1,8", "--out",
                out.toString());
        JsonNode file = checkFiles(r, "metagrad-accuracy");
        assertEquals(2, file.get("series").get("errors").get("maml").size());
    }

    @Test
    void badOptionExitsTwoNamingTheValue() {
        CliRun r = CliRun.run("experiment", "quadratic-optimum", "--inner-step-size", "0.07", "--out", out.toString());
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("0.07"), r.err());
    }
}
