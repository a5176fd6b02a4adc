package org.dl4jmeta.dl4j;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.dl4jmeta.io.AtomicFiles;
import org.dl4jmeta.io.Json;
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
import org.dl4jmeta.model.MaxPool2x2;
import org.dl4jmeta.model.MeanSquaredError;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.Normalisation;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.model.Pooling2d;
import org.dl4jmeta.model.Relu;
import org.dl4jmeta.model.Window2d;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Hands a network back to plain DL4J: a {@code MultiLayerNetwork} for a stack, a {@code ComputationGraph} for a
 * graph, with the library's parameters, whose {@code output()} gives the library's predictions and whose own
 * {@code fit()} trains it further; {@link #write} saves it as a {@code ModelSerializer} zip.
 *
 * <p>DL4J's batch normalisation predicts ({@code output()}, test mode) with running statistics, which a
 * meta-model trained with batch statistics does not have: the export writes given statistics in their place
 * (those of an adapted task's support set: {@link #statistics}), with DL4J's eps equal to the library's, so
 * {@code output()} normalises exactly as the library does with those statistics; DL4J's {@code fit()} then updates
 * them as it always does (decay 0.9). The zip carries a {@value #METADATA_ENTRY} entry saying where the statistics
 * came from ({@link #readMetadata}).
 *
 * <p>Layers map as follows, each conv and dense layer with an identity activation and the activations as
 * {@code ActivationLayer}s: {@link Conv2d} and {@link Convolution2d} to {@code ConvolutionLayer} (Same, Truncate
 * or Strict mode), {@link BatchNorm} to {@code BatchNormalization} (running variance stored directly, not as log
 * std), {@link Relu} and {@link Activation} to {@code ActivationLayer}, {@link MaxPool2x2} and {@link Pooling2d} to
 * {@code SubsamplingLayer}, {@link GlobalAvgPool} and {@link GlobalMaxPool} to {@code GlobalPoolingLayer},
 * {@link Flatten} to a {@code CnnToFeedForwardPreProcessor} ('c' order, as ours), {@link Add} to
 * {@code ElementWiseVertex(Add)}, {@link Concat} to {@code MergeVertex}; a last {@link Dense} becomes the {@code
 * OutputLayer} (MCXENT with softmax for softmax cross-entropy, so {@code output()} gives probabilities; MSE for
 * {@link MeanSquaredError}), any other last node is followed by a {@code LossLayer}. A layer without a DL4J
 * equivalent (a user's own registered layer) or another loss is refused by name. The network reads
 * {@code InputType.convolutional(h, w, c)} images {@code [n,c,h,w]} (or {@code [n,f]} features).
 */
public final class Dl4jExport {

    /** The zip entry holding the export's metadata (JSON). */
    public static final String METADATA_ENTRY = "dl4j-meta.json";

    /** Layer and vertex classes that have a DL4J equivalent, as listed in errors. */
    public static final List<String> EXPORTABLE = List.of("Conv2d", "Convolution2d", "BatchNorm", "Relu",
            "Activation", "MaxPool2x2", "Pooling2d", "GlobalAvgPool", "GlobalMaxPool", "Flatten", "Dense", "Add",
            "Concat");

    private Dl4jExport() {
    }

    /**
     * The statistics each batch-norm layer computes on the given images (e.g. an adapted task's support set): what
     * the exported model's {@code output()} normalises with.
     *
     * @param network the network
     * @param params its parameters (extra tensors such as learned step sizes are ignored)
     * @param images {@code [n, inputShape...]}, n &gt;= 1
     * @return batch-norm layer name to per-channel mean and biased variance, in layer order (empty without
     *     batch norm)
     * @throws IllegalArgumentException if the images do not fit the network
     */
    public static Map<String, RunningStatistics> statistics(Network network, ParamSet params, INDArray images) {
        long[] in = network.inputShape();
        if (images.rank() != in.length + 1 || !java.util.Arrays.equals(java.util.Arrays.copyOfRange(images.shape(), 1,
                images.rank()), in)) {
            throw new IllegalArgumentException("images must be [n, " + java.util.Arrays.toString(in).substring(1)
                    + ", got " + java.util.Arrays.toString(images.shape()));
        }
        SameDiff sd = SameDiff.create();
        Network.Forward f = network.forward(sd, sd.constant(images), images.size(0), constants(sd, network, params));
        Map<String, Normalisation.Statistics> s = f.statistics();
        if (s.isEmpty()) {
            return Map.of();
        }
        List<String> names = new ArrayList<>();
        s.values().forEach(v -> {
            names.add(v.mean().name());
            names.add(v.variance().name());
        });
        Map<String, INDArray> vals = sd.output(Map.of(), names);
        Map<String, RunningStatistics> out = new LinkedHashMap<>();
        s.forEach((k, v) -> out.put(k, new RunningStatistics(vals.get(v.mean().name()).dup(),
                vals.get(v.variance().name()).dup())));
        return java.util.Collections.unmodifiableMap(out);
    }

    private static Map<String, SDVariable> constants(SameDiff sd, Network network, ParamSet params) {
        network.requireParams(params, "the parameters");
        Map<String, SDVariable> v = new LinkedHashMap<>();
        for (String k : network.paramNames()) {
            v.put(k, sd.constant(params.get(k)));
        }
        return v;
    }

    /**
     * The DL4J model: a {@code MultiLayerNetwork} for a stack, a {@code ComputationGraph} for a graph, initialised
     * with the given parameters and, in every batch-norm layer, the given statistics.
     *
     * @param network the network
     * @param params its parameters, in the model's data type (FLOAT or DOUBLE)
     * @param statistics batch-norm layer name to the statistics {@code output()} shall use; every batch-norm layer
     *     needs them
     * @param updater the updater DL4J's {@code fit()} uses, e.g. {@code new Adam(1e-3)}
     * @return the model
     * @throws IllegalArgumentException naming a layer without a DL4J equivalent, a batch-norm layer without
     *     statistics, or a loss other than softmax cross-entropy and mse
     */
    public static Model toDl4j(Network network, ParamSet params, Map<String, RunningStatistics> statistics,
                               IUpdater updater) {
        network.requireParams(params, "the parameters");
        Translation t = new Translation(network, params.dataType(), updater);
        for (Layer l : network.layers()) {
            if (l instanceof Normalisation && !statistics.containsKey(l.name())) {
                throw new IllegalArgumentException("batch norm '" + l.name() + "' needs statistics for DL4J's "
                        + "output(): compute them with Dl4jExport.statistics(network, params, images); got them for "
                        + statistics.keySet());
            }
        }
        Model model;
        if (network.isSequential()) {
            MultiLayerNetwork m = new MultiLayerNetwork(t.stack());
            m.init();
            model = m;
        } else {
            ComputationGraph g = new ComputationGraph(t.graph());
            g.init();
            model = g;
        }
        t.assign(model, params, statistics);
        return model;
    }

    /**
     * Writes the DL4J model ({@link #toDl4j}) as a {@code ModelSerializer} zip (with the updater's state, so
     * {@code ModelSerializer.restoreMultiLayerNetwork(file)} or {@code restoreComputationGraph(file)} and
     * {@code fit()} continue from it) plus a {@value #METADATA_ENTRY} entry; atomically.
     *
     * @param file the zip to write
     * @param network the network
     * @param params its parameters
     * @param statistics batch-norm statistics for {@code output()}
     * @param updater the updater for DL4J's {@code fit()}
     * @param metadata what to record (e.g. {@code "batchNormStatistics": "support set of ..."}); JSON values
     * @throws IOException if writing fails
     * @throws IllegalArgumentException as {@link #toDl4j}
     */
    public static void write(Path file, Network network, ParamSet params, Map<String, RunningStatistics> statistics,
                             IUpdater updater, Map<String, Object> metadata) throws IOException {
        Model model = toDl4j(network, params, statistics, updater);
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        ModelSerializer.writeModel(model, zip, true);
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("format", "dl4j-meta DL4J export");
        meta.put("dl4jClass", model.getClass().getSimpleName());
        meta.put("batchNormLayers", new ArrayList<>(statistics.keySet()));
        meta.putAll(metadata);
        byte[] json = Json.write(meta).getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, out -> {
            ZipOutputStream zo = new ZipOutputStream(out);
            try (ZipInputStream zi = new ZipInputStream(new ByteArrayInputStream(zip.toByteArray()))) {
                for (ZipEntry e = zi.getNextEntry(); e != null; e = zi.getNextEntry()) {
                    zo.putNextEntry(new ZipEntry(e.getName()));
                    zi.transferTo(zo);
                    zo.closeEntry();
                }
            }
            zo.putNextEntry(new ZipEntry(METADATA_ENTRY));
            zo.write(json);
            zo.closeEntry();
            zo.finish();
        });
    }

    /**
     * @param file a zip written by {@link #write}
     * @return its metadata
     * @throws IOException if the file cannot be read or has no {@value #METADATA_ENTRY}
     */
    public static Map<String, Object> readMetadata(Path file) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry e = zip.getEntry(METADATA_ENTRY);
            if (e == null) {
                throw new IOException(file + " has no " + METADATA_ENTRY + " entry: not written by Dl4jExport");
            }
            try (InputStream in = zip.getInputStream(e)) {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = Json.mapper().readValue(in, Map.class);
                return m;
            }
        }
    }

    /** One network's DL4J layers, in order, with where each parameter goes. */
    private static final class Translation {

        private final Network network;
        private final DataType dataType;
        private final IUpdater updater;
        /** our parameter name -&gt; DL4J parameter key */
        private final Map<String, String> keys = new LinkedHashMap<>();
        /** our batch-norm layer -&gt; DL4J key prefix */
        private final Map<String, String> bnPrefix = new LinkedHashMap<>();

        Translation(Network network, DataType dataType, IUpdater updater) {
            this.network = network;
            this.dataType = dataType;
            this.updater = java.util.Objects.requireNonNull(updater, "updater");
        }

        private NeuralNetConfiguration.Builder base() {
            return new NeuralNetConfiguration.Builder().dataType(dataType).updater(updater)
                    .weightInit(WeightInit.XAVIER).activation(org.nd4j.linalg.activations.Activation.IDENTITY);
        }

        private InputType inputType() {
            long[] in = network.inputShape();
            if (in.length == 3) {
                return InputType.convolutional(in[1], in[2], in[0]);
            }
            if (in.length == 1) {
                return InputType.feedForward(in[0]);
            }
            throw new IllegalArgumentException("only [channels,height,width] or [features] inputs can be exported, "
                    + "got " + java.util.Arrays.toString(in));
        }

        /** The last node, and, where it is a dense layer, that it becomes the output layer. */
        private boolean lastIsDense() {
            Network.Node last = network.nodes().get(network.nodes().size() - 1);
            return last.layer() instanceof Dense;
        }

        MultiLayerConfiguration stack() {
            NeuralNetConfiguration.ListBuilder lb = base().list();
            List<Network.Node> nodes = network.nodes();
            int idx = 0;
            CnnToFeedForwardPreProcessor pending = null;
            for (int i = 0; i < nodes.size(); i++) {
                Layer l = nodes.get(i).layer();
                String in = nodes.get(i).inputs().get(0);
                if (l instanceof Flatten) {
                    pending = flatten(in);
                    continue;
                }
                boolean last = i == nodes.size() - 1;
                org.deeplearning4j.nn.conf.layers.Layer d = last && l instanceof Dense dense
                        ? outputLayer(dense) : layer(l, in);
                record(l, idx + "_");
                lb.layer(idx, d);
                if (pending != null) {
                    lb.inputPreProcessor(idx, pending);
                    pending = null;
                }
                idx++;
            }
            if (!lastIsDense()) {
                lb.layer(idx, lossLayer());
                if (pending != null) {
                    lb.inputPreProcessor(idx, pending);
                }
            }
            return lb.setInputType(inputType()).build();
        }

        ComputationGraphConfiguration graph() {
            ComputationGraphConfiguration.GraphBuilder gb = base().graphBuilder().addInputs(Network.INPUT);
            List<Network.Node> nodes = network.nodes();
            String out = null;
            for (int i = 0; i < nodes.size(); i++) {
                Network.Node n = nodes.get(i);
                String[] ins = n.inputs().toArray(new String[0]);
                boolean last = i == nodes.size() - 1;
                if (n.vertex() instanceof Add a) {
                    gb.addVertex(a.name(), new ElementWiseVertex(ElementWiseVertex.Op.Add), ins);
                } else if (n.vertex() instanceof Concat c) {
                    gb.addVertex(c.name(), new MergeVertex(), ins);
                } else if (n.vertex() != null) {
                    throw noEquivalent("vertex", n.vertex().name(), n.vertex().getClass());
                } else if (n.layer() instanceof Flatten f) {
                    gb.addVertex(f.name(), new PreprocessorVertex(flatten(ins[0])), ins);
                } else {
                    Layer l = n.layer();
                    gb.addLayer(l.name(), last && l instanceof Dense dense ? outputLayer(dense) : layer(l, ins[0]),
                            ins);
                    record(l, l.name() + "_");
                }
                out = n.name();
            }
            if (!lastIsDense()) {
                String loss = unique("loss");
                gb.addLayer(loss, lossLayer(), out);
                out = loss;
            }
            return gb.setOutputs(out).setInputTypes(inputType()).build();
        }

        private String unique(String base) {
            Set<String> names = new LinkedHashSet<>();
            network.nodes().forEach(n -> names.add(n.name()));
            String s = base;
            for (int k = 2; names.contains(s); k++) {
                s = base + k;
            }
            return s;
        }

        private CnnToFeedForwardPreProcessor flatten(String input) {
            long[] s = network.outputShape(input);
            if (s.length != 3) {
                throw new IllegalArgumentException("flatten of a [" + s.length + "]-dimensional input has no DL4J "
                        + "equivalent; only [channels,height,width] inputs, got " + java.util.Arrays.toString(s));
            }
            return new CnnToFeedForwardPreProcessor(s[1], s[2], s[0]);
        }

        private void record(Layer l, String prefix) {
            for (String p : network.paramNames()) {
                if (p.startsWith(l.name() + "/")) {
                    keys.put(p, prefix + p.substring(l.name().length() + 1));
                }
            }
            if (l instanceof BatchNorm) {
                bnPrefix.put(l.name(), prefix);
            }
        }

        private static IllegalArgumentException noEquivalent(String what, String name, Class<?> c) {
            return new IllegalArgumentException(what + " '" + name + "' (" + c.getName() + ") has no DL4J "
                    + "equivalent; exportable: " + EXPORTABLE);
        }

        private org.deeplearning4j.nn.conf.layers.Layer layer(Layer l, String input) {
            if (l instanceof Conv2d c) {
                return new ConvolutionLayer.Builder(c.kernel(), c.kernel()).stride(c.stride(), c.stride())
                        .nOut(c.outChannels()).hasBias(c.hasBias()).convolutionMode(ConvolutionMode.Same)
                        .activation(new ActivationIdentity()).name(c.name()).build();
            }
            if (l instanceof Convolution2d c) {
                Window2d w = c.window();
                return new ConvolutionLayer.Builder(w.kernelH(), w.kernelW()).stride(w.strideH(), w.strideW())
                        .padding(w.padH(), w.padW()).nOut(c.outChannels()).hasBias(c.hasBias())
                        .convolutionMode(mode(w)).activation(new ActivationIdentity()).name(c.name()).build();
            }
            if (l instanceof BatchNorm b) {
                return new BatchNormalization.Builder().eps(b.eps()).decay(0.9).useLogStd(false).lockGammaBeta(false)
                        .activation(new ActivationIdentity()).name(b.name()).build();
            }
            if (l instanceof Relu r) {
                return new ActivationLayer.Builder().activation(new ActivationReLU()).name(r.name()).build();
            }
            if (l instanceof Activation a) {
                return new ActivationLayer.Builder().activation(activation(a)).name(a.name()).build();
            }
            if (l instanceof MaxPool2x2 p) {
                return new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .padding(0, 0).convolutionMode(ConvolutionMode.Truncate).name(p.name()).build();
            }
            if (l instanceof Pooling2d p) {
                Window2d w = p.window();
                return new SubsamplingLayer.Builder(p.kind() == Pooling2d.Kind.MAX ? SubsamplingLayer.PoolingType.MAX
                        : SubsamplingLayer.PoolingType.AVG).kernelSize(w.kernelH(), w.kernelW())
                        .stride(w.strideH(), w.strideW()).padding(w.padH(), w.padW()).convolutionMode(mode(w))
                        .avgPoolIncludePadInDivisor(p.padInDivisor()).name(p.name()).build();
            }
            if (l instanceof GlobalAvgPool g) {
                return new GlobalPoolingLayer.Builder(PoolingType.AVG).name(g.name()).build();
            }
            if (l instanceof GlobalMaxPool g) {
                return new GlobalPoolingLayer.Builder(PoolingType.MAX).name(g.name()).build();
            }
            if (l instanceof Dense d) {
                return new DenseLayer.Builder().nOut(d.outputs()).hasBias(d.hasBias())
                        .activation(new ActivationIdentity()).name(d.name()).build();
            }
            throw noEquivalent("layer", l.name(), l.getClass());
        }

        private static ConvolutionMode mode(Window2d w) {
            return switch (w.mode()) {
                case SAME -> ConvolutionMode.Same;
                case TRUNCATE -> ConvolutionMode.Truncate;
                case STRICT -> ConvolutionMode.Strict;
            };
        }

        private static IActivation activation(Activation a) {
            return switch (a.function()) {
                case IDENTITY -> new ActivationIdentity();
                case RELU -> new ActivationReLU();
                case LEAKYRELU -> new ActivationLReLU(a.alpha());
                case ELU -> new ActivationELU(a.alpha());
                case TANH -> new ActivationTanH();
                case SIGMOID -> new ActivationSigmoid();
                case SOFTMAX -> new ActivationSoftmax();
            };
        }

        private boolean softmaxLoss() {
            String id = network.loss().id();
            if (id.equals(Loss.softmaxCrossEntropy().id())) {
                return true;
            }
            if (id.equals(new MeanSquaredError().id())) {
                return false;
            }
            throw new IllegalArgumentException("loss '" + id + "' has no DL4J equivalent; exportable: "
                    + "softmax-cross-entropy (MCXENT with softmax), mse (MSE)");
        }

        private OutputLayer outputLayer(Dense d) {
            boolean softmax = softmaxLoss();
            return new OutputLayer.Builder(softmax ? LossFunctions.LossFunction.MCXENT
                    : LossFunctions.LossFunction.MSE).nOut(d.outputs()).hasBias(d.hasBias())
                    .activation(softmax ? new ActivationSoftmax() : new ActivationIdentity()).name(d.name()).build();
        }

        private LossLayer lossLayer() {
            boolean softmax = softmaxLoss();
            return new LossLayer.Builder(softmax ? LossFunctions.LossFunction.MCXENT : LossFunctions.LossFunction.MSE)
                    .activation(softmax ? new ActivationSoftmax() : new ActivationIdentity()).build();
        }

        /** Copies the parameters and statistics into the initialised model. */
        void assign(Model model, ParamSet params, Map<String, RunningStatistics> statistics) {
            Map<String, INDArray> table = model.paramTable();
            Map<String, INDArray> values = new HashMap<>();
            for (Map.Entry<String, String> e : keys.entrySet()) {
                INDArray v = params.get(e.getKey());
                values.put(e.getValue(), v.rank() == 4 ? v.permute(3, 2, 0, 1) : v);
            }
            for (Map.Entry<String, String> e : bnPrefix.entrySet()) {
                RunningStatistics s = statistics.get(e.getKey());
                values.put(e.getValue() + "mean", s.mean().castTo(dataType));
                values.put(e.getValue() + "var", s.variance().castTo(dataType));
            }
            for (Map.Entry<String, INDArray> e : values.entrySet()) {
                INDArray target = table.get(e.getKey());
                if (target == null || target.length() != e.getValue().length()) {
                    throw new IllegalStateException("DL4J parameter '" + e.getKey() + "' is missing or of another "
                            + "size (" + (target == null ? "none" : java.util.Arrays.toString(target.shape()))
                            + ") than " + java.util.Arrays.toString(e.getValue().shape()));
                }
                model.setParam(e.getKey(), e.getValue().reshape(target.shape()).castTo(target.dataType()));
            }
        }
    }
}
