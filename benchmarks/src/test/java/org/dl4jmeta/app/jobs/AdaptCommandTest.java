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
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SameDiffExport;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.model.Network;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * adapt on a generated folder of images (PNG, JPEG and BMP of assorted sizes, colour) works end to end: one
 * prediction line per query image, an adapted model with the class names, which export turns into a SameDiff file
 * that plain SameDiff runs with the same outputs; the shipped pretrained model adapts too.
 */
class AdaptCommandTest {

    static final String LINE = "file=\\S+ class=(\\w+) probability=(\\d\\.\\d{4})( truth=(\\w+))?";

    @Test
    void adaptsOnAFolderPredictsQueriesSavesAndExports(@TempDir Path dir) throws IOException {
        Path model = Jobs.tinyModel(dir.resolve("m.zip"), "float", 3);
        Path support = dir.resolve("support");
        Path query = dir.resolve("query");
        ImagesForTests.write(support, 3, 2, 1);
        ImagesForTests.write(query, 3, 2, 2);
        Files.writeString(support.resolve("circle").resolve("README.txt"), "not an image");
        Path out = dir.resolve("adapted.zip");
        CliRun r = Jobs.run("adapt", "--model", model.toString(), "--support", support.toString(), "--query",
                query.toString(), "--steps", "3", "--out", out.toString());
        assertEquals(0, r.code(), r.all());
        List<String> preds = r.out().lines().filter(l -> l.startsWith("file=")).toList();
        assertEquals(6, preds.size(), r.out());
        for (String p : preds) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(LINE).matcher(p);
            assertTrue(m.matches(), p);
            assertTrue(List.of("circle", "cross", "square").contains(m.group(1)), p);
            double prob = Double.parseDouble(m.group(2));
            assertTrue(prob >= 1.0 / 3 - 1e-4 && prob <= 1, p);
        }
        assertTrue(r.out().contains("query_accuracy="), r.out());
        assertTrue(r.lastLine().startsWith("adapted=" + out + " classes=circle,cross,square support_images=6 steps=3"),
                r.lastLine());
        SavedModel adapted = ModelFile.read(out);
        assertEquals(SavedModel.Kind.ADAPTED, adapted.kind());
        assertEquals(List.of("circle", "cross", "square"), adapted.classNames());
        assertEquals(6, adapted.provenance().dataChecksums().size(), "every support image is checksummed");

        // unlabelled query folder: predictions only
        CliRun flat = Jobs.run("adapt", "--model", model.toString(), "--support", support.toString(), "--query",
                query.resolve("cross").toString(), "--out", dir.resolve("a2.zip").toString());
        assertEquals(0, flat.code(), flat.all());
        assertEquals(2, flat.out().lines().filter(l -> l.startsWith("file=")).count());

        // export the adapted network and run it with plain SameDiff
        Path fb = dir.resolve("adapted.fb");
        CliRun e = Jobs.run("export", "--model", out.toString(), "--out", fb.toString());
        assertEquals(0, e.code(), e.all());
        assertTrue(e.out().contains("classes=circle,cross,square"), e.out());
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
    void badFoldersAndImagesAreNamed(@TempDir Path dir) throws IOException {
        Path model = Jobs.tinyModel(dir.resolve("m.zip"), "float", 3);
        Path two = dir.resolve("two");
        ImagesForTests.write(two, 2, 1, 1);
        CliRun r = Jobs.run("adapt", "--model", model.toString(), "--support", two.toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("has 2 class subfolders [circle, cross] but the model is 3-way"), r.err());

        Path bad = dir.resolve("bad");
        ImagesForTests.write(bad, 3, 1, 1);
        Path broken = bad.resolve("square").resolve("broken.png");
        Files.writeString(broken, "this is not a PNG");
        r = Jobs.run("adapt", "--model", model.toString(), "--support", bad.toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("broken.png"), r.err());

        r = Jobs.run("adapt", "--model", model.toString(), "--support", dir.resolve("absent").toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("absent does not exist"), r.err());

        Path empty = dir.resolve("emptyclass");
        ImagesForTests.write(empty, 2, 1, 1);
        Files.createDirectories(empty.resolve("zzz"));
        r = Jobs.run("adapt", "--model", model.toString(), "--support", empty.toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("zzz holds no images"), r.err());
    }
}
