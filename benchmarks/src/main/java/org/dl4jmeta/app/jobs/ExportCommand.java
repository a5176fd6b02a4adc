package org.dl4jmeta.app.jobs;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.dl4jmeta.datasets.folder.ImageFiles;
import org.dl4jmeta.datasets.folder.ImageFolderReader;
import org.dl4jmeta.datasets.folder.LabelledImages;
import org.dl4jmeta.datasets.folder.PixelConvention;
import org.dl4jmeta.dl4j.Dl4jExport;
import org.dl4jmeta.dl4j.RunningStatistics;
import org.dl4jmeta.io.Json;
import org.dl4jmeta.io.OutputFiles;
import org.dl4jmeta.io.SameDiffExport;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.Normalisation;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.provenance.Sha256;
import org.nd4j.linalg.learning.config.Adam;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code export}: writes a meta-model's or an adapted model's network either as a standard SameDiff FlatBuffers file
 * that plain ND4J code loads with {@code SameDiff.fromFlatFile} and runs for inference, or ({@code --format dl4j})
 * as a DL4J {@code ModelSerializer} zip ({@link Dl4jExport}): a {@code MultiLayerNetwork} for a stack, a
 * {@code ComputationGraph} for a graph, whose {@code output()} gives the library's predictions and whose
 * {@code fit()} trains it further. DL4J's batch norm predicts with stored statistics: the export stores those of
 * {@code --bn-images}, by default an adapted model's own support set (the folder its {@code adapt} recorded,
 * checked against the recorded checksums), and says so in the zip's {@code dl4j-meta.json}.
 */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Exports a model's network with its parameters as a SameDiff file (--format samediff: "
                + "placeholder 'input' [-1,c,h,w], outputs 'logits' and 'probabilities'; batch norm uses the batch's "
                + "statistics, so predict a task's images together) or a DL4J ModelSerializer zip (--format dl4j: "
                + "ModelSerializer.restoreMultiLayerNetwork or restoreComputationGraph, output() gives the class "
                + "probabilities of [n,c,h,w] images, fit() trains on).",
            "Load the SameDiff file with SameDiff.fromFlatFile(file) and sd.output(Map.of(\"input\", x), "
                + "\"probabilities\"). The DL4J model's batch norm uses the statistics of --bn-images (default: an "
                + "adapted model's support set), so each image is predicted on its own."})
public final class ExportCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "FILE|pretrained:NAME",
            description = "a meta-model, adapted model or checkpoint")
    String model;

    @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "the SameDiff file (e.g. model.fb) or DL4J zip (e.g. model-dl4j.zip)")
    Path out;

    @Option(names = "--overwrite", description = "replace --out if it exists (never the model, nor any model file)")
    boolean overwrite;

    @Option(names = "--format", defaultValue = "samediff", paramLabel = "samediff|dl4j",
            description = "samediff or dl4j. Default: ${DEFAULT-VALUE}")
    String format;

    @Option(names = "--bn-images", paramLabel = "DIR", description = "dl4j: images (class subfolders or a flat "
            + "folder) whose batch-norm statistics DL4J's output() uses. Default: an adapted model's support set; "
            + "required for a meta-model with batch norm")
    Path bnImages;

    @Option(names = "--learning-rate", defaultValue = "1e-3", description = "dl4j: the learning rate of the Adam "
            + "updater DL4J's fit() uses. Default: ${DEFAULT-VALUE}")
    double learningRate;

    @Override
    public Integer call() throws Exception {
        String f = format.toLowerCase(Locale.ROOT);
        if (!f.equals("samediff") && !f.equals("dl4j")) {
            throw new IllegalArgumentException("--format must be samediff or dl4j, got '" + format + "'");
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("--learning-rate must be > 0, got " + learningRate);
        }
        if (f.equals("samediff") && bnImages != null) {
            throw new IllegalArgumentException("--bn-images is for --format dl4j (a SameDiff export normalises with "
                    + "the batch's statistics), got it with --format " + format);
        }
        ModelRef ref = ModelRef.load(model);
        requireWritable(ref);
        SavedModel m = ref.model();
        Network net = m.buildNetwork();
        long[] in = net.inputShape();
        long[] shape = new long[in.length + 1];
        shape[0] = -1;
        System.arraycopy(in, 0, shape, 1, in.length);
        PrintWriter stdout = spec.commandLine().getOut();
        if (!m.classNames().isEmpty()) {
            stdout.println("classes=" + Json.line(m.classNames()));
        }
        if (f.equals("dl4j")) {
            String statistics = exportDl4j(ref, m, net);
            stdout.println("exported=" + out + " kind=" + m.kind().id() + " format=dl4j dl4j="
                    + (net.isSequential() ? "MultiLayerNetwork" : "ComputationGraph") + " input="
                    + Arrays.toString(shape).replace(" ", "") + " batchNormStatistics=" + Json.line(statistics));
            stdout.flush();
            return 0;
        }
        requireWritable(ref);
        SameDiffExport.write(out, net, m.parameters());
        stdout.println("exported=" + out + " kind=" + m.kind().id() + " input=" + SameDiffExport.INPUT
                + Arrays.toString(shape).replace(" ", "") + " outputs=" + SameDiffExport.LOGITS + ","
                + SameDiffExport.PROBABILITIES);
        stdout.flush();
        return 0;
    }

    /** Writes the DL4J zip; returns where its batch-norm statistics came from. */
    private String exportDl4j(ModelRef ref, SavedModel m, Network net) throws IOException {
        ParamSet params = m.parameters();
        boolean hasBatchNorm = net.layers().stream().anyMatch(l -> l instanceof Normalisation);
        Map<String, RunningStatistics> stats = Map.of();
        String statistics = "none (the network has no batch norm)";
        if (hasBatchNorm) {
            Path dir = bnImages;
            String preprocessing = null;
            boolean recorded = false;
            if (dir == null) {
                if (m.kind() != SavedModel.Kind.ADAPTED || !(ref.config("support") instanceof String s)) {
                    throw new IllegalArgumentException("--bn-images is required for a " + m.kind().id() + " model "
                            + "with batch norm: give a folder of images whose statistics DL4J's output() shall "
                            + "use (e.g. a task's support set), or export an adapted model (its support set is the "
                            + "default)");
                }
                dir = Path.of(s);
                recorded = true;
                preprocessing = ref.config("preprocessing") instanceof String p ? p : null;
            }
            ImageFolderReader.requireFolder(dir, "--bn-images");
            PixelConvention pre = preprocessing != null ? PixelConvention.fromId(preprocessing)
                    : ImageFolderReader.conventionFor(ref.config("dataset"), net.inputShape()[0]);
            ImageFolderReader reader = new ImageFolderReader(net.inputShape(), pre, params.dataType());
            LabelledImages images = ImageFiles.classFolders(dir).isEmpty()
                    ? reader.readUnlabelled(dir, "--bn-images") : reader.readLabelled(dir, "--bn-images");
            if (recorded) {
                requireRecordedSupport(m, dir, images);
            }
            stats = Dl4jExport.statistics(net, params, images.x());
            statistics = (recorded ? "support set of the adapted model, " : "images of --bn-images, ") + dir + " ("
                    + images.files().size() + " images, " + pre.id() + ")";
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("batchNormStatistics", statistics);
        meta.put("model", model);
        meta.put("kind", m.kind().id());
        meta.put("classes", m.classNames());
        meta.put("sourceCommit", m.provenance().commit());
        requireWritable(ref);
        Dl4jExport.write(out, net, params, stats, new Adam(learningRate), meta);
        return statistics;
    }

    /** The adapted model's support folder must still hold the images it was adapted on. */
    private static void requireRecordedSupport(SavedModel m, Path dir, LabelledImages images) throws IOException {
        Map<String, String> sums = m.provenance().dataChecksums();
        for (Path file : images.files()) {
            String key = dir.relativize(file).toString();
            String expected = sums.get(key);
            String actual = Sha256.of(file);
            if (!actual.equals(expected)) {
                throw new IllegalArgumentException("support image " + file + " is " + (expected == null ? "not "
                        + "among the images the model was adapted on" : "changed since adaptation (SHA-256 "
                        + actual + ", recorded " + expected + ")") + "; give --bn-images explicitly");
            }
        }
        if (images.files().size() != sums.size()) {
            throw new IllegalArgumentException("support folder " + dir + " holds " + images.files().size()
                    + " images but the model was adapted on " + sums.size() + "; give --bn-images explicitly");
        }
    }

    private void requireWritable(ModelRef ref) throws IOException {
        OutputFiles.requireWritable(out, overwrite, ref.file(), bnImages);
        OutputFiles.requireNotModelFile(out, "the export");
    }
}
