package org.dl4jmeta.app.jobs;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.datasets.folder.ImageFiles;
import org.dl4jmeta.datasets.folder.ImageFolderReader;
import org.dl4jmeta.datasets.folder.LabelledImages;
import org.dl4jmeta.datasets.folder.PixelConvention;
import org.dl4jmeta.io.Json;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.OutputFiles;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.predict.FewShotClassifier;
import org.dl4jmeta.provenance.Provenance;
import org.dl4jmeta.provenance.Sha256;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code adapt}: fine-tunes a meta-model to a new task given as a folder of images (one subfolder per class, a few
 * images each, any size and format), exactly as meta-training adapts to an episode (K inner steps of the model's
 * learner from theta, Finn et al. 2017), prints a prediction per query image and saves the adapted model.
 */
@Command(name = "adapt", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tunes a meta-model on a folder of labelled images (one subfolder per class), prints "
                + "one JSON object per line: {\"file\":...,\"class\":...,\"probability\":...} for every query "
                + "image (with \"truth\" for a labelled query folder, then {\"queryAccuracy\":...,\"queries\":...}), "
                + "last {\"adapted\":...,\"classes\":[...],\"unusedOutputs\":[...],\"supportImages\":...,"
                + "\"steps\":...}, and saves the adapted model. An N-way model adapts to 2..N classes (class i is "
                + "output i; the rest are masked out of the softmax and listed as unusedOutputs).",
            "Images are converted to the model's input: resized by area averaging, grey ink (1 - luminance) for "
                + "Omniglot models, RGB in [0,1] for Mini-ImageNet models. Batch norm uses the adapted support set's "
                + "statistics (saved in the adapted model), so each query image is predicted independently of "
                + "the others."})
public final class AdaptCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "FILE|pretrained:NAME",
            description = "a meta-model (model.zip, best.zip, a checkpoint) or pretrained:omniglot-5way-1shot")
    String model;

    @Option(names = "--support", required = true, paramLabel = "DIR",
            description = "one subfolder per class (2 to the model's ways), each with a few images")
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

    @Option(names = "--overwrite", description = "replace --out if it exists (never the meta-model or an image)")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        ModelRef ref = ModelRef.load(model);
        OutputFiles.requireWritable(out, overwrite, ref.file(), support, query);
        ImageFolderReader.requireFolder(support, "--support");
        if (query != null) {
            ImageFolderReader.requireFolder(query, "--query");
        }
        SavedModel m = ref.model();
        if (m.kind() == SavedModel.Kind.ADAPTED) {
            throw new IllegalArgumentException(model + " is already adapted (to classes " + m.classNames()
                    + "); adapt a meta-model (model.zip, best.zip, a checkpoint)");
        }
        MetaLearner learner = m.createLearner();
        ParamSet theta = m.parameters();
        DataType dt = theta.dataType();
        long[] input = learner.network().inputShape();
        PixelConvention pre = switch (preprocessing.toLowerCase(Locale.ROOT)) {
            case "auto" -> ImageFolderReader.conventionFor(ref.config("dataset"), input[0]);
            case "ink", "grey", "gray", "rgb" -> PixelConvention.fromId(preprocessing);
            default -> throw new IllegalArgumentException("--preprocessing must be auto, ink, grey or rgb, got '"
                    + preprocessing + "'");
        };
        int k = steps != null ? steps
                : ref.config("testInnerSteps") instanceof Number v ? v.intValue() : learner.innerSteps();
        if (k < 1) {
            throw new IllegalArgumentException("--steps must be >= 1, got " + k);
        }
        ImageFolderReader reader = new ImageFolderReader(input, pre, dt);
        LabelledImages s = reader.readLabelled(support, "--support");
        int ways = (int) learner.network().outputs();
        if (s.classes().size() < 2 || s.classes().size() > ways) {
            throw new IllegalArgumentException("support folder " + support + " has " + s.classes().size()
                    + " class subfolders " + s.classes() + " but the model is " + ways + "-way: give 2 to " + ways
                    + " classes");
        }
        // a query folder's problems are found before the adaptation's work
        boolean labelled = query != null && !ImageFiles.classFolders(query).isEmpty();
        if (labelled) {
            requireSupportClasses(ImageFiles.classFolders(query).stream().map(f -> f.getFileName().toString())
                    .toList(), s.classes());
        }
        Map<String, Object> cfg = new LinkedHashMap<>(m.config());
        cfg.put("adaptedFrom", model);
        cfg.put("support", support.toString());
        cfg.put("preprocessing", pre.id());
        Map<String, String> sums = new LinkedHashMap<>();
        for (Path f : s.files()) {
            sums.put(support.relativize(f).toString(), Sha256.of(f));
        }
        Provenance prov = Provenance.capture(dt, m.provenance().seed(), cfg, sums);
        SavedModel withConfig = new SavedModel(m.kind(), m.network(), m.algorithm(), m.parameters(), cfg,
                m.provenance(), m.classNames(), m.optimizer(), m.progress());
        FewShotClassifier classifier = FewShotClassifier.adapt(withConfig, s.x(), s.labels(), s.classes(), k, prov);
        if (query != null) {
            LabelledImages q = labelled ? reader.readLabelled(query, "--query")
                    : reader.readUnlabelled(query, "--query");
            long n = q.x().size(0);
            FewShotClassifier.Prediction p = classifier.predict(q.x());
            int hits = 0;
            for (int i = 0; i < n; i++) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("file", q.files().get(i).toString());
                line.put("class", p.className(i));
                line.put("probability", Math.round(p.probability(i) * 1e4) / 1e4);
                if (labelled) {
                    String truth = q.classes().get(q.labels()[i]);
                    line.put("truth", truth);
                    hits += truth.equals(p.className(i)) ? 1 : 0;
                }
                stdout.println(Json.line(line));
            }
            if (labelled) {
                Map<String, Object> acc = new LinkedHashMap<>();
                acc.put("queryAccuracy", Math.round((double) hits / n * 1e4) / 1e4);
                acc.put("queries", n);
                stdout.println(Json.line(acc));
            }
        }
        OutputFiles.requireWritable(out, overwrite, ref.file(), support, query);
        classifier.save(out);
        Map<String, Object> done = new LinkedHashMap<>();
        done.put("adapted", out.toString());
        done.put("classes", s.classes());
        done.put("unusedOutputs", classifier.unusedOutputs());
        done.put("supportImages", s.files().size());
        done.put("steps", k);
        stdout.println(Json.line(done));
        stdout.flush();
        return 0;
    }

    /**
     * A query class the support set lacks can never be predicted, so scoring its images as wrong would report an
     * accuracy of a different task: refuse it, naming the class.
     */
    static void requireSupportClasses(List<String> queryClasses, List<String> supportClasses) {
        List<String> missing = queryClasses.stream().filter(c -> !supportClasses.contains(c)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("--query class" + (missing.size() == 1 ? " '" + missing.get(0) + "' is"
                    : "es " + missing + " are") + " not among the --support classes " + supportClasses
                    + ": the adapted model can only predict support classes; remove that query subfolder, rename it "
                    + "to its support class, or put the query images in one folder without subfolders");
        }
    }
}
