package org.dl4jmeta.app.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.dl4jmeta.app.CliRun;
import org.dl4jmeta.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;

/** compute-memory prints a line per configuration and writes its report (with provenance) and plot. */
class ComputeMemoryCommandTest {

    @TempDir
    Path out;

    @Test
    void writesOneLinePerConfigurationAndTheReport() throws Exception {
        CliRun r = CliRun.run("experiment", "compute-memory", "--steps", "1,2", "--algos", "maml,imaml",
                "--filters", "2", "--ways", "2", "--shots", "1", "--queries", "1", "--image-size", "8",
                "--out", out.toString());
        assertEquals(0, r.code(), r.all());
        assertEquals(4, r.out().lines().filter(l -> l.startsWith("{\"experiment\":\"compute-memory\",\"algo\"")).count(),
                r.out());
        JsonNode file = Json.parse(Files.readString(out.resolve("compute-memory.json")));
        assertEquals(Json.parse(r.lastLine()).get("summary"), file.get("summary"));
        assertEquals(2, file.get("series").get("maml").get("inner_steps").size());
        assertTrue(file.get("provenance").hasNonNull("end"));
        assertTrue(Files.size(out.resolve("compute-memory.png")) > 5_000);
    }

    @Test
    void badStepsAreNamed() {
        CliRun r = CliRun.run("experiment", "compute-memory", "--steps", "0,5", "--out", out.toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("[0, 5]"), r.err());
    }
}
