package org.dl4jmeta.app.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.app.CliRun;
import org.dl4jmeta.io.Json;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.provenance.Provenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * train and eval on a generated folder data set ({@code --dataset folder --data-dir D --image-size --channels}),
 * the small-class error and {@code --exclude-small-classes} warning, and {@code eval --split lake --episodes
 * within-alphabet} on the real Omniglot (skipped when it is absent) with a tiny untrained model, and a reproduce cell
 * on a folder data set.
 */
class FolderAndLakeJobsTest {

    /** Ten classes of 5 random grey 16x12 PNGs (class k lighter than class k-1), plus class "tiny" of 2. */
    static Path folder(Path root) throws IOException {
        SplittableRandom rng = new SplittableRandom(3);
        for (int k = 0; k < 10; k++) {
            for (int i = 0; i < 5; i++) {
                write(root.resolve("class" + k).resolve("img" + i + ".png"), 20 * k, rng);
            }
        }
        for (int i = 0; i < 2; i++) {
            write(root.resolve("tiny").resolve("img" + i + ".png"), 100, rng);
        }
        return root;
    }

    private static void write(Path file, int base, SplittableRandom rng) throws IOException {
        Files.createDirectories(file.getParent());
        BufferedImage img = new BufferedImage(16, 12, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 12; y++) {
            for (int x = 0; x < 16; x++) {
                img.getRaster().setSample(x, y, 0, base + rng.nextInt(50));
            }
        }
        ImageIO.write(img, "png", file.toFile());
    }

    private static CliRun withStderr(StringBuilder captured, String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            return Jobs.run(args);
        } finally {
            System.setErr(old);
            captured.append(buf.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void trainAndEvalOnAFolderDataSet(@TempDir Path dir) throws IOException {
        Path data = folder(dir.resolve("data"));
        Path run = dir.resolve("run");
        List<String> args = Jobs.tiny(run, "--dataset", "folder", "--data-dir", data.toString(), "--image-size", "8",
                "--channels", "1", "--iterations", "2", "--test-episodes", "3", "--shots", "1", "--queries", "2");
        // split files that make "tiny" (2 images; an episode needs 1 + 2 = 3 per class) a training class
        Files.writeString(data.resolve("train.txt"), "class0\nclass1\nclass2\nclass3\nclass4\ntiny\n");
        Files.writeString(data.resolve("val.txt"), "class5\nclass6\n");
        Files.writeString(data.resolve("test.txt"), "class7\nclass8\nclass9\n");
        List<String> files = new java.util.ArrayList<>(args);
        files.addAll(List.of("--split", "files"));
        CliRun refused = Jobs.run(Jobs.args(files));
        assertEquals(2, refused.code(), refused.all());
        assertTrue(refused.err().contains("'tiny' (2 images)") && refused.err().contains("--exclude-small-classes"),
                refused.err());
        files.add("--exclude-small-classes");
        StringBuilder warned = new StringBuilder();
        CliRun excluded = withStderr(warned, Jobs.args(files));
        assertEquals(0, excluded.code(), excluded.all());
        assertTrue(warned.toString().contains("excluded 1 classes") && warned.toString().contains("tiny=2"),
                warned.toString());
        assertTrue(excluded.lastLine().startsWith("test_accuracy="), excluded.all());
        JsonNode cfg = Json.parse(Files.readString(run.resolve("config.json")));
        assertEquals("folder", cfg.get("dataset").asText());
        assertEquals("files", cfg.get("splitScheme").asText());
        assertEquals(8, cfg.get("imageSize").asInt());
        assertEquals(1, cfg.get("channels").asInt());
        assertTrue(cfg.get("excludeSmallClasses").asBoolean());
        SavedModel m = ModelFile.read(run.resolve("model.zip"));
        assertEquals(List.of(1L, 8L, 8L), java.util.Arrays.stream(m.buildNetwork().inputShape()).boxed().toList());
        assertTrue(Files.isDirectory(data.resolve(".dl4jmeta-cache")), "decoded once into the cache");

        // eval reads the folder, its split and the input shape from the model
        CliRun ev = Jobs.run("eval", "--model", run.resolve("model.zip").toString(), "--episodes", "4");
        assertEquals(0, ev.code(), ev.all());
        assertTrue(ev.lastLine().matches("accuracy=\\d\\.\\d{4} ci95=\\d\\.\\d{4} episodes=4"), ev.lastLine());
        JsonNode res = Json.parse(Files.readString(run.resolve("model.eval-folder-files-test-seed1.json")));
        assertEquals("files", res.get("config").get("splitScheme").asText());
        assertEquals("the user's folder (not checksummed; its cache is keyed by file sizes and times)",
                res.get("provenance").get("dataChecksums").get("images").asText());
        assertTrue(res.get("provenance").get("dataChecksums").get("test.txt").asText().matches("[0-9a-f]{64}"));

        // seeded ratios (the default): "tiny" may land anywhere, so it is excluded there too when asked
        Files.delete(data.resolve("train.txt"));
        CliRun ratios = Jobs.run(Jobs.args(Jobs.tiny(dir.resolve("run2"), "--dataset", "folder", "--data-dir",
                data.toString(), "--image-size", "8", "--channels", "1", "--iterations", "1", "--split-ratios",
                "0.5,0.2,0.3", "--exclude-small-classes", "true")));
        assertEquals(0, ratios.code(), ratios.all());
        assertEquals("0.5,0.2,0.3", Json.parse(Files.readString(dir.resolve("run2/config.json")))
                .get("splitRatios").asText());

        CliRun within = Jobs.run(Jobs.args(Jobs.tiny(dir.resolve("run3"), "--dataset", "folder", "--data-dir",
                data.toString(), "--episodes", "within-alphabet")));
        assertEquals(2, within.code(), within.all());
        assertTrue(within.err().contains("within-alphabet needs Omniglot"), within.err());
        CliRun shape = Jobs.run(Jobs.args(Jobs.tiny(dir.resolve("run4"), "--dataset", "folder", "--data-dir",
                data.toString(), "--channels", "2")));
        assertEquals(2, shape.code(), shape.all());
        assertTrue(shape.err().contains("channels must be 1 (grey) or 3 (RGB), got 2"), shape.err());
    }

    @Test
    void evalOnLakesSplitWithinAlphabets(@TempDir Path dir) throws IOException {
        Path omniglot;
        try {
            omniglot = org.dl4jmeta.app.SharedData.omniglot();
        } catch (IllegalStateException e) {
            omniglot = null;
        }
        assumeTrue(omniglot != null && Files.isRegularFile(omniglot.resolve("images_evaluation.zip")),
                "the shared Omniglot is absent");
        ObjectNode flags = Json.mapper().createObjectNode();
        flags.put("dataset", "omniglot").put("dataDir", omniglot.toString()).put("ways", 5).put("queries", 1)
                .put("filters", 4).put("blocks", 2).put("algorithm", "fomaml").put("testInnerSteps", 1)
                .put("runDir", dir.toString());
        TrainConfig c = TrainConfig.resolve(List.of(Map.entry("test", flags)));
        MetaLearner l = DataSets.learner(c, DataSets.network(c));
        Path model = dir.resolve("tiny-omniglot.zip");
        ModelFile.write(model, SavedModel.meta(l, l.initialise(1, DataType.FLOAT), c.toMap(),
                Provenance.capture(DataType.FLOAT, 1, c.toMap(), Map.of())));
        CliRun r = Jobs.run("eval", "--model", model.toString(), "--split", "lake", "--episodes",
                "within-alphabet", "--queries", "1", "--threads", "1");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.lastLine().matches("accuracy=\\d\\.\\d{4} ci95=\\d\\.\\d{4} episodes=600"), r.lastLine());
        JsonNode res = Json.parse(Files.readString(dir.resolve(
                "tiny-omniglot.eval-omniglot-lake-within-alphabet-test-seed1.json")));
        assertEquals("lake", res.get("config").get("splitScheme").asText());
        assertEquals("within-alphabet", res.get("config").get("episodeKind").asText());
        assertEquals("test", res.get("config").get("split").asText());
        assertFalse(res.get("provenance").get("dataChecksums").has("splits/vinyals/test.txt"),
                "Lake's split reads no Vinyals file");
        // both values in one flag, and a refused pair
        CliRun both = Jobs.run("eval", "--model", model.toString(), "--split", "lake,val", "--episodes",
                "within-alphabet,3", "--queries", "1", "--out", dir.resolve("val.json").toString());
        assertEquals(0, both.code(), both.all());
        assertEquals("val", Json.parse(Files.readString(dir.resolve("val.json"))).get("config").get("split")
                .asText());
        CliRun twice = Jobs.run("eval", "--model", model.toString(), "--episodes", "3,4");
        assertEquals(2, twice.code(), twice.all());
        assertTrue(twice.err().contains("3,4"), twice.err());
    }

    @Test
    void reproduceRunsACellOnAFolderDataSet(@TempDir Path dir) throws IOException {
        // 11 classes, 64/16/20%: 7 train, 2 val, 2 test, so 2-way cells
        Path data = folder(dir.resolve("data"));
        Path out = dir.resolve("results");
        CliRun r = Jobs.run("reproduce", "--table", "omniglot", "--budget", "1it", "--algorithms", "fomaml",
                "--settings", "2w1s", "--episodes", "2", "--eval-queries", "1", "--meta-batch-size", "2", "--threads",
                "1", "--dataset", "folder", "--data-dir", data.toString(), "--image-size", "8", "--channels", "1",
                "--exclude-small-classes", "--out", out.toString());
        assertEquals(0, r.code(), r.all());
        JsonNode j = Json.parse(Files.readString(out.resolve("folder-2w1s-fomaml-seed1.json")));
        assertEquals("done", j.get("status").asText());
        assertEquals("folder", j.get("data").asText());
        assertEquals("folder", j.get("trainConfig").get("dataset").asText());
        assertEquals(8, j.get("trainConfig").get("imageSize").asInt());
        String table = Files.readString(out.resolve("omniglot-table.md"));
        assertTrue(table.startsWith("Data folder (the \"paper\" rows are the publications' Omniglot Vinyals-split"),
                table);
        assertTrue(table.contains("(1it, 1 it.; untrained "), table);
        CliRun noDir = Jobs.run("reproduce", "--table", "omniglot", "--budget", "1it", "--dataset", "folder");
        assertEquals(2, noDir.code(), noDir.all());
        assertTrue(noDir.err().contains("--dataset folder needs --data-dir"), noDir.err());
    }
}
