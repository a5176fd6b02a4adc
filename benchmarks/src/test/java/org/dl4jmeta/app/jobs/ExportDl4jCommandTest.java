package org.dl4jmeta.app.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.dl4jmeta.app.CliRun;
import org.dl4jmeta.datasets.folder.ImageFolderReader;
import org.dl4jmeta.datasets.folder.LabelledImages;
import org.dl4jmeta.datasets.folder.PixelConvention;
import org.dl4jmeta.dl4j.Dl4jExport;
import org.dl4jmeta.dl4j.RunningStatistics;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.model.Network;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code export --format dl4j}: an adapted model becomes a DL4J zip whose batch norm uses its support set's
 * statistics (the default, recorded in the zip's metadata), and whose {@code output()} equals the library's
 * prediction with those statistics; a meta-model needs {@code --bn-images}; a bad learning rate and a changed
 * support image are refused by name.
 */
class ExportDl4jCommandTest {

    @Test
    void adaptedModelExportsWithItsSupportStatistics(@TempDir Path dir) throws IOException {
        Path model = Jobs.tinyModel(dir.resolve("m.zip"), "float", 3);
        Path support = dir.resolve("support");
        ImagesForTests.write(support, 3, 2, 1);
        Path adapted = dir.resolve("adapted.zip");
        CliRun a = Jobs.run("adapt", "--model", model.toString(), "--support", support.toString(), "--out",
                adapted.toString());
        assertEquals(0, a.code(), a.all());

        Path zip = dir.resolve("adapted-dl4j.zip");
        CliRun e = Jobs.run("export", "--model", adapted.toString(), "--format", "dl4j", "--out", zip.toString());
        assertEquals(0, e.code(), e.all());
        assertTrue(e.lastLine().contains("format=dl4j dl4j=MultiLayerNetwork input=[-1,1,12,12]"), e.lastLine());
        Map<String, Object> meta = Dl4jExport.readMetadata(zip);
        assertTrue(String.valueOf(meta.get("batchNormStatistics")).startsWith("support set of the adapted model, "
                + support + " (6 images"), meta.toString());
        assertEquals(List.of("circle", "cross", "square"), meta.get("classes"));

        // DL4J's output() on the support images is the library's prediction with the support set's statistics
        SavedModel m = ModelFile.read(adapted);
        Network net = m.buildNetwork();
        LabelledImages s = new ImageFolderReader(net.inputShape(), PixelConvention.INK,
                m.parameters().dataType()).readLabelled(support, "support");
        Map<String, RunningStatistics> stats = Dl4jExport.statistics(net, m.parameters(), s.x());
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> v = new java.util.LinkedHashMap<>();
        net.paramNames().forEach(k -> v.put(k, sd.constant(m.parameters().get(k))));
        INDArray ours = sd.nn.softmax(net.forward(sd, sd.constant(s.x()), s.x().size(0), v,
                RunningStatistics.constants(sd, stats)).output(), 1).eval();
        MultiLayerNetwork dl4j = ModelSerializer.restoreMultiLayerNetwork(zip.toFile());
        INDArray theirs = dl4j.output(s.x(), false);
        assertTrue(theirs.sub(ours).amaxNumber().doubleValue() < 1e-5, "DL4J " + theirs + " vs ours " + ours);

        // a meta-model has no support set: --bn-images is required
        CliRun meta2 = Jobs.run("export", "--model", model.toString(), "--format", "dl4j", "--out",
                dir.resolve("meta-dl4j.zip").toString());
        assertNotEquals(0, meta2.code());
        assertTrue(meta2.err().contains("--bn-images is required"), meta2.all());
        CliRun withImages = Jobs.run("export", "--model", model.toString(), "--format", "dl4j", "--bn-images",
                support.toString(), "--out", dir.resolve("meta-dl4j.zip").toString());
        assertEquals(0, withImages.code(), withImages.all());
        assertTrue(withImages.lastLine().contains("images of --bn-images"), withImages.lastLine());

        CliRun badRate = Jobs.run("export", "--model", adapted.toString(), "--format", "dl4j", "--learning-rate",
                "0", "--out", dir.resolve("rate.zip").toString());
        assertNotEquals(0, badRate.code());
        assertTrue(badRate.err().contains("--learning-rate must be > 0, got 0.0"), badRate.all());

        // the support set changed since adaptation: refused, naming the image
        Path changed = Files.list(support.resolve("cross")).sorted().findFirst().orElseThrow();
        Files.copy(Files.list(support.resolve("circle")).sorted().findFirst().orElseThrow(), changed,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        CliRun stale = Jobs.run("export", "--model", adapted.toString(), "--format", "dl4j", "--out",
                dir.resolve("stale.zip").toString());
        assertNotEquals(0, stale.code());
        assertTrue(stale.err().contains(changed.toString()) && stale.err().contains("changed since adaptation"),
                stale.all());
    }
}
