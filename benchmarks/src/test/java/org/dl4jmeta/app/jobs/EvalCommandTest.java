package org.dl4jmeta.app.jobs;

import org.dl4jmeta.app.CliRun;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.io.Json;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SavedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * The eval command prints exactly {@code accuracy=<mean> ci95=<half-width> episodes=<n>} last, whose numbers are the
 * mean and 1.96 s / sqrt(n) of the per-episode accuracies it writes; results depend only on the model and the seed
 * (not on threads); bad models are rejected naming the file.
 */
class EvalCommandTest {

    @Test
    void theLastLineIsTheDocumentedSummaryOfThePerEpisodeResults(@TempDir Path dir) throws IOException {
        Path model = Jobs.tinyModel(dir.resolve("m.zip"), "float", 3);
        CliRun r = Jobs.run("eval", "--model", model.toString(), "--episodes", "7");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.lastLine().matches("accuracy=\\d\\.\\d{4} ci95=\\d\\.\\d{4} episodes=7"), r.lastLine());
        Path results = dir.resolve("m.eval-synthetic-test-seed1.json");
        JsonNode j = Json.parse(Files.readString(results));
        assertEquals(7, j.get("perEpisode").size());
        double[] acc = new double[7];
        double mean = 0;
        for (int i = 0; i < 7; i++) {
            acc[i] = j.get("perEpisode").get(i).get("accuracy").asDouble();
            mean += acc[i] / 7;
        }
        double ss = 0;
        for (double a : acc) {
            ss += (a - mean) * (a - mean);
        }
        double ci = 1.96 * Math.sqrt(ss / 6) / Math.sqrt(7);
        assertEquals(String.format(java.util.Locale.ROOT, "accuracy=%.4f ci95=%.4f episodes=7", mean, ci),
                r.lastLine());
        assertEquals("test", j.get("config").get("split").asText());
        assertEquals(2, j.get("config").get("innerSteps").asInt(), "the model's test inner steps");
        assertTrue(j.get("provenance").has("commit"));
        assertTrue(j.get("modelProvenance").has("seed"));

        Path out = dir.resolve("threads.json");
        CliRun par = Jobs.run("eval", "--model", model.toString(), "--episodes", "7", "--threads", "2", "--out",
                out.toString(), "--dl4j-stats");
        assertEquals(0, par.code(), par.all());
        assertEquals(r.lastLine(), par.lastLine(), "threads do not change results");
        CliRun otherSeed = Jobs.run("eval", "--model", model.toString(), "--episodes", "7", "--seed", "2",
                "--out", dir.resolve("s2.json").toString());
        assertEquals(0, otherSeed.code(), otherSeed.all());
    }

    @Test
    void badModelsAndMismatchesAreNamed(@TempDir Path dir) throws IOException {
        CliRun r = Jobs.run("eval", "--model", dir.resolve("none.zip").toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("none.zip: no such file"), r.err());

        Path text = dir.resolve("notes.zip");
        Files.writeString(text, "hello");
        r = Jobs.run("eval", "--model", text.toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("notes.zip") && r.err().contains("not a dl4j-meta model file"), r.err());

        Path model = Jobs.tinyModel(dir.resolve("m.zip"), "float", 3);
        byte[] all = Files.readAllBytes(model);
        Path cut = dir.resolve("cut.zip");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length - 100));
        r = Jobs.run("eval", "--model", cut.toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("cut.zip") && r.err().contains("truncated"), r.err());

        r = Jobs.run("eval", "--model", model.toString(), "--ways", "5");
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("--ways must be 3, got 5"), r.err());

        r = Jobs.run("eval", "--model", "pretrained:resnet");
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("no pretrained model 'resnet'"), r.err());

        SavedModel m = ModelFile.read(model);
        Path adapted = dir.resolve("adapted.zip");
        ModelFile.write(adapted, SavedModel.adapted(m.createLearner(), m.parameters(), List.of("a", "b", "c"),
                Map.of(), m.provenance()));
        r = Jobs.run("eval", "--model", adapted.toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("adapted model"), r.err());
    }

    @Test
    void resultsNeverReplaceTheModelOrAModelFileAndAnEarlierResultOnlyWithOverwrite(@TempDir Path dir)
            throws IOException {
        Path model = Jobs.tinyModel(dir.resolve("m.zip"), "float", 3);
        Path other = Jobs.tinyModel(dir.resolve("checkpoint.zip"), "float", 4);
        byte[] modelBytes = Files.readAllBytes(model);
        byte[] otherBytes = Files.readAllBytes(other);
        for (Path target : new Path[] {model, dir.resolve("sub/../m.zip"), other}) {
            CliRun r = Jobs.run("eval", "--model", model.toString(), "--episodes", "2", "--out", target.toString(),
                    "--overwrite");
            assertEquals(2, r.code(), r.all());
            assertTrue(r.err().contains("output " + target) && r.err().contains("even with --overwrite"), r.err());
        }
        assertArrayEquals(modelBytes, Files.readAllBytes(model));
        assertArrayEquals(otherBytes, Files.readAllBytes(other));

        CliRun first = Jobs.run("eval", "--model", model.toString(), "--episodes", "2");
        assertEquals(0, first.code(), first.all());
        Path results = dir.resolve("m.eval-synthetic-test-seed1.json");
        String before = Files.readString(results);
        CliRun again = Jobs.run("eval", "--model", model.toString(), "--episodes", "3");
        assertEquals(2, again.code(), again.all());
        assertEquals("error: output " + results + " already exists; give another path, or add --overwrite to "
                + "replace it", again.err().strip());
        assertEquals(before, Files.readString(results), "the earlier result is intact");
        CliRun replaced = Jobs.run("eval", "--model", model.toString(), "--episodes", "3", "--overwrite");
        assertEquals(0, replaced.code(), replaced.all());
        assertEquals(3, Json.parse(Files.readString(results)).get("episodes").asInt());
    }

    @Test
    void anOutputThatCannotBeCreatedIsNamedWithWhatHappened(@TempDir Path dir) throws IOException {
        Path model = Jobs.tinyModel(dir.resolve("m.zip"), "float", 3);
        CliRun r = Jobs.run("eval", "--model", model.toString(), "--episodes", "2", "--out", "/proc/x/r.json");
        assertEquals(2, r.code(), r.all());
        assertEquals("error: no such file or folder: /proc/x", r.err().strip());
    }

    @Test
    void aDataFileIsAnInputToo(@TempDir Path dir) throws IOException {
        Path data = Files.createDirectories(dir.resolve("omniglot"));
        for (String zip : List.of("images_background.zip", "images_evaluation.zip")) {
            Files.createSymbolicLink(data.resolve(zip), org.dl4jmeta.app.SharedData.omniglot().resolve(zip));
        }
        Path split = data.resolve("splits/vinyals/test.txt");
        Files.createDirectories(split.getParent());
        Files.copy(org.dl4jmeta.app.SharedData.omniglot().resolve("splits/vinyals/test.txt"), split);
        byte[] before = Files.readAllBytes(split);
        for (Path target : List.of(split, data.resolve("images_background.zip"))) {
            CliRun r = Jobs.run("eval", "--model", "pretrained:omniglot-5way-1shot", "--data-dir", data.toString(),
                    "--episodes", "2", "--out", target.toString(), "--overwrite");
            assertEquals(2, r.code(), r.all());
            assertTrue(r.err().contains("output " + target + " is the input "), r.err());
        }
        assertArrayEquals(before, Files.readAllBytes(split));
    }
}
