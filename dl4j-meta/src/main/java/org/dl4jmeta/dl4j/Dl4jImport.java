package org.dl4jmeta.dl4j;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.dl4jmeta.model.Activation;
import org.dl4jmeta.model.Add;
import org.dl4jmeta.model.BatchNorm;
import org.dl4jmeta.model.Concat;
import org.dl4jmeta.model.Conv2d;
import org.dl4jmeta.model.Convolution2d;
import org.dl4jmeta.model.Dense;
import org.dl4jmeta.model.Flatten;
import org.dl4jmeta.model.GlobalAvgPool;
import org.dl4jmeta.model.GlobalMaxPool;
import org.dl4jmeta.model.Layer;
import org.dl4jmeta.model.Loss;
import org.dl4jmeta.model.MeanSquaredError;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.model.Pooling2d;
import org.dl4jmeta.model.Relu;
import org.dl4jmeta.model.Vertex;
import org.dl4jmeta.model.Window2d;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.nd4j.linalg.lossfunctions.impl.LossNegativeLogLikelihood;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * Turns a DL4J network into a meta-learnable {@link Network}, whose layers have the hand-written differentiable
 * backward pass, so that every meta-learner (second-order MAML, first-order MAML, Reptile, iMAML, HF-MAML,
 * BI-MAML) trains it: a {@code MultiLayerConfiguration} (as a stack) or a {@code ComputationGraphConfiguration}
 * (as a graph), as objects or as the JSON their {@code toJson()} writes, or a {@code ModelSerializer} zip, whose
 * parameters and batch-norm running statistics come along, converted exactly from DL4J's layouts.
 *
 * <p>Supported ({@link #SUPPORTED}): {@code ConvolutionLayer} (any kernel, stride and padding; Same, Truncate or
 * Strict mode; with or without bias; dilation 1; NCHW), {@code SubsamplingLayer} (max, avg), {@code
 * BatchNormalization} (learnable gamma and beta, eps), {@code ActivationLayer} and the layers' own activations
 * (identity, relu, leakyrelu, elu, tanh, sigmoid, softmax), {@code DenseLayer}, {@code OutputLayer} and
 * {@code LossLayer} (MCXENT or NEGATIVELOGLIKELIHOOD with softmax: softmax cross-entropy on the logits; MSE with
 * any supported activation: DL4J's mean over outputs and examples), {@code GlobalPoolingLayer} (avg, max), the
 * {@code CnnToFeedForwardPreProcessor} (NCHW flattened in 'c' order) and an input {@code
 * FeedForwardToCnnPreProcessor} ({@code InputType.convolutionalFlat}), and in graphs {@code ElementWiseVertex(Add)},
 * {@code MergeVertex} and {@code PreprocessorVertex(CnnToFeedForwardPreProcessor)}. Anything else is refused with
 * an {@link IllegalArgumentException} naming the layer, its class and this list: nothing is dropped or
 * approximated. So are dropout, weight noise, l1/l2/weight-decay regularisation and constraints (they do not change
 * {@code output()}, but meta-training would silently optimise another objective than DL4J's {@code fit()}: remove
 * them from the configuration to import it).
 *
 * <p>Odd square Same-mode convolutions of stride 1 or 2 become {@link Conv2d} (with fused native kernels where the
 * graph is only executed), every other convolution {@link Convolution2d}. Layouts: DL4J's convolution weights {@code [out,in,kh,kw]} become {@code [kh,kw,in,out]}; dense weights
 * {@code [nIn,nOut]} and biases, gamma and beta ({@code [1,n]}) keep their values; a batch norm's running variance
 * is DL4J's {@code var}, or {@code (10^log10stdev)^2} where it stores the log standard deviation (its test mode
 * normalises by sqrt((10^log10stdev)^2 + eps)). A
 * {@code BatchNormalization}'s activation is not applied (DL4J's layer ignores it too). The network's output is the
 * logits where DL4J's {@code output()} gives softmax probabilities.
 *
 * <p>Input shape: DL4J configurations do not store the input's height and width unless built with {@code
 * InputType.convolutionalFlat} (an input {@code FeedForwardToCnnPreProcessor}) or starting with a dense layer;
 * otherwise pass it ({@link #load(Path, long[])}).
 */
public final class Dl4jImport {

    /** What the import supports, as listed in its errors. */
    public static final List<String> SUPPORTED = List.of("ConvolutionLayer", "SubsamplingLayer (max, avg)",
            "BatchNormalization", "ActivationLayer", "DenseLayer", "OutputLayer", "LossLayer",
            "GlobalPoolingLayer (avg, max)", "CnnToFeedForwardPreProcessor", "FeedForwardToCnnPreProcessor (input)",
            "ElementWiseVertex (Add)", "MergeVertex", "PreprocessorVertex (CnnToFeedForwardPreProcessor)");

    private Dl4jImport() {
    }

    /**
     * Imports a file: a configuration JSON (a {@code MultiLayerConfiguration} or a
     * {@code ComputationGraphConfiguration}, told apart by its content) or a {@code ModelSerializer} zip (then with
     * its parameters and running statistics), reading the input shape from the configuration.
     *
     * @param file the JSON or zip
     * @return the network, with the parameters if the file holds them
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException naming the file and what is wrong: not a DL4J configuration or model, an
     *     unsupported layer, or an input shape the configuration does not tell
     */
    public static ImportedNetwork load(Path file) throws IOException {
        return load(file, null);
    }

    /**
     * As {@link #load(Path)} with the input shape given.
     *
     * @param file the JSON or zip
     * @param inputShape per-example input shape ({@code [channels,height,width]} or {@code [features]}), or null to
     *     read it from the configuration
     * @return the network, with the parameters if the file holds them
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException naming the file and what is wrong
     */
    public static ImportedNetwork load(Path file, long[] inputShape) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("DL4J network file " + file + " does not exist or is not a file");
        }
        byte[] head = new byte[2];
        try (InputStream in = Files.newInputStream(file)) {
            in.readNBytes(head, 0, 2);
        }
        try {
            if (head[0] == 'P' && head[1] == 'K') {
                return loadZip(file, inputShape);
            }
            return fromJson(Files.readString(file, StandardCharsets.UTF_8), inputShape);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static ImportedNetwork loadZip(Path file, long[] inputShape) throws IOException {
        String json;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry e = zip.getEntry("configuration.json");
            if (e == null) {
                throw new IllegalArgumentException("a zip without configuration.json is no DL4J ModelSerializer "
                        + "model (a dl4j-meta model file is read by ModelFile, not here)");
            }
            try (InputStream in = zip.getInputStream(e)) {
                json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
        if (isGraph(json)) {
            return of(ModelSerializer.restoreComputationGraph(file.toFile(), false), inputShape);
        }
        return of(ModelSerializer.restoreMultiLayerNetwork(file.toFile(), false), inputShape);
    }

    private static boolean isGraph(String json) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
        if (root != null && root.has("vertices")) {
            return true;
        }
        if (root != null && root.has("confs")) {
            return false;
        }
        throw new IllegalArgumentException("JSON that is neither a DL4J MultiLayerConfiguration (no \"confs\") nor "
                + "a ComputationGraphConfiguration (no \"vertices\")");
    }

    /**
     * Imports a configuration's JSON ({@code toJson()} of either configuration class).
     *
     * @param json the JSON
     * @param inputShape per-example input shape, or null to read it from the configuration
     * @return the network (no parameters)
     * @throws IllegalArgumentException if the JSON is no DL4J configuration, or as {@link #of(MultiLayerConfiguration,
     *     long[])}
     */
    public static ImportedNetwork fromJson(String json, long[] inputShape) {
        if (isGraph(json)) {
            return of(ComputationGraphConfiguration.fromJson(json), inputShape);
        }
        return of(MultiLayerConfiguration.fromJson(json), inputShape);
    }

    /**
     * Imports a stack.
     *
     * @param conf the configuration
     * @param inputShape per-example input shape, or null to read it from the configuration
     * @return the network as a stack (no parameters)
     * @throws IllegalArgumentException naming an unsupported layer or setting, or an input shape that cannot be read
     */
    public static ImportedNetwork of(MultiLayerConfiguration conf, long[] inputShape) {
        return stack(conf, inputShape, null);
    }

    /**
     * Imports a trained stack with its parameters and running statistics.
     *
     * @param net the network
     * @param inputShape per-example input shape, or null to read it from the configuration
     * @return the network and its parameters
     * @throws IllegalArgumentException as {@link #of(MultiLayerConfiguration, long[])}
     */
    public static ImportedNetwork of(MultiLayerNetwork net, long[] inputShape) {
        return stack(net.getLayerWiseConfigurations(), inputShape, net::getParam);
    }

    /**
     * Imports a graph.
     *
     * @param conf the configuration
     * @param inputShape per-example input shape, or null to read it from the configuration
     * @return the network as a graph (no parameters)
     * @throws IllegalArgumentException naming an unsupported vertex, layer or setting, several inputs or outputs, or
     *     an input shape that cannot be read
     */
    public static ImportedNetwork of(ComputationGraphConfiguration conf, long[] inputShape) {
        return graph(conf, inputShape, null);
    }

    /**
     * Imports a trained graph with its parameters and running statistics.
     *
     * @param net the network
     * @param inputShape per-example input shape, or null to read it from the configuration
     * @return the network and its parameters
     * @throws IllegalArgumentException as {@link #of(ComputationGraphConfiguration, long[])}
     */
    public static ImportedNetwork of(ComputationGraph net, long[] inputShape) {
        return graph(net.getConfiguration(), inputShape, net::getParam);
    }

    /**
     * Imports a model's configuration taking its parameters from {@code params} (by DL4J key, e.g. {@code 0_W}):
     * the tests convert DL4J's gradients to the network's layout with it.
     */
    static ImportedNetwork convert(org.deeplearning4j.nn.api.Model model, long[] inputShape,
                                   Function<String, INDArray> params) {
        if (model instanceof MultiLayerNetwork m) {
            return stack(m.getLayerWiseConfigurations(), inputShape, params);
        }
        if (model instanceof ComputationGraph g) {
            return graph(g.getConfiguration(), inputShape, params);
        }
        throw new IllegalArgumentException("a DL4J model must be a MultiLayerNetwork or a ComputationGraph, got "
                + model.getClass().getName());
    }

    // ---------------------------------------------------------------- stacks

    private static ImportedNetwork stack(MultiLayerConfiguration conf, long[] givenShape,
                                         Function<String, INDArray> params) {
        int count = conf.getConfs().size();
        if (count == 0) {
            throw new IllegalArgumentException("the MultiLayerConfiguration has no layers");
        }
        InputPreProcessor first = conf.getInputPreProcess(0);
        boolean flat = first instanceof FeedForwardToCnnPreProcessor;
        org.deeplearning4j.nn.conf.layers.Layer l0 = conf.getConf(0).getLayer();
        long[] shape = inputShape(givenShape, first, l0, describe(l0, l0.getLayerName() != null ? l0.getLayerName()
                : "0"));
        Builder b = new Builder(shape, params);
        String prev = Network.INPUT;
        for (int i = 0; i < count; i++) {
            org.deeplearning4j.nn.conf.layers.Layer l = conf.getConf(i).getLayer();
            String dl4jName = l.getLayerName() != null ? l.getLayerName() : String.valueOf(i);
            String name = b.name(dl4jName.matches("\\d+") ? "layer" + dl4jName : dl4jName);
            InputPreProcessor pre = conf.getInputPreProcess(i);
            if (pre != null && !(i == 0 && flat)) {
                prev = b.preprocessor(name, pre, prev, describe(l, dl4jName));
            }
            prev = b.layer(name, l, prev, i + "_", i == count - 1, describe(l, dl4jName));
        }
        return b.build(true, flat);
    }

    // ---------------------------------------------------------------- graphs

    private static ImportedNetwork graph(ComputationGraphConfiguration conf, long[] givenShape,
                                         Function<String, INDArray> params) {
        if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1) {
            throw new IllegalArgumentException("only graphs with one input and one output are supported, got inputs "
                    + conf.getNetworkInputs() + " and outputs " + conf.getNetworkOutputs());
        }
        String input = conf.getNetworkInputs().get(0);
        Map<String, GraphVertex> vertices = conf.getVertices();
        Map<String, List<String>> inputs = conf.getVertexInputs();
        List<String> order = topological(vertices.keySet(), inputs, input);
        // the input's shape: from an input preprocessor every reader of the input shares, or the first reader
        InputPreProcessor inPre = null;
        org.deeplearning4j.nn.conf.layers.Layer firstLayer = null;
        String firstName = null;
        Set<String> readers = new LinkedHashSet<>();
        for (String v : order) {
            if (inputs.getOrDefault(v, List.of()).contains(input)) {
                readers.add(v);
                if (vertices.get(v) instanceof LayerVertex lv) {
                    if (firstLayer == null) {
                        firstLayer = lv.getLayerConf().getLayer();
                        firstName = v;
                        inPre = lv.getPreProcessor();
                    }
                }
            }
        }
        boolean flat = inPre instanceof FeedForwardToCnnPreProcessor;
        if (flat) {
            for (String r : readers) {
                InputPreProcessor p = vertices.get(r) instanceof LayerVertex lv ? lv.getPreProcessor() : null;
                if (!inPre.equals(p)) {
                    throw new IllegalArgumentException("vertex '" + r + "' reads the flat input without the "
                            + "FeedForwardToCnnPreProcessor that '" + firstName + "' applies; every reader of the "
                            + "input must reshape it alike");
                }
            }
        }
        long[] shape = inputShape(givenShape, inPre, firstLayer, firstLayer == null ? "the graph's input"
                : describe(firstLayer, firstName));
        Builder b = new Builder(shape, params);
        Map<String, String> out = new LinkedHashMap<>();
        out.put(input, Network.INPUT);
        String outputName = conf.getNetworkOutputs().get(0);
        for (String v : order) {
            GraphVertex gv = vertices.get(v);
            List<String> ins = new ArrayList<>();
            for (String i : inputs.getOrDefault(v, List.of())) {
                ins.add(out.get(i));
            }
            String name = b.name(v);
            boolean last = v.equals(outputName);
            if (gv instanceof LayerVertex lv) {
                org.deeplearning4j.nn.conf.layers.Layer l = lv.getLayerConf().getLayer();
                String what = describe(l, v);
                if (ins.size() != 1) {
                    throw new IllegalArgumentException(what + " reads " + ins.size() + " inputs " + inputs.get(v)
                            + "; a layer reads one (merge them with a MergeVertex or an ElementWiseVertex first)");
                }
                String prev = ins.get(0);
                if (lv.getPreProcessor() != null && !(flat && readers.contains(v))) {
                    prev = b.preprocessor(name, lv.getPreProcessor(), prev, what);
                }
                out.put(v, b.layer(name, l, prev, v + "_", last, what));
            } else if (gv instanceof ElementWiseVertex ew) {
                if (ew.getOp() != ElementWiseVertex.Op.Add) {
                    throw unsupported("vertex '" + v + "' (ElementWiseVertex with op " + ew.getOp() + ")");
                }
                out.put(v, b.vertex(new Add(name), ins));
            } else if (gv instanceof MergeVertex mv) {
                if (mv.getMergeAxis() != 1) {
                    throw unsupported("vertex '" + v + "' (MergeVertex along axis " + mv.getMergeAxis()
                            + "; only axis 1, channels or features)");
                }
                out.put(v, b.vertex(new Concat(name), ins));
            } else if (gv instanceof PreprocessorVertex pv) {
                out.put(v, b.preprocessor(name, pv.getPreProcessor(), ins.get(0), "vertex '" + v
                        + "' (PreprocessorVertex)"));
            } else {
                throw unsupported("vertex '" + v + "' (" + gv.getClass().getName() + ")");
            }
            if (last && !b.hasLoss()) {
                throw new IllegalArgumentException("the graph's output '" + v + "' must be an OutputLayer or a "
                        + "LossLayer, got " + gv.getClass().getSimpleName());
            }
        }
        return b.build(false, flat);
    }

    /** Kahn's order over the vertices, ties in the configuration's own order; every vertex must be reachable. */
    private static List<String> topological(Set<String> vertices, Map<String, List<String>> inputs, String input) {
        List<String> order = new ArrayList<>();
        Set<String> done = new HashSet<>(Set.of(input));
        Deque<String> pending = new ArrayDeque<>(vertices);
        boolean progress = true;
        while (!pending.isEmpty() && progress) {
            progress = false;
            for (java.util.Iterator<String> it = pending.iterator(); it.hasNext(); ) {
                String v = it.next();
                if (done.containsAll(inputs.getOrDefault(v, List.of()))) {
                    order.add(v);
                    done.add(v);
                    it.remove();
                    progress = true;
                }
            }
        }
        if (!pending.isEmpty()) {
            throw new IllegalArgumentException("vertices " + pending + " read unknown vertices or form a cycle");
        }
        return order;
    }

    // ---------------------------------------------------------------- shared

    private static long[] inputShape(long[] given, InputPreProcessor inputPre,
                                     org.deeplearning4j.nn.conf.layers.Layer first, String what) {
        long[] fromConf = null;
        if (inputPre instanceof FeedForwardToCnnPreProcessor p) {
            fromConf = new long[] {p.getNumChannels(), p.getInputHeight(), p.getInputWidth()};
        } else if ((first instanceof DenseLayer || first instanceof OutputLayer) && inputPre == null) {
            fromConf = new long[] {((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) first).getNIn()};
        }
        if (given != null) {
            if (fromConf != null && !Arrays.equals(given, fromConf)) {
                throw new IllegalArgumentException("the input shape given, " + Arrays.toString(given)
                        + ", differs from the configuration's " + Arrays.toString(fromConf));
            }
            return given.clone();
        }
        if (fromConf == null) {
            throw new IllegalArgumentException("the configuration does not tell the input's height and width ("
                    + what + " is first): give the input shape [channels,height,width], or build the configuration "
                    + "with setInputType(InputType.convolutionalFlat(height, width, channels))");
        }
        return fromConf;
    }

    private static String describe(org.deeplearning4j.nn.conf.layers.Layer l, String name) {
        return "layer '" + name + "' (" + l.getClass().getSimpleName() + ")";
    }

    private static IllegalArgumentException unsupported(String what) {
        return new IllegalArgumentException(what + " is not supported; supported: " + SUPPORTED);
    }

    /** Collects the nodes, the parameters' sources and the running statistics while a network is translated. */
    private static final class Builder {

        private final long[] inputShape;
        private final Function<String, INDArray> dl4jParams;
        private final List<Network.Node> nodes = new ArrayList<>();
        private final Map<String, long[]> shapes = new LinkedHashMap<>();
        private final Map<String, INDArray> params = new LinkedHashMap<>();
        private final Map<String, RunningStatistics> statistics = new LinkedHashMap<>();
        private final Set<String> names = new HashSet<>(Set.of(Network.INPUT));
        private Loss loss;

        Builder(long[] inputShape, Function<String, INDArray> dl4jParams) {
            this.inputShape = inputShape;
            this.dl4jParams = dl4jParams;
            shapes.put(Network.INPUT, inputShape);
        }

        /** A unique node name from a DL4J name: letters, digits, '_' and '-' kept, anything else '_'. */
        String name(String dl4jName) {
            String base = dl4jName.replaceAll("[^A-Za-z0-9_\\-]", "_");
            String n = base;
            for (int k = 2; names.contains(n) || names.contains(n + "_act") || names.contains(n + "_flatten"); k++) {
                n = base + "_" + k;
            }
            names.add(n);
            return n;
        }

        boolean hasLoss() {
            return loss != null;
        }

        private String add(Layer layer, String input) {
            long[] in = shapes.get(input);
            long[] outShape = layer.outputShape(in);
            nodes.add(Network.Node.of(layer, input));
            shapes.put(layer.name(), outShape);
            names.add(layer.name());
            return layer.name();
        }

        String vertex(Vertex v, List<String> inputs) {
            List<long[]> in = new ArrayList<>();
            inputs.forEach(i -> in.add(shapes.get(i)));
            shapes.put(v.name(), v.outputShape(in));
            nodes.add(Network.Node.of(v, inputs.toArray(new String[0])));
            return v.name();
        }

        private INDArray param(String key, String what) {
            INDArray v = dl4jParams.apply(key);
            if (v == null) {
                throw new IllegalArgumentException(what + ": the model has no parameter '" + key + "'");
            }
            return v;
        }

        String preprocessor(String layerName, InputPreProcessor pre, String input, String what) {
            if (pre instanceof CnnToFeedForwardPreProcessor p) {
                long[] in = shapes.get(input);
                long[] expected = {p.getNumChannels(), p.getInputHeight(), p.getInputWidth()};
                if (p.getFormat() != CNN2DFormat.NCHW) {
                    throw unsupported(what + "'s CnnToFeedForwardPreProcessor in format " + p.getFormat());
                }
                if (!Arrays.equals(in, expected)) {
                    throw new IllegalArgumentException(what + ": its CnnToFeedForwardPreProcessor expects "
                            + Arrays.toString(expected) + " but the layers before it give " + Arrays.toString(in)
                            + " (is the input shape right?)");
                }
                return add(new Flatten(layerName + "_flatten"), input);
            }
            throw unsupported(what + "'s input preprocessor " + pre.getClass().getSimpleName());
        }

        /** Refuses what would make meta-training optimise another objective than DL4J's fit(). */
        private static void requirePlain(org.deeplearning4j.nn.conf.layers.Layer l, String what) {
            if (l.getIDropout() != null) {
                throw new IllegalArgumentException(what + " has dropout " + l.getIDropout() + ", which is not "
                        + "supported (meta-training would not see it): remove it from the configuration");
            }
            if (l.getConstraints() != null && !l.getConstraints().isEmpty()) {
                throw new IllegalArgumentException(what + " has constraints " + l.getConstraints()
                        + ", which are not supported: remove them from the configuration");
            }
            if (l instanceof BaseLayer bl) {
                if (bl.getWeightNoise() != null) {
                    throw new IllegalArgumentException(what + " has weight noise " + bl.getWeightNoise()
                            + ", which is not supported: remove it from the configuration");
                }
                List<Regularization> reg = new ArrayList<>();
                if (bl.getRegularization() != null) {
                    reg.addAll(bl.getRegularization());
                }
                if (bl.getRegularizationBias() != null) {
                    reg.addAll(bl.getRegularizationBias());
                }
                if (!reg.isEmpty()) {
                    throw new IllegalArgumentException(what + " has regularisation " + reg + " (l1, l2 or weight "
                            + "decay), which is not supported (the meta-objective has no such term): remove it from "
                            + "the configuration");
                }
            }
        }

        /**
         * Adds one DL4J layer (and its activation, flattening or loss) reading {@code input}.
         *
         * @return the node whose output is the layer's output
         */
        String layer(String name, org.deeplearning4j.nn.conf.layers.Layer l, String input, String prefix,
                     boolean last, String what) {
            requirePlain(l, what);
            if (loss != null) {
                throw new IllegalArgumentException(what + " follows the output layer; the output layer must be last");
            }
            boolean outputLayer = l instanceof OutputLayer || l instanceof LossLayer;
            if (outputLayer != last) {
                throw new IllegalArgumentException(outputLayer ? what + " must be the network's last layer (its "
                        + "output)" : "the network must end in an OutputLayer or a LossLayer, got " + what);
            }
            Class<?> c = l.getClass();
            if (c == ConvolutionLayer.class) {
                return convolution(name, (ConvolutionLayer) l, input, prefix, what);
            } else if (c == SubsamplingLayer.class) {
                return pooling(name, (SubsamplingLayer) l, input, what);
            } else if (c == BatchNormalization.class) {
                return batchNorm(name, (BatchNormalization) l, input, prefix, what);
            } else if (c == ActivationLayer.class) {
                return activation(name, ((ActivationLayer) l).getActivationFn(), input, what);
            } else if (c == DenseLayer.class) {
                DenseLayer d = (DenseLayer) l;
                if (d.hasLayerNorm()) {
                    throw unsupported(what + " with layer normalisation");
                }
                String out = dense(name, d.getNIn(), d.getNOut(), d.hasBias(), input, prefix, what);
                return activation(name + "_act", d.getActivationFn(), out, what);
            } else if (c == OutputLayer.class) {
                OutputLayer o = (OutputLayer) l;
                String out = dense(name, o.getNIn(), o.getNOut(), o.hasBias(), input, prefix, what);
                return loss(name + "_act", o.getLossFn(), o.getActivationFn(), out, what);
            } else if (c == LossLayer.class) {
                LossLayer o = (LossLayer) l;
                return loss(name, o.getLossFn(), o.getActivationFn(), input, what);
            } else if (c == GlobalPoolingLayer.class) {
                return globalPooling(name, (GlobalPoolingLayer) l, input, what);
            }
            throw unsupported(what);
        }

        private static Window2d window(int[] kernel, int[] stride, int[] padding, int[] dilation,
                                       org.deeplearning4j.nn.conf.ConvolutionMode mode, String what) {
            if (dilation != null && Arrays.stream(dilation).anyMatch(d -> d != 1)) {
                throw unsupported(what + " with dilation " + Arrays.toString(dilation) + " (only 1)");
            }
            Window2d.Mode m = switch (mode == null ? org.deeplearning4j.nn.conf.ConvolutionMode.Truncate : mode) {
                case Same -> Window2d.Mode.SAME;
                case Truncate -> Window2d.Mode.TRUNCATE;
                case Strict -> Window2d.Mode.STRICT;
                default -> throw unsupported(what + " in convolution mode " + mode + " (only Same, Truncate, "
                        + "Strict)");
            };
            boolean same = m == Window2d.Mode.SAME;
            return new Window2d(kernel[0], kernel[1], stride[0], stride[1], same ? 0 : padding[0],
                    same ? 0 : padding[1], m);
        }

        private String convolution(String name, ConvolutionLayer l, String input, String prefix, String what) {
            if (l.getCnn2dDataFormat() != null && l.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
                throw unsupported(what + " in format " + l.getCnn2dDataFormat() + " (only NCHW)");
            }
            long[] in = requireImages(input, what);
            if (l.getNIn() > 0 && l.getNIn() != in[0]) {
                throw new IllegalArgumentException(what + " has nIn " + l.getNIn() + " but its input has " + in[0]
                        + " channels " + Arrays.toString(in));
            }
            Window2d w = window(l.getKernelSize(), l.getStride(), l.getPadding(), l.getDilation(),
                    l.getConvolutionMode(), what);
            int out = (int) l.getNOut();
            // the odd square 'same' convolutions of stride 1 or 2 (Conv-4's, ResNet's) as Conv2d, which has fused
            // native kernels for executed-only graphs; the same weights [k,k,in,out] and outputs
            boolean conv2d = w.mode() == Window2d.Mode.SAME && w.kernelH() == w.kernelW() && w.kernelH() % 2 == 1
                    && w.strideH() == w.strideW() && (w.strideH() == 1 || w.strideH() == 2);
            Layer layer = conv2d ? new Conv2d(name, out, w.kernelH(), w.strideH(), l.hasBias())
                    : new Convolution2d(name, out, w, l.hasBias());
            String node = add(layer, input);
            if (dl4jParams != null) {
                params.put(name + "/W", param(prefix + "W", what).permute(2, 3, 1, 0).dup('c'));
                if (l.hasBias()) {
                    params.put(name + "/b", param(prefix + "b", what).reshape(out).dup());
                }
            }
            return activation(name + "_act", l.getActivationFn(), node, what);
        }

        private long[] requireImages(String input, String what) {
            long[] in = shapes.get(input);
            if (in.length != 3) {
                throw new IllegalArgumentException(what + " needs images [channels,height,width] as input, got "
                        + Arrays.toString(in));
            }
            return in;
        }

        private String pooling(String name, SubsamplingLayer l, String input, String what) {
            if (l.getCnn2dDataFormat() != null && l.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
                throw unsupported(what + " in format " + l.getCnn2dDataFormat() + " (only NCHW)");
            }
            requireImages(input, what);
            Pooling2d.Kind kind = switch (l.getPoolingType()) {
                case MAX -> Pooling2d.Kind.MAX;
                case AVG -> Pooling2d.Kind.AVG;
                default -> throw unsupported(what + " with pooling type " + l.getPoolingType() + " (only max, avg)");
            };
            Window2d w = window(l.getKernelSize(), l.getStride(), l.getPadding(), l.getDilation(),
                    l.getConvolutionMode(), what);
            return add(new Pooling2d(name, kind, w, kind == Pooling2d.Kind.MAX || l.isAvgPoolIncludePadInDivisor()),
                    input);
        }

        private String globalPooling(String name, GlobalPoolingLayer l, String input, String what) {
            requireImages(input, what);
            if (!l.isCollapseDimensions()) {
                throw unsupported(what + " with collapseDimensions=false");
            }
            int[] dims = l.getPoolingDimensions();
            if (dims != null && !Arrays.equals(dims, new int[] {2, 3})) {
                throw unsupported(what + " over dimensions " + Arrays.toString(dims) + " (only 2,3 of NCHW)");
            }
            if (l.getPoolingType() == PoolingType.AVG) {
                return add(new GlobalAvgPool(name), input);
            }
            if (l.getPoolingType() == PoolingType.MAX) {
                return add(new GlobalMaxPool(name), input);
            }
            throw unsupported(what + " with pooling type " + l.getPoolingType() + " (only avg, max)");
        }

        private String batchNorm(String name, BatchNormalization l, String input, String prefix, String what) {
            if (l.isLockGammaBeta()) {
                throw unsupported(what + " with lockGammaBeta=true (gamma and beta fixed at " + l.getGamma() + ", "
                        + l.getBeta() + "; only learnable gamma and beta)");
            }
            if (l.getCnn2DFormat() != null && l.getCnn2DFormat() != CNN2DFormat.NCHW) {
                throw unsupported(what + " in format " + l.getCnn2DFormat() + " (only NCHW)");
            }
            String node = add(new BatchNorm(name, l.getEps()), input);
            long channels = shapes.get(input)[0];
            if (dl4jParams != null) {
                params.put(name + "/gamma", param(prefix + "gamma", what).reshape(channels).dup());
                params.put(name + "/beta", param(prefix + "beta", what).reshape(channels).dup());
                INDArray mean = param(prefix + "mean", what).reshape(channels).dup();
                INDArray var;
                if (l.isUseLogStd()) {
                    // DL4J's test mode: std = sqrt((10^log10stdev)^2 + eps), so the variance is (10^log10stdev)^2
                    INDArray log10 = param(prefix + "log10stdev", what).reshape(channels);
                    INDArray s = Transforms.pow(Nd4j.valueArrayOf(log10.shape(), 10.0, log10.dataType()), log10,
                            false);
                    var = s.mul(s);
                } else {
                    var = param(prefix + "var", what).reshape(channels).dup();
                }
                statistics.put(name, new RunningStatistics(mean, var));
            }
            return node;
        }

        private String dense(String name, long nIn, long nOut, boolean bias, String input, String prefix,
                             String what) {
            long[] in = shapes.get(input);
            if (in.length != 1) {
                throw new IllegalArgumentException(what + " needs [features] as input, got " + Arrays.toString(in)
                        + " (DL4J inserts a CnnToFeedForwardPreProcessor when the configuration is built with "
                        + "setInputType)");
            }
            if (nIn > 0 && nIn != in[0]) {
                throw new IllegalArgumentException(what + " has nIn " + nIn + " but its input has " + in[0]
                        + " features");
            }
            String node = add(new Dense(name, (int) nOut, bias), input);
            if (dl4jParams != null) {
                params.put(name + "/W", param(prefix + "W", what).dup('c'));
                if (bias) {
                    params.put(name + "/b", param(prefix + "b", what).reshape(nOut).dup());
                }
            }
            return node;
        }

        /** Adds an activation node (none for identity). */
        String activation(String name, IActivation a, String input, String what) {
            if (a == null || a instanceof ActivationIdentity) {
                return input;
            }
            return add(activationLayer(name, a, what), input);
        }

        private static Layer activationLayer(String name, IActivation a, String what) {
            if (a instanceof ActivationReLU r) {
                if (r.getMax() != null || r.getThreshold() != null || r.getNegativeSlope() != null) {
                    throw unsupported(what + " with activation " + a + " (relu with max, threshold or negative "
                            + "slope; use leakyrelu)");
                }
                return new Relu(name); // the same function as Activation's relu, with a faster native pass
            } else if (a instanceof ActivationLReLU r) {
                return new Activation(name, Activation.Function.LEAKYRELU, r.getAlpha());
            } else if (a instanceof ActivationELU e) {
                return new Activation(name, Activation.Function.ELU, e.getAlpha());
            } else if (a instanceof ActivationTanH) {
                return Activation.of(name, Activation.Function.TANH);
            } else if (a instanceof ActivationSigmoid) {
                return Activation.of(name, Activation.Function.SIGMOID);
            } else if (a instanceof ActivationSoftmax) {
                return Activation.of(name, Activation.Function.SOFTMAX);
            }
            throw unsupported(what + " with activation " + a + " (only identity, relu, leakyrelu, elu, tanh, "
                    + "sigmoid, softmax)");
        }

        private String loss(String name, ILossFunction lf, IActivation a, String input, String what) {
            if (lf != null && (lf.getClass() == LossMCXENT.class && lf.equals(new LossMCXENT())
                    || lf.getClass() == LossNegativeLogLikelihood.class && lf.equals(new LossNegativeLogLikelihood()))) {
                if (!(a instanceof ActivationSoftmax)) {
                    throw unsupported(what + " with loss " + lf + " and activation " + a + " (MCXENT and "
                            + "NEGATIVELOGLIKELIHOOD need softmax)");
                }
                loss = Loss.softmaxCrossEntropy();
                return input;
            }
            if (lf != null && lf.getClass() == LossMSE.class && lf.equals(new LossMSE())) {
                loss = new MeanSquaredError();
                return activation(name, a, input, what);
            }
            throw unsupported(what + " with loss " + lf + " (only MCXENT or NEGATIVELOGLIKELIHOOD with softmax, or "
                    + "MSE, all without weights)");
        }

        ImportedNetwork build(boolean sequential, boolean flat) {
            Network net = sequential ? new Network(inputShape, layers(), loss) : Network.graph(inputShape, nodes,
                    loss);
            ParamSet p = null;
            if (dl4jParams != null) {
                Map<String, INDArray> ordered = new LinkedHashMap<>();
                for (String k : net.paramNames()) {
                    ordered.put(k, params.get(k));
                }
                p = ParamSet.copyOf(ordered);
            }
            return new ImportedNetwork(net, p, statistics, flat);
        }

        private List<Layer> layers() {
            List<Layer> ls = new ArrayList<>();
            nodes.forEach(n -> ls.add(n.layer()));
            return ls;
        }
    }
}
