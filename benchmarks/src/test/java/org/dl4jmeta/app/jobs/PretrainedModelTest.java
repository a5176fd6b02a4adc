package org.dl4jmeta.app.jobs;

import org.dl4jmeta.app.CliRun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SavedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped Omniglot meta-models load from the app, say where they came from, and adapt to new classes of drawings
 * (generated shapes, never seen in training) from one example each, out of the box: the 20-way model to 5 classes,
 * predicting only those.
 */
class PretrainedModelTest {

    @Test
    void theShippedModelRecordsItsProvenance() throws IOException {
        SavedModel m = ModelRef.load("pretrained:omniglot-5way-1shot").model();
        assertEquals(SavedModel.Kind.META, m.kind());
        assertEquals(5, m.buildNetwork().outputs());
        assertEquals(List.of(1L, 28L, 28L), java.util.Arrays.stream(m.buildNetwork().inputShape()).boxed().toList());
        assertEquals("omniglot", m.config().get("dataset"));
        assertEquals("maml", m.config().get("algorithm"));
        assertEquals("maml", m.algorithm().type());
        assertEquals("FLOAT", m.provenance().dataType());
        // the shared data set's README gives this SHA-256 for images_background.zip
        assertEquals("aa3dd606ba74354a2afbacbb89a457bcb60b4848bf22a23cbd3965ea49117fb9",
                m.provenance().dataChecksums().get("images_background.zip"));
        assertTrue(m.provenance().commit().matches("[0-9a-f]{40}(-dirty)?|unknown"), m.provenance().commit());
        assertTrue(m.provenance().end() != null);
    }

    @Test
    void adaptsToFiveNewClassesFromOneImageEach(@TempDir Path dir) throws IOException {
        Path support = dir.resolve("support");
        Path query = dir.resolve("query");
        ImagesForTests.write(support, 5, 1, 11);
        ImagesForTests.write(query, 5, 3, 12);
        Path out = dir.resolve("adapted.zip");
        CliRun r = Jobs.run("adapt", "--model", "pretrained:omniglot-5way-1shot", "--support", support.toString(),
                "--query", query.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.all());
        assertEquals(15, r.out().lines().filter(l -> l.startsWith("{\"file\":")).count(), r.out());
        String acc = r.out().lines().filter(l -> l.startsWith("{\"queryAccuracy\":")).findFirst().orElseThrow();
        double a = org.dl4jmeta.io.Json.parse(acc).get("queryAccuracy").asDouble();
        assertTrue(a > 0.4, "chance is 0.2: " + r.out());
        assertEquals(ImagesForTests.SHAPES, ModelFile.read(out).classNames());
        assertEquals("ink", ModelFile.read(out).config().get("preprocessing"));
    }

    @Test
    void theTwentyWayModelWasTrainedOnLakesBackgroundAlphabetsOnly() throws IOException {
        SavedModel m = ModelRef.load("pretrained:omniglot-lake-20way-1shot").model();
        assertEquals(SavedModel.Kind.META, m.kind());
        assertEquals(20, m.buildNetwork().outputs());
        assertEquals("lake", m.config().get("splitScheme"));
        assertEquals("train", m.config().get("trainSplit"));
        assertEquals("val", m.config().get("valSplit"));
        // Lake's train and val splits are background alphabets (OmniglotLakeSplitIT); the provenance checksums the data
        // folder's files, the evaluation zip among them
        assertEquals("aa3dd606ba74354a2afbacbb89a457bcb60b4848bf22a23cbd3965ea49117fb9",
                m.provenance().dataChecksums().get("images_background.zip"));
        assertEquals("within-alphabet", m.config().get("episodes"));
    }

    @Test
    void theTwentyWayModelAdaptsToFiveClassesAndPredictsOnlyThose(@TempDir Path dir) throws IOException {
        Path support = dir.resolve("support");
        Path query = dir.resolve("query");
        ImagesForTests.write(support, 5, 1, 21);
        ImagesForTests.write(query, 5, 3, 22);
        Path out = dir.resolve("adapted.zip");
        CliRun r = Jobs.run("adapt", "--model", "pretrained:omniglot-lake-20way-1shot", "--support",
                support.toString(), "--query", query.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.all());
        List<String> predicted = r.out().lines().filter(l -> l.startsWith("{\"file\":"))
                .map(l -> parse(l).get("class").asText()).toList();
        assertEquals(15, predicted.size(), r.out());
        assertTrue(ImagesForTests.SHAPES.containsAll(predicted), predicted.toString());
        org.nd4j.shade.jackson.databind.JsonNode done = parse(r.lastLine());
        assertEquals(15, done.get("unusedOutputs").size(), r.lastLine());
        assertEquals(5, done.get("classes").size(), r.lastLine());
        String acc = r.out().lines().filter(l -> l.startsWith("{\"queryAccuracy\":")).findFirst().orElseThrow();
        assertTrue(parse(acc).get("queryAccuracy").asDouble() > 0.4, "chance is 0.2: " + r.out());
    }

    private static org.nd4j.shade.jackson.databind.JsonNode parse(String line) {
        try {
            return org.dl4jmeta.io.Json.parse(line);
        } catch (IOException e) {
            throw new IllegalStateException(line, e);
        }
    }
}
