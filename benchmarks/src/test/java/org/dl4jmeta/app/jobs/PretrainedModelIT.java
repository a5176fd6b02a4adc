package org.dl4jmeta.app.jobs;

import org.dl4jmeta.app.CliRun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dl4jmeta.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * The shipped model's evaluation result is reproducible: eval on the real Omniglot test split with the same seed
 * sees the same episodes, and on the first episodes gives the shipped per-episode accuracies (the test allows a
 * rare arg-max flip, since another CPU may round a float differently).
 */
class PretrainedModelIT {

    static Path omniglot() {
        return org.dl4jmeta.app.SharedData.omniglot();
    }

    @Test
    void evalReproducesTheShippedResultOnItsFirstEpisodes(@TempDir Path dir) throws IOException {
        JsonNode shipped;
        try (InputStream in = getClass().getResourceAsStream(
                "/pretrained/omniglot-5way-1shot.eval-omniglot-test-seed1.json")) {
            shipped = Json.parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
        assertEquals(600, shipped.get("episodes").asInt());
        assertTrue(shipped.get("accuracy").asDouble() > 0.5, "chance is 0.2");
        int n = 40;
        Path out = dir.resolve("eval.json");
        CliRun r = Jobs.run("eval", "--model", "pretrained:omniglot-5way-1shot", "--data-dir", omniglot().toString(),
                "--episodes", String.valueOf(n), "--queries", shipped.get("config").get("queries").asText(), "--seed",
                shipped.get("config").get("seed").asText(), "--out", out.toString());
        assertEquals(0, r.code(), r.all());
        JsonNode mine = Json.parse(Files.readString(out));
        assertEquals(shipped.get("config").get("queries"), mine.get("config").get("queries"));
        int differ = 0;
        for (int i = 0; i < n; i++) {
            if (mine.get("perEpisode").get(i).get("accuracy").asDouble()
                    != shipped.get("perEpisode").get(i).get("accuracy").asDouble()) {
                differ++;
            }
        }
        assertTrue(differ <= 2, differ + " of " + n + " episodes differ from the shipped result");
    }
}
