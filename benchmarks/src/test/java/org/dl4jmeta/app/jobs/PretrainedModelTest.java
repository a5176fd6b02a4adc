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
 * The shipped Omniglot meta-model loads from the app, says where it came from, and adapts to five new classes of
 * drawings (generated shapes, never seen in training) from one example each, out of the box.
 */
class PretrainedModelTest {

    @Test
    void theShippedModelRecordsItsProvenance() throws IOException {
        SavedModel m = ModelRef.load("pretrained:omniglot-5way-1shot").model();
        assertEquals(SavedModel.Kind.META, m.kind());
        assertEquals(5, m.buildNetwork().outputs());
        assertEquals(List.of(1L, 28L, 28L), java.util.Arrays.stream(m.buildNetwork().inputShape()).boxed().toList());
        assertEquals("omniglot", m.config().get("dataset"));
        assertEquals("fomaml", m.config().get("algorithm"));
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
}
