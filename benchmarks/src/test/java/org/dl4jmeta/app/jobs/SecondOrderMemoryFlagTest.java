package org.dl4jmeta.app.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dl4jmeta.app.CliRun;
import org.dl4jmeta.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;

/** train --second-order-memory selects MAML's mode through its configuration, and a bad mode is named. */
class SecondOrderMemoryFlagTest {

    @Test
    void theFlagReachesTheLearnersConfiguration(@TempDir Path dir) throws IOException {
        Path run = dir.resolve("run");
        CliRun r = Jobs.run(Jobs.args(Jobs.tiny(run, "--algo", "maml", "--inner-steps", "2", "--iterations", "1",
                "--second-order-memory", "recompute")));
        assertEquals(0, r.code(), r.all());
        JsonNode saved = Json.parse(Files.readString(run.resolve("config.json")));
        assertEquals("recompute", saved.get("algorithmConfig").get("secondOrderMemory").asText(), saved.toString());
        org.dl4jmeta.io.SavedModel m = org.dl4jmeta.io.ModelFile.read(run.resolve("model.zip"));
        assertEquals(org.dl4jmeta.algorithm.SecondOrderMemory.RECOMPUTE,
                ((org.dl4jmeta.algorithm.MamlConfig) m.algorithm().configRecord()).memoryMode());
    }

    @Test
    void aBadModeIsNamed(@TempDir Path dir) {
        CliRun r = Jobs.run(Jobs.args(Jobs.tiny(dir.resolve("run"), "--algo", "maml", "--iterations", "1",
                "--second-order-memory", "checkpoint")));
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("'checkpoint'"), r.err());
    }
}
