package org.dl4jmeta.app.jobs;

import org.dl4jmeta.app.CliRun;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.io.Json;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SameDiffExport;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.model.Network;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * adapt on a generated folder of images (PNG, JPEG and BMP of assorted sizes, colour) works end to end: one
 * prediction line per query image, an adapted model with the class names, which export turns into a SameDiff file
 * that plain SameDiff runs with the same outputs; the shipped pretrained model adapts too.
 */
class AdaptCommandTest {

    @Test
    void adaptsOnAFolderPredictsQueriesSavesAndExports(@TempDir Path dir) throws IOException {
        Path model = Jobs.tinyModel(dir.resolve("m.zip"), "float", 3);
        Path support = dir.resolve("support");
        Path query = dir.resolve("query");
        ImagesForTests.write(support, 3, 2, 1);
        ImagesForTests.write(query, 3, 2, 2);
        // a class name with spaces, '=' and a quote survives the output lines
        String odd = "big \"circle\" = round";
        Files.move(support.resolve("circle"), support.resolve(odd));
        Files.move(query.resolve("circle"), query.resolve(odd));
        List<String> classes = List.of(odd, "cross", "square");
        Files.writeString(support.resolve(odd).resolve("README.txt"), "not an image");
        Path out = dir.resolve("adapted.zip");
        CliRun r = Jobs.run("adapt", "--model", model.toString(), "--support", support.toString(), "--query",
                query.toString(), "--steps", "3", "--out", out.toString());
        assertEquals(0, r.code(), r.all());
        List<String> lines = r.out().lines().toList();
        assertEquals(8, lines.size(), "6 predictions, the accuracy, the summary: " + r.out());
        for (String line : lines.subList(0, 6)) {
            JsonNode p = Json.parse(line);
            assertEquals(List.of("file", "class", "probability", "truth"), fieldNames(p), line);
            assertTrue(classes.contains(p.get("class").asText()), line);
            assertTrue(classes.contains(p.get("truth").asText()), line);
            assertTrue(Files.isRegularFile(Path.of(p.get("file").asText())), line);
            assertTrue(Path.of(p.get("file").asText()).startsWith(query.resolve(p.get("truth").asText())), line);
            double prob = p.get("probability").asDouble();
            assertTrue(prob >= 1.0 / 3 - 1e-4 && prob <= 1, line);
        }
        JsonNode acc = Json.parse(lines.get(6));
        assertEquals(List.of("queryAccuracy", "queries"), fieldNames(acc), lines.get(6));
        assertEquals(6, acc.get("queries").asInt());
        JsonNode done = Json.parse(r.lastLine());
        assertEquals(out.toString(), done.get("adapted").asText());
        assertEquals(classes, Json.mapper().convertValue(done.get("classes"), List.class));
        assertEquals(6, done.get("supportImages").asInt());
        assertEquals(3, done.get("steps").asInt());
        SavedModel adapted = ModelFile.read(out);
        assertEquals(SavedModel.Kind.ADAPTED, adapted.kind());
        assertEquals(classes, adapted.classNames());
        assertEquals(6, adapted.provenance().dataChecksums().size(), "every support image is checksummed");

        // unlabelled query folder: predictions only
        CliRun flat = Jobs.run("adapt", "--model", model.toString(), "--support", support.toString(), "--query",
                query.resolve("cross").toString(), "--out", dir.resolve("a2.zip").toString());
        assertEquals(0, flat.code(), flat.all());
        List<String> preds = flat.out().lines().filter(l -> l.startsWith("{\"file\":")).toList();
        assertEquals(2, preds.size(), flat.out());
        assertEquals(List.of("file", "class", "probability"), fieldNames(Json.parse(preds.get(0))));

        // export the adapted network and run it with plain SameDiff
        Path fb = dir.resolve("adapted.fb");
        CliRun e = Jobs.run("export", "--model", out.toString(), "--out", fb.toString());
        assertEquals(0, e.code(), e.all());
        assertTrue(e.out().contains("classes=" + Json.line(classes)), e.out());
        assertTrue(e.lastLine().contains("input=input[-1,1,12,12] outputs=logits,probabilities"), e.lastLine());
        Network net = adapted.buildNetwork();
        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 4, 1, 12, 12);
        INDArray expected = new LossGradGraph(net, 4, x.dataType()).run(adapted.parameters(), x,
                Nd4j.zeros(x.dataType(), 4, 3), false).output();
        SameDiff sd = SameDiff.fromFlatFile(fb.toFile());
        INDArray got = sd.output(Map.of(SameDiffExport.INPUT, x), SameDiffExport.LOGITS).get(SameDiffExport.LOGITS);
        assertArrayEquals(expected.dup().data().asFloat(), got.dup().data().asFloat(), 1e-6f);
    }

    @Test
    void aThreeWayModelAdaptsToTwoClassesAndPredictsOnlyThose(@TempDir Path dir) throws IOException {
        Path model = Jobs.tinyModel(dir.resolve("m.zip"), "float", 3);
        Path support = dir.resolve("support");
        Path query = dir.resolve("query");
        ImagesForTests.write(support, 2, 2, 1);
        ImagesForTests.write(query, 2, 3, 2);
        Path out = dir.resolve("adapted.zip");
        CliRun r = Jobs.run("adapt", "--model", model.toString(), "--support", support.toString(), "--query",
                query.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.all());
        List<String> lines = r.out().lines().toList();
        for (String line : lines.subList(0, 6)) {
            JsonNode p = Json.parse(line);
            assertTrue(List.of("circle", "cross").contains(p.get("class").asText()), line);
            assertTrue(p.get("probability").asDouble() >= 0.5 - 1e-4, "a softmax over two classes: " + line);
        }
        JsonNode done = Json.parse(r.lastLine());
        assertEquals(List.of(2), Json.mapper().convertValue(done.get("unusedOutputs"), List.class));
        org.dl4jmeta.predict.FewShotClassifier c = org.dl4jmeta.predict.FewShotClassifier.load(out);
        assertEquals(List.of("circle", "cross"), c.classes());
    }

    @Test
    void supportBatchNormPredictsEachImageOnItsOwn(@TempDir Path dir) throws IOException {
        Path model = Jobs.tinyModel(dir.resolve("m.zip"), "float", 3);
        Path support = dir.resolve("support");
        Path query = dir.resolve("query");
        ImagesForTests.write(support, 3, 2, 1);
        ImagesForTests.write(query, 3, 2, 2);
        Map<String, Map<String, String>> byMode = new java.util.HashMap<>();
        for (String mode : List.of("support")) {
            CliRun all = Jobs.run("adapt", "--model", model.toString(), "--support", support.toString(), "--query",
                    query.toString(), "--out", dir.resolve(mode + "-all.zip").toString());
            assertEquals(0, all.code(), all.all());
            CliRun cross = Jobs.run("adapt", "--model", model.toString(), "--support", support.toString(), "--query",
                    query.resolve("cross").toString(), "--out",
                    dir.resolve(mode + "-cross.zip").toString());
            assertEquals(0, cross.code(), cross.all());
            Map<String, String> alone = new java.util.HashMap<>();
            Map<String, String> inBatch = new java.util.HashMap<>();
            cross.out().lines().filter(l -> l.startsWith("{\"file\":")).map(this::parse)
                    .forEach(p -> alone.put(p.get("file").asText(), p.get("probability").asText()));
            all.out().lines().filter(l -> l.startsWith("{\"file\":")).map(this::parse)
                    .filter(p -> alone.containsKey(p.get("file").asText()))
                    .forEach(p -> inBatch.put(p.get("file").asText(), p.get("probability").asText()));
            assertEquals(2, alone.size(), cross.out());
            byMode.put(mode, Map.of("alone", alone.toString(), "inBatch", inBatch.toString()));
        }
        // with the support set's statistics an image's prediction does not depend on the other query images
        assertEquals(byMode.get("support").get("alone"), byMode.get("support").get("inBatch"));
    }

    private JsonNode parse(String line) {
        try {
            return Json.parse(line);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void badFoldersAndImagesAreNamed(@TempDir Path dir) throws IOException {
        Path model = Jobs.tinyModel(dir.resolve("m.zip"), "float", 3);
        Path four = dir.resolve("four");
        ImagesForTests.write(four, 4, 1, 1);
        CliRun r = Jobs.run("adapt", "--model", model.toString(), "--support", four.toString(), "--out",
                dir.resolve("four.zip").toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("has 4 class subfolders [circle, cross, square, triangle] but the model is "
                + "3-way: give 2 to 3 classes"), r.err());
        assertTrue(!Files.exists(dir.resolve("four.zip")), "no adapted model for refused input");

        Path bad = dir.resolve("bad");
        ImagesForTests.write(bad, 3, 1, 1);
        Path broken = bad.resolve("square").resolve("broken.png");
        Files.writeString(broken, "this is not a PNG");
        r = Jobs.run("adapt", "--model", model.toString(), "--support", bad.toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("broken.png"), r.err());

        r = Jobs.run("adapt", "--model", model.toString(), "--support", dir.resolve("absent").toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("--support folder " + dir.resolve("absent") + " does not exist"), r.err());
        Path missing = dir.resolve("missing");
        r = Jobs.run("adapt", "--model", model.toString(), "--support", bad.toString(), "--query", missing.toString());
        assertEquals(2, r.code(), r.all());
        assertEquals("error: --query folder " + missing + " does not exist; give a folder of images (with one "
                + "subfolder per class where they are labelled)", r.err().strip());

        Path empty = dir.resolve("emptyclass");
        ImagesForTests.write(empty, 2, 1, 1);
        Files.createDirectories(empty.resolve("zzz"));
        r = Jobs.run("adapt", "--model", model.toString(), "--support", empty.toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("zzz holds no images"), r.err());
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> names = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void aQueryClassTheSupportLacksIsRefusedByName(@TempDir Path dir) throws IOException {
        Path model = Jobs.tinyModel(dir.resolve("m.zip"), "float", 3);
        Path support = dir.resolve("support");
        Path query = dir.resolve("query");
        ImagesForTests.write(support, 3, 1, 1);
        ImagesForTests.write(query, 4, 1, 2);
        Path out = dir.resolve("adapted.zip");
        CliRun r = Jobs.run("adapt", "--model", model.toString(), "--support", support.toString(), "--query",
                query.toString(), "--out", out.toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("--query class 'triangle' is not among the --support classes [circle, cross, "
                + "square]"), r.err());
        assertFalse(Files.exists(out), "nothing is written");
    }

    @Test
    void theOutputNeverReplacesAnInputAndAnExistingFileOnlyWithOverwrite(@TempDir Path dir) throws IOException {
        Path model = Jobs.tinyModel(dir.resolve("m.zip"), "float", 3);
        byte[] modelBytes = Files.readAllBytes(model);
        Path support = dir.resolve("support");
        ImagesForTests.write(support, 3, 1, 1);
        for (String overwrite : new String[] {"--steps=1", "--overwrite"}) {
            CliRun r = Jobs.run("adapt", "--model", model.toString(), "--support", support.toString(), "--out",
                    model.toString(), overwrite);
            assertEquals(2, r.code(), r.all());
            assertTrue(r.err().contains("output " + model + " is the input " + model), r.err());
        }
        assertArrayEquals(modelBytes, Files.readAllBytes(model), "the meta-model is untouched");

        Path out = Files.writeString(dir.resolve("mine.zip"), "someone's file");
        CliRun r = Jobs.run("adapt", "--model", model.toString(), "--support", support.toString(), "--out",
                out.toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("output " + out + " already exists; give another path, or add --overwrite"),
                r.err());
        assertEquals("someone's file", Files.readString(out));
        r = Jobs.run("adapt", "--model", model.toString(), "--support", support.toString(), "--out",
                out.toString(), "--overwrite");
        assertEquals(0, r.code(), r.all());
        assertEquals(SavedModel.Kind.ADAPTED, ModelFile.read(out).kind());

        // export: an existing file only with --overwrite, a model file (here the adapted model) never
        Path fb = Files.writeString(dir.resolve("old.fb"), "old");
        r = Jobs.run("export", "--model", out.toString(), "--out", fb.toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("output " + fb + " already exists"), r.err());
        assertEquals("old", Files.readString(fb));
        assertEquals(0, Jobs.run("export", "--model", out.toString(), "--out", fb.toString(), "--overwrite").code());
        for (Path target : new Path[] {out, model}) {
            r = Jobs.run("export", "--model", out.toString(), "--out", target.toString(), "--overwrite");
            assertEquals(2, r.code(), r.all());
            assertTrue(r.err().contains(target.toString()) && r.err().contains("even with --overwrite"), r.err());
        }
        assertArrayEquals(modelBytes, Files.readAllBytes(model), "the meta-model is untouched");
        assertEquals(SavedModel.Kind.ADAPTED, ModelFile.read(out).kind());
    }

    @Test
    void anImageWhoseHeaderIsHugeIsTooLargeNotCorrupt(@TempDir Path dir) throws IOException {
        Path model = Jobs.tinyModel(dir.resolve("m.zip"), "float", 3);
        Path support = dir.resolve("support");
        ImagesForTests.write(support, 3, 1, 1);
        Path huge = support.resolve("cross").resolve("huge.png");
        Files.write(huge, ImagesForTests.pngHeader(40000, 40000));
        CliRun r = Jobs.run("adapt", "--model", model.toString(), "--support", support.toString(), "--out",
                dir.resolve("a.zip").toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("image " + huge + " is too large (40000 x 40000 pixels, limit 67108864"),
                r.err());
    }
}
