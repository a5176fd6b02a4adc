package org.dl4jmeta.app.jobs;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.eval.EpisodeOutcome;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.provenance.Provenance;
import org.dl4jmeta.provenance.Sha256;
import org.dl4jmeta.task.Episode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code adapt}: fine-tunes a meta-model to a new task given as a folder of images (one subfolder per class, a few
 * images each, any size and format), exactly as meta-training adapts to an episode (K inner steps of the model's
 * learner from theta, Finn et al. 2017), prints a prediction per query image and saves the adapted model.
 */
@Command(name = "adapt", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tunes a meta-model on a folder of labelled images (one subfolder per class), prints "
                + "file=<path> class=<name> probability=<p> for every query image, and saves the adapted model.",
            "Images are converted to the model's input: resized by area averaging, grey ink (1 - luminance) for "
                + "Omniglot models, RGB in [0,1] for Mini-ImageNet models. Batch norm uses the statistics of the "
                + "batch (as in training): query images are predicted together."})
public final class AdaptCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "FILE|pretrained:NAME",
            description = "a meta-model (model.zip, best.zip, a checkpoint) or pretrained:omniglot-5way-1shot")
    String model;

    @Option(names = "--support", required = true, paramLabel = "DIR",
            description = "one subfolder per class (as many as the model's ways), each with a few images")
    Path support;

    @Option(names = "--query", paramLabel = "DIR", description = "images to classify; with class subfolders, their "
            + "names are the truth and an accuracy line follows")
    Path query;

    @Option(names = "--steps", description = "inner steps. Default: the model's test inner steps")
    Integer steps;

    @Option(names = "--preprocessing", paramLabel = "auto|ink|grey|rgb", defaultValue = "auto",
            description = "pixel convention. Default: ${DEFAULT-VALUE} (ink for Omniglot models, rgb for 3 channels)")
    String preprocessing;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "adapted.zip",
            description = "where to save the adapted model. Default: ${DEFAULT-VALUE}")
    Path out;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        ModelRef ref = ModelRef.load(model);
        SavedModel m = ref.model();
        if (m.kind() == SavedModel.Kind.ADAPTED) {
            throw new IllegalArgumentException(model + " is already adapted (to classes " + m.classNames()
                    + "); adapt a meta-model (model.zip, best.zip, a checkpoint)");
        }
        MetaLearner learner = m.createLearner();
        ParamSet theta = m.parameters();
        DataType dt = theta.dataType();
        long[] input = learner.network().inputShape();
        ImageFolder.Preprocessing pre = switch (preprocessing.toLowerCase(Locale.ROOT)) {
            case "auto" -> ImageFolder.Preprocessing.forModel(ref.config("dataset"), input[0]);
            case "ink" -> ImageFolder.Preprocessing.INK;
            case "grey", "gray" -> ImageFolder.Preprocessing.GREY;
            case "rgb" -> ImageFolder.Preprocessing.RGB;
            default -> throw new IllegalArgumentException("--preprocessing must be auto, ink, grey or rgb, got '"
                    + preprocessing + "'");
        };
        int k = steps != null ? steps
                : ref.config("testInnerSteps") instanceof Number v ? v.intValue() : learner.innerSteps();
        if (k < 1) {
            throw new IllegalArgumentException("--steps must be >= 1, got " + k);
        }
        ImageFolder reader = new ImageFolder(input, pre, dt);
        ImageFolder.Images s = reader.readLabelled(support, "support");
        int ways = (int) learner.network().outputs();
        if (s.classes().size() != ways) {
            throw new IllegalArgumentException("support folder " + support + " has " + s.classes().size()
                    + " class subfolders " + s.classes() + " but the model is " + ways + "-way: give exactly " + ways
                    + " classes");
        }
        INDArray sy = Episode.oneHot("support", s.labels(), ways, dt);
        ParamSet phi = learner.adapt(theta, s.x(), sy, k);
        if (query != null) {
            boolean labelled = !ImageFolder.classFolders(query).isEmpty();
            ImageFolder.Images q = labelled ? reader.readLabelled(query, "query")
                    : reader.readUnlabelled(query, "query");
            long n = q.x().size(0);
            INDArray logits = new LossGradGraph(learner.network(), n, dt)
                    .run(phi, q.x(), Nd4j.zeros(dt, n, ways), false).output();
            EpisodeOutcome o = new EpisodeOutcome(0, Double.NaN, Double.NaN, logits, Nd4j.zeros(dt, n, ways));
            INDArray p = o.probabilities();
            int[] pred = o.predicted();
            int hits = 0;
            for (int i = 0; i < n; i++) {
                String line = String.format(Locale.ROOT, "file=%s class=%s probability=%.4f", q.files().get(i),
                        s.classes().get(pred[i]), p.getDouble(i, pred[i]));
                if (labelled) {
                    String truth = q.classes().get(q.labels()[i]);
                    line += " truth=" + truth;
                    hits += truth.equals(s.classes().get(pred[i])) ? 1 : 0;
                }
                stdout.println(line);
            }
            if (labelled) {
                stdout.println(String.format(Locale.ROOT, "query_accuracy=%.4f queries=%d", (double) hits / n, n));
            }
        }
        Map<String, Object> cfg = new LinkedHashMap<>(m.config());
        cfg.put("adaptedFrom", model);
        cfg.put("support", support.toString());
        cfg.put("adaptSteps", k);
        cfg.put("preprocessing", pre.name().toLowerCase(Locale.ROOT));
        Map<String, String> sums = new LinkedHashMap<>();
        for (Path f : s.files()) {
            sums.put(support.relativize(f).toString(), Sha256.of(f));
        }
        Provenance prov = Provenance.capture(Path.of("."), dt, m.provenance().seed(), cfg, sums).finished();
        ModelFile.write(out, SavedModel.adapted(learner, phi, s.classes(), cfg, prov));
        stdout.println(String.format(Locale.ROOT, "adapted=%s classes=%s support_images=%d steps=%d", out,
                String.join(",", s.classes()), s.files().size(), k));
        stdout.flush();
        return 0;
    }
}
