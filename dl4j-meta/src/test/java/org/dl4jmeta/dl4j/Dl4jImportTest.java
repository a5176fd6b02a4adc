package org.dl4jmeta.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.weights.WeightInit;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.check.MetaGradientCheck;
import org.dl4jmeta.model.Loss;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.SyntheticTasks;
import org.dl4jmeta.testutil.Rel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Every supported DL4J layer type and vertex, in tiny imported networks in double: (a) the forward output with the
 * model's running statistics equals DL4J's {@code output()}, and the loss and gradient with batch statistics equal
 * DL4J's {@code computeGradientAndScore()} (training mode), relative error below 1e-6 (DL4J's gradient is that of the
 * summed loss, n times ours: its updater divides by the batch size); (b) second-order MAML through 2 inner steps on
 * the imported network matches central finite differences (below 1e-6). Unsupported layers, vertices and settings
 * are refused by name.
 */
class Dl4jImportTest {

    private static DataType savedDefault;
    private static DataType savedFloat;

    @BeforeAll
    static void doublePrecision() {
        savedDefault = Nd4j.dataType();
        savedFloat = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @AfterAll
    static void restorePrecision() {
        Nd4j.setDefaultDataTypes(savedDefault, savedFloat);
    }

    static NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.DOUBLE).updater(new Sgd(0.1))
                .weightInit(WeightInit.XAVIER);
    }

    /** Name, configuration, the input shape to pass (null: read from the configuration). */
    static Stream<Arguments> networks() {
        return Stream.of(
                Arguments.of("conv-same-relu, global avg, MCXENT (convolutionalFlat)", (Supplier<Object>) () ->
                        base().list()
                                .layer(new ConvolutionLayer.Builder(3, 3).nOut(3).stride(1, 1)
                                        .convolutionMode(ConvolutionMode.Same).activation(Activation.RELU).build())
                                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                                        .activation(Activation.SOFTMAX).build())
                                .setInputType(InputType.convolutionalFlat(5, 6, 2)).build(), null),
                Arguments.of("conv-truncate no bias elu, batch norm, max pool same, dense sigmoid, NLL",
                        (Supplier<Object>) () -> base().list()
                                .layer(new ConvolutionLayer.Builder(3, 2).nOut(3).stride(2, 1).padding(1, 0)
                                        .hasBias(false).convolutionMode(ConvolutionMode.Truncate)
                                        .activation(Activation.ELU).build())
                                .layer(new BatchNormalization.Builder().eps(1e-4).build())
                                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2)
                                        .stride(2, 2).convolutionMode(ConvolutionMode.Same).build())
                                .layer(new DenseLayer.Builder().nOut(4).activation(Activation.SIGMOID).build())
                                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD)
                                        .nOut(3).activation(Activation.SOFTMAX).build())
                                .setInputType(InputType.convolutional(7, 5, 2)).build(), new long[] {2, 7, 5}),
                Arguments.of("conv-strict tanh, avg pool with padding, global max, MSE identity",
                        (Supplier<Object>) () -> base().list()
                                .layer(new ConvolutionLayer.Builder(3, 3).nOut(2).stride(2, 2).padding(1, 1)
                                        .convolutionMode(ConvolutionMode.Strict).activation(Activation.TANH).build())
                                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(3, 3)
                                        .stride(1, 1).padding(1, 1).convolutionMode(ConvolutionMode.Truncate).build())
                                .layer(new GlobalPoolingLayer.Builder(PoolingType.MAX).build())
                                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(3)
                                        .activation(Activation.IDENTITY).build())
                                .setInputType(InputType.convolutionalFlat(7, 7, 1)).build(), null),
                Arguments.of("avg pool without padding in divisor, ActivationLayer leakyrelu, MSE sigmoid",
                        (Supplier<Object>) () -> base().list()
                                .layer(new ConvolutionLayer.Builder(2, 2).nOut(2).stride(1, 1)
                                        .convolutionMode(ConvolutionMode.Truncate).activation(Activation.IDENTITY)
                                        .build())
                                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(3, 3)
                                        .stride(2, 2).padding(1, 1).avgPoolIncludePadInDivisor(false)
                                        .convolutionMode(ConvolutionMode.Truncate).build())
                                .layer(new ActivationLayer.Builder().activation(Activation.LEAKYRELU).build())
                                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(3)
                                        .activation(Activation.SIGMOID).build())
                                .setInputType(InputType.convolutionalFlat(6, 6, 2)).build(), null),
                Arguments.of("dense relu, batch norm on features, softmax ActivationLayer, LossLayer MSE",
                        (Supplier<Object>) () -> base().list()
                                .layer(new DenseLayer.Builder().nIn(5).nOut(4).activation(Activation.RELU).build())
                                .layer(new BatchNormalization.Builder().useLogStd(false).build())
                                .layer(new DenseLayer.Builder().nOut(3).activation(Activation.IDENTITY).build())
                                .layer(new ActivationLayer.Builder().activation(Activation.SOFTMAX).build())
                                .layer(new LossLayer.Builder(LossFunctions.LossFunction.MSE)
                                        .activation(Activation.IDENTITY).build())
                                .setInputType(InputType.feedForward(5)).build(), null),
                Arguments.of("graph: residual ElementWiseVertex(Add), MergeVertex, batch norm, max pool",
                        (Supplier<Object>) () -> base().graphBuilder().addInputs("in")
                                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(3)
                                        .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build(),
                                        "in")
                                .addLayer("bn1", new BatchNormalization.Builder().build(), "c1")
                                .addLayer("a1", new ActivationLayer.Builder().activation(Activation.LEAKYRELU).build(),
                                        "bn1")
                                .addLayer("c2", new ConvolutionLayer.Builder(3, 3).nOut(3).hasBias(false)
                                        .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build(),
                                        "a1")
                                .addLayer("shortcut", new ConvolutionLayer.Builder(1, 1).nOut(3)
                                        .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build(),
                                        "in")
                                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "c2", "shortcut")
                                .addVertex("merge", new MergeVertex(), "add", "a1")
                                .addLayer("pool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                                        .kernelSize(2, 2).stride(2, 2).build(), "merge")
                                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                                        .activation(Activation.SOFTMAX).build(), "pool")
                                .setOutputs("out")
                                .setInputTypes(InputType.convolutionalFlat(6, 6, 2)).build(), null),
                Arguments.of("graph: PreprocessorVertex flattening, dense tanh, LossLayer MCXENT (shape given)",
                        (Supplier<Object>) () -> base().graphBuilder().addInputs("images")
                                .addLayer("conv", new ConvolutionLayer.Builder(2, 3).nOut(2).stride(1, 2)
                                        .convolutionMode(ConvolutionMode.Truncate).activation(Activation.RELU).build(),
                                        "images")
                                .addVertex("flat", new PreprocessorVertex(new CnnToFeedForwardPreProcessor(4, 2, 2)),
                                        "conv")
                                .addLayer("hidden", new DenseLayer.Builder().nOut(4).activation(Activation.TANH)
                                        .build(), "flat")
                                .addLayer("logits", new DenseLayer.Builder().nOut(3)
                                        .activation(Activation.IDENTITY).build(), "hidden")
                                .addLayer("loss", new LossLayer.Builder(LossFunctions.LossFunction.MCXENT)
                                        .activation(Activation.SOFTMAX).build(), "logits")
                                .setOutputs("loss")
                                .setInputTypes(InputType.convolutional(5, 5, 1)).build(), new long[] {1, 5, 5}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void forwardAndGradientEqualDl4j(String name, Supplier<Object> conf, long[] shape) {
        Dl4jNets.Net dl4j = Dl4jNets.Net.of(conf.get());
        dl4j.randomise(5);
        ImportedNetwork imported = dl4j.model() instanceof org.deeplearning4j.nn.multilayer.MultiLayerNetwork m
                ? Dl4jImport.of(m, shape) : Dl4jImport.of((org.deeplearning4j.nn.graph.ComputationGraph) dl4j.model(),
                shape);
        Network net = imported.network();
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), (int) net.outputs(), 2, 1, DataType.DOUBLE, 3);
        INDArray x = e.supportX();
        INDArray y = e.supportY();
        long n = x.size(0);
        INDArray dl4jX = imported.flatInput() ? x.reshape('c', n, x.length() / n) : x;

        // (a1) test-mode output with the running statistics
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> v = constants(sd, net, imported.parameters());
        Network.Forward f = net.forward(sd, sd.constant(x), n, v, RunningStatistics.constants(sd,
                imported.statistics()));
        SDVariable out = net.loss().id().equals(Loss.softmaxCrossEntropy().id()) ? sd.nn.softmax(f.output(), 1)
                : f.output();
        INDArray ours = out.eval();
        INDArray theirs = dl4j.output(dl4jX);
        double oe = Rel.maxRelError(ours, theirs, 1e-12);
        assertTrue(oe < 1e-6, name + ": output relative error " + oe + "\nours " + ours + "\ndl4j " + theirs);

        // (a2) training-mode loss and gradient with batch statistics
        Map<String, INDArray> dl4jGrad = dl4j.gradient(dl4jX, y);
        SameDiff g = SameDiff.create();
        Network.LossAndGradient lg = net.lossAndGradient(g, g.constant(x), g.constant(y), n, constants(g, net,
                imported.parameters()));
        java.util.List<String> outs = new java.util.ArrayList<>();
        outs.add(lg.loss().name());
        lg.gradients().values().forEach(s -> outs.add(s.name()));
        Map<String, INDArray> vals = g.output(Map.of(), outs);
        double loss = vals.get(lg.loss().name()).getDouble(0);
        assertEquals(0, Rel.rel(loss, dl4j.score(), 1e-12), 1e-6, name + ": loss " + loss + " vs DL4J score "
                + dl4j.score());
        // DL4J's gradient in our layout: the import's own conversion applied to DL4J's gradient
        Map<String, INDArray> gradTable = new LinkedHashMap<>(dl4j.model().paramTable());
        gradTable.putAll(dl4jGrad);
        ParamSet converted = Dl4jImport.convert(dl4j.model(), shape, gradTable::get).parameters();
        for (String k : net.paramNames()) {
            INDArray ourGrad = vals.get(lg.gradients().get(k).name());
            double ge = Rel.maxRelError(ourGrad, converted.get(k).mul(1.0 / n), 1e-12);
            assertTrue(ge < 1e-6, name + ": gradient " + k + " relative error " + ge + "\nours " + ourGrad
                    + "\ndl4j/n " + converted.get(k).mul(1.0 / n));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void secondOrderMamlMatchesFiniteDifferences(String name, Supplier<Object> conf, long[] shape) {
        Dl4jNets.Net dl4j = Dl4jNets.Net.of(conf.get());
        dl4j.randomise(9);
        ImportedNetwork imported = Dl4jImport.convert(dl4j.model(), shape, dl4j.model().paramTable()::get);
        Network net = imported.network();
        Maml maml = new Maml(net, MamlConfig.secondOrder(2, 0.3));
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), (int) net.outputs(), 2, 2, DataType.DOUBLE, 11);
        MetaGradientCheck.Result r = MetaGradientCheck.check(maml, MetaGradientCheck.Objective.META_OBJECTIVE,
                imported.parameters(), e, 6, 1e-6, 1e-10, 3);
        assertTrue(r.maxRelativeError() < 1e-6, name + ": max relative error " + r.maxRelativeError() + " "
                + r.directions());
        double largest = r.directions().stream().mapToDouble(d -> Math.abs(d.analytic())).max().orElse(0);
        assertTrue(largest > 1e-4, name + ": directional derivatives too small to test anything: " + r.directions());
    }

    @Test
    void configurationJsonImportsAsTheObjectDoes() {
        Object conf = networks().filter(a -> ((String) a.get()[0]).startsWith("graph")).findFirst().orElseThrow()
                .get()[1];
        Object built = ((Supplier<?>) conf).get();
        String json = ((org.deeplearning4j.nn.conf.ComputationGraphConfiguration) built).toJson();
        ImportedNetwork fromJson = Dl4jImport.fromJson(json, null);
        ImportedNetwork fromObject = Dl4jImport.of((org.deeplearning4j.nn.conf.ComputationGraphConfiguration) built,
                null);
        assertEquals(fromObject.network().paramNames(), fromJson.network().paramNames());
        assertTrue(!fromJson.network().isSequential() && !fromJson.hasParameters());
        assertEquals(List.of("c1/W", "c1/b", "bn1/gamma", "bn1/beta", "c2/W", "shortcut/W", "shortcut/b", "out/W",
                "out/b"), fromJson.network().paramNames());
    }

    @Test
    void unsupportedLayersAreRefusedByName() {
        IllegalArgumentException lstm = assertThrows(IllegalArgumentException.class, () -> Dl4jImport.of(base().list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(3).activation(Activation.RELU).build())
                .layer(new LSTM.Builder().nOut(3).build())
                .layer(new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build()).build(), null));
        assertTrue(lstm.getMessage().contains("'layer1' (LSTM)") && lstm.getMessage().contains("ConvolutionLayer"),
                lstm.getMessage());
        IllegalArgumentException dropout = assertThrows(IllegalArgumentException.class, () -> Dl4jImport.of(
                base().list().layer(new DenseLayer.Builder().nIn(4).nOut(3).name("hidden").build())
                        .layer(new DropoutLayer.Builder(0.5).name("drop").build())
                        .layer(new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build()).build(),
                null));
        assertTrue(dropout.getMessage().contains("'drop' (DropoutLayer)"), dropout.getMessage());
        IllegalArgumentException l2 = assertThrows(IllegalArgumentException.class, () -> Dl4jImport.of(base().l2(1e-4)
                .list().layer(new DenseLayer.Builder().nIn(4).nOut(3).name("hidden").build())
                .layer(new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build()).build(), null));
        assertTrue(l2.getMessage().contains("'hidden' (DenseLayer)") && l2.getMessage().contains("regularisation"),
                l2.getMessage());
        IllegalArgumentException layerDropout = assertThrows(IllegalArgumentException.class, () -> Dl4jImport.of(
                base().list().layer(new DenseLayer.Builder().nIn(4).nOut(3).dropOut(0.8).name("hidden").build())
                        .layer(new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build()).build(),
                null));
        assertTrue(layerDropout.getMessage().contains("'hidden' (DenseLayer) has dropout"),
                layerDropout.getMessage());
        IllegalArgumentException product = assertThrows(IllegalArgumentException.class, () -> Dl4jImport.of(
                base().graphBuilder().addInputs("in")
                        .addLayer("d1", new DenseLayer.Builder().nIn(4).nOut(3).build(), "in")
                        .addLayer("d2", new DenseLayer.Builder().nIn(4).nOut(3).build(), "in")
                        .addVertex("times", new ElementWiseVertex(ElementWiseVertex.Op.Product), "d1", "d2")
                        .addLayer("out", new OutputLayer.Builder().nIn(3).nOut(2).activation(Activation.SOFTMAX)
                                .build(), "times")
                        .setOutputs("out").build(), null));
        assertTrue(product.getMessage().contains("'times'") && product.getMessage().contains("Product"),
                product.getMessage());
        IllegalArgumentException dilated = assertThrows(IllegalArgumentException.class, () -> Dl4jImport.of(
                base().list().layer(new ConvolutionLayer.Builder(3, 3).nOut(2).dilation(2, 2).name("wide").build())
                        .layer(new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build())
                        .setInputType(InputType.convolutionalFlat(9, 9, 1)).build(), null));
        assertTrue(dilated.getMessage().contains("'wide' (ConvolutionLayer) with dilation [2, 2]"),
                dilated.getMessage());
        IllegalArgumentException noShape = assertThrows(IllegalArgumentException.class, () -> Dl4jImport.of(
                base().list().layer(new ConvolutionLayer.Builder(3, 3).nOut(2).name("first").build())
                        .layer(new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build())
                        .setInputType(InputType.convolutional(9, 9, 1)).build(), null));
        assertTrue(noShape.getMessage().contains("'first' (ConvolutionLayer)")
                && noShape.getMessage().contains("convolutionalFlat"), noShape.getMessage());
    }

    static Map<String, SDVariable> constants(SameDiff sd, Network net, ParamSet p) {
        Map<String, SDVariable> v = new LinkedHashMap<>();
        for (String k : net.paramNames()) {
            v.put(k, sd.constant(p.get(k)));
        }
        return v;
    }
}
