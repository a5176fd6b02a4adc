package org.dl4jmeta.predict;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.dl4j.Dl4jExport;
import org.dl4jmeta.dl4j.RunningStatistics;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.Normalisation;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.provenance.Provenance;
import org.dl4jmeta.task.Episode;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A meta-model adapted once to a user's task: {@link #adapt} runs the model's own learner on a support set (the
 * inner loop of meta-training, Finn et al. 2017 eq. 1, with the test-time number of steps), then fixes every batch
 * norm layer's statistics to those of the support set at the adapted parameters; {@link #predict} classifies one
 * image or a batch with those statistics, so an image gets the same probabilities alone and inside any batch (the
 * non-transductive setting of Nichol et al. 2018, section 6).
 *
 * <p>An N-way meta-model adapts to any k in 2..N classes: class i is output i, the outputs k..N-1 are masked out
 * of the softmax during adaptation and prediction ({@link #unusedOutputs()} says which). Saved as an adapted model
 * file ({@link #save}, {@link #load}); the support statistics are stored in its configuration under
 * {@value #STATISTICS_KEY}. Thread-safe.
 */
public final class FewShotClassifier {

    /** The adapted model file's configuration key holding the support set's batch-norm statistics. */
    public static final String STATISTICS_KEY = "supportBatchNormStatistics";

    private final SavedModel model;
    private final Network network;
    private final ParamSet phi;
    private final List<String> classes;
    private final Map<String, RunningStatistics> statistics;
    private final Map<Long, Graph> graphs = new HashMap<>();

    private FewShotClassifier(SavedModel model, Network network, ParamSet phi, List<String> classes,
                              Map<String, RunningStatistics> statistics) {
        this.model = model;
        this.network = network;
        this.phi = phi;
        this.classes = List.copyOf(classes);
        this.statistics = statistics;
    }

    /**
     * Adapts a meta-model to a support set, recording a provenance of this job with the meta-model's seed and
     * configuration but no checksums of the support images (the app's {@code adapt} records them with
     * {@link #adapt(SavedModel, INDArray, int[], List, int, Provenance)}).
     *
     * @param metaModel a meta-model or checkpoint (its learner and theta)
     * @param supportX support images {@code [n, inputShape...]} in the model's data type
     * @param labels each support image's class index in 0..k-1
     * @param classNames the k class names, 2 &lt;= k &lt;= the model's ways
     * @param steps inner steps, &gt;= 1 (e.g. the model's test-time steps)
     * @return the classifier
     * @throws IllegalArgumentException as the full form
     */
    public static FewShotClassifier adapt(SavedModel metaModel, INDArray supportX, int[] labels,
                                          List<String> classNames, int steps) {
        Objects.requireNonNull(metaModel, "metaModel");
        return adapt(metaModel, supportX, labels, classNames, steps, Provenance.capture(
                metaModel.parameters().dataType(), metaModel.provenance().seed(), metaModel.config(), Map.of()));
    }

    /**
     * Adapts a meta-model to a support set.
     *
     * @param metaModel a meta-model or checkpoint (its learner and theta)
     * @param supportX support images {@code [n, inputShape...]} in the model's data type
     * @param labels each support image's class index in 0..k-1
     * @param classNames the k class names, 2 &lt;= k &lt;= the model's ways
     * @param steps inner steps, &gt;= 1 (e.g. the model's test-time steps)
     * @param provenance where the adapted model came from (its job, seed and inputs' checksums); its end time is
     *     set when the adaptation is done
     * @return the classifier
     * @throws IllegalArgumentException naming the bad value: an adapted model, too many or too few classes, a
     *     label out of range, a class without images, images of the wrong shape or type, steps below 1
     */
    public static FewShotClassifier adapt(SavedModel metaModel, INDArray supportX, int[] labels,
                                          List<String> classNames, int steps, Provenance provenance) {
        Objects.requireNonNull(metaModel, "metaModel");
        if (metaModel.kind() == SavedModel.Kind.ADAPTED) {
            throw new IllegalArgumentException("the model is already adapted (to classes " + metaModel.classNames()
                    + "); adapt a meta-model or a checkpoint");
        }
        Network net = metaModel.buildNetwork();
        int ways = (int) net.outputs();
        int k = classNames.size();
        if (k < 2 || k > ways) {
            throw new IllegalArgumentException("a " + ways + "-way model adapts to 2.." + ways + " classes, got " + k
                    + " " + classNames);
        }
        if (new java.util.HashSet<>(classNames).size() != k) {
            throw new IllegalArgumentException("class names must be distinct, got " + classNames);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
        ParamSet theta = metaModel.parameters();
        DataType dt = theta.dataType();
        requireImages(net, supportX, dt, "support images");
        if (labels.length != supportX.size(0)) {
            throw new IllegalArgumentException(labels.length + " labels for " + supportX.size(0) + " support images");
        }
        int[] counts = new int[k];
        for (int l : labels) {
            if (l < 0 || l >= k) {
                throw new IllegalArgumentException("support label " + l + " is outside 0.." + (k - 1));
            }
            counts[l]++;
        }
        for (int c = 0; c < k; c++) {
            if (counts[c] == 0) {
                throw new IllegalArgumentException("class '" + classNames.get(c) + "' has no support image");
            }
        }
        Network masked = Network.graph(net.inputShape(), net.nodes(), new MaskedOutputs(net.loss(), k, ways, dt));
        MetaLearner learner = metaModel.algorithm().create(masked);
        ParamSet phi = learner.adapt(theta, supportX, Episode.oneHot("support", labels, ways, dt), steps);
        Map<String, RunningStatistics> stats = Dl4jExport.statistics(net, phi, supportX);
        Map<String, Object> cfg = new LinkedHashMap<>(metaModel.config());
        cfg.put("adaptSteps", steps);
        cfg.put("usedOutputs", k);
        cfg.put(STATISTICS_KEY, statisticsJson(stats));
        SavedModel adapted = SavedModel.adapted(metaModel.createLearner(), phi, padded(classNames, ways), cfg,
                provenance.finished());
        return new FewShotClassifier(adapted, net, phi, classNames, stats);
    }

    /** Class names padded to the network's outputs with the names of the unused outputs. */
    private static List<String> padded(List<String> classNames, int ways) {
        List<String> all = new ArrayList<>(classNames);
        for (int j = classNames.size(); j < ways; j++) {
            all.add(unusedName(j));
        }
        return all;
    }

    private static String unusedName(int output) {
        return "(unused output " + output + ")";
    }

    private static void requireImages(Network net, INDArray x, DataType dt, String what) {
        long[] in = net.inputShape();
        long[] want = new long[in.length + 1];
        System.arraycopy(in, 0, want, 1, in.length);
        want[0] = x.size(0);
        if (!Arrays.equals(x.shape(), want)) {
            throw new IllegalArgumentException(what + " must have shape [n, " + Arrays.toString(in).substring(1)
                    + ", got " + Arrays.toString(x.shape()));
        }
        if (x.dataType() != dt) {
            throw new IllegalArgumentException(what + " must be " + dt + " like the model, got " + x.dataType());
        }
    }

    private static Map<String, Object> statisticsJson(Map<String, RunningStatistics> stats) {
        Map<String, Object> m = new LinkedHashMap<>();
        stats.forEach((layer, mv) -> m.put(layer, Map.of("mean", toList(mv.mean()), "variance", toList(mv.variance()))));
        return m;
    }

    private static List<Double> toList(INDArray v) {
        double[] d = v.castTo(DataType.DOUBLE).toDoubleVector();
        List<Double> l = new ArrayList<>(d.length);
        for (double x : d) {
            l.add(x);
        }
        return l;
    }

    /**
     * Reads a classifier saved by {@link #save} (or an adapted model of a network without batch norm).
     *
     * @param file the adapted model file
     * @return the classifier
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if it is not an adapted model, or lacks the support statistics its batch
     *     norm layers need (an adapted model written before they were stored: adapt again)
     */
    public static FewShotClassifier load(Path file) throws IOException {
        SavedModel m = ModelFile.read(file);
        if (m.kind() != SavedModel.Kind.ADAPTED) {
            throw new IllegalArgumentException(file + " is a " + m.kind().id() + " model, not an adapted one; adapt it "
                    + "first (FewShotClassifier.adapt or the adapt command)");
        }
        Network net = m.buildNetwork();
        DataType dt = m.parameters().dataType();
        Map<String, RunningStatistics> stats = new LinkedHashMap<>();
        Object saved = m.config().get(STATISTICS_KEY);
        for (var l : net.layers()) {
            if (!(l instanceof Normalisation)) {
                continue;
            }
            if (!(saved instanceof Map<?, ?> all) || !(all.get(l.name()) instanceof Map<?, ?> mv)) {
                throw new IllegalArgumentException(file + " has no support-set statistics for batch norm layer '"
                        + l.name() + "' (written by an older version?); adapt the meta-model again");
            }
            stats.put(l.name(), new RunningStatistics(vector(mv.get("mean"), dt, file), vector(mv.get("variance"), dt,
                    file)));
        }
        int used = m.config().get("usedOutputs") instanceof Number n ? n.intValue() : (int) net.outputs();
        return new FewShotClassifier(m, net, m.parameters(), m.classNames().subList(0, used), stats);
    }

    private static INDArray vector(Object list, DataType dt, Path file) {
        if (!(list instanceof List<?> l) || !l.stream().allMatch(Number.class::isInstance)) {
            throw new IllegalArgumentException(file + ": support statistics must be lists of numbers, got " + list);
        }
        double[] d = l.stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray();
        return Nd4j.createFromArray(d).castTo(dt);
    }

    /**
     * Saves the classifier as an adapted model file (atomically; an existing file is replaced only by a complete
     * one).
     *
     * @param file where to write
     * @throws IOException if it cannot be written
     */
    public void save(Path file) throws IOException {
        ModelFile.write(file, model);
    }

    /** @return the class names, class i being output i */
    public List<String> classes() {
        return classes;
    }

    /** @return the network outputs masked out of the softmax (those after the classes), in order */
    public List<Integer> unusedOutputs() {
        List<Integer> u = new ArrayList<>();
        for (int j = classes.size(); j < network.outputs(); j++) {
            u.add(j);
        }
        return u;
    }

    /** @return the adapted model as it is saved */
    public SavedModel model() {
        return model;
    }

    /**
     * The predictions for a batch of images, each independent of the others.
     *
     * @param images {@code [n, inputShape...]}, or one image {@code [inputShape...]}, in the model's data type
     * @return the probabilities over the classes and the most probable class of each image
     * @throws IllegalArgumentException if the images do not fit the model
     */
    public synchronized Prediction predict(INDArray images) {
        INDArray x = images.rank() == network.inputShape().length
                ? images.reshape(prepend(1, images.shape())) : images;
        requireImages(network, x, phi.dataType(), "images");
        long n = x.size(0);
        Graph g = graphs.computeIfAbsent(n, this::graph);
        INDArray logits = g.sd.output(Map.of("x", x), g.output).get(g.output);
        int k = classes.size();
        INDArray z = logits.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, k)).castTo(DataType.DOUBLE);
        INDArray shifted = z.subColumnVector(z.max(1).reshape(n, 1));
        INDArray e = org.nd4j.linalg.ops.transforms.Transforms.exp(shifted, false);
        INDArray p = e.divColumnVector(e.sum(1).reshape(n, 1));
        int[] best = new int[(int) n];
        for (int i = 0; i < n; i++) {
            best[i] = p.getRow(i).argMax().getInt(0);
        }
        return new Prediction(p, best, classes);
    }

    private static long[] prepend(long d, long[] shape) {
        long[] s = new long[shape.length + 1];
        s[0] = d;
        System.arraycopy(shape, 0, s, 1, shape.length);
        return s;
    }

    /** A forward graph for batches of n with phi and the support statistics as constants. */
    private record Graph(SameDiff sd, String output) {
    }

    private Graph graph(long n) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", phi.dataType(), prepend(n, network.inputShape()));
        Map<String, SDVariable> params = new LinkedHashMap<>();
        for (String name : network.paramNames()) {
            params.put(name, sd.constant(phi.get(name)));
        }
        Network.Forward f = network.forward(sd, x, n, params, RunningStatistics.constants(sd, statistics));
        return new Graph(sd, f.output().name());
    }

    /**
     * Predictions for a batch.
     *
     * @param probabilities {@code [n, k]} softmax over the k classes (double)
     * @param predicted the most probable class index of each image
     * @param classNames the class names
     */
    public record Prediction(INDArray probabilities, int[] predicted, List<String> classNames) {

        /**
         * @param i an image index
         * @return its most probable class name
         */
        public String className(int i) {
            return classNames.get(predicted[i]);
        }

        /**
         * @param i an image index
         * @return the probability of its most probable class
         */
        public double probability(int i) {
            return probabilities.getDouble(i, predicted[i]);
        }
    }
}
