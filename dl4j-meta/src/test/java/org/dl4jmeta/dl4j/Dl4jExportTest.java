package org.dl4jmeta.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.model.Activation;
import org.dl4jmeta.model.Add;
import org.dl4jmeta.model.BatchNorm;
import org.dl4jmeta.model.Concat;
import org.dl4jmeta.model.Conv2d;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Dense;
import org.dl4jmeta.model.GlobalAvgPool;
import org.dl4jmeta.model.Layer;
import org.dl4jmeta.model.Loss;
import org.dl4jmeta.model.MaxPool2x2;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.optim.OuterOptimizer;
import org.dl4jmeta.optim.TrainingState;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.EpisodeSource;
import org.dl4jmeta.task.SyntheticTasks;
import org.dl4jmeta.testutil.Rel;
import org.dl4jmeta.train.MetaTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The export hands back plain DL4J models: library stacks (the Conv-4 variants) become {@code MultiLayerNetwork}s
 * and graphs (residual addition, concatenation) {@code ComputationGraph}s whose {@code output()} equals the
 * library's prediction with the given batch-norm statistics; the {@code ModelSerializer} zip restores to the same
 * predictions, carries its metadata and imports back to the same parameters. The round trip: a DL4J
 * configuration, meta-trained, adapted, exported with its support set's statistics, restored by DL4J, predicts as
 * the library does (float, 1e-5) and DL4J's own {@code fit()} lowers its loss. Layers without a DL4J equivalent
 * are refused by name.
 */
class Dl4jExportTest {

    @TempDir
    Path dir;

    /** input -> c1 -> bn1 -> a1 -> c2 ; input -> sc ; add(c2, sc) -> a2 ; concat(a2, a1) -> pool -> gap -> head. */
    static Network residual() {
        List<Network.Node> n = new ArrayList<>();
        n.add(Network.Node.of(new Conv2d("c1", 3, 3, 1, true), Network.INPUT));
        n.add(Network.Node.of(new BatchNorm("bn1", 1e-5), "c1"));
        n.add(Network.Node.of(new Activation("a1", Activation.Function.LEAKYRELU, 0.1), "bn1"));
        n.add(Network.Node.of(new Conv2d("c2", 3, 3, 1, false), "a1"));
        n.add(Network.Node.of(new Conv2d("sc", 3, 1, 1, false), Network.INPUT));
        n.add(Network.Node.of(new Add("add"), "c2", "sc"));
        n.add(Network.Node.of(new Activation("a2", Activation.Function.ELU, 1.0), "add"));
        n.add(Network.Node.of(new Concat("cat"), "a2", "a1"));
        n.add(Network.Node.of(new MaxPool2x2("pool"), "cat"));
        n.add(Network.Node.of(new GlobalAvgPool("gap"), "pool"));
        n.add(Network.Node.of(new Dense("head", 3, true), "gap"));
        return Network.graph(new long[] {2, 6, 6}, n, Loss.softmaxCrossEntropy());
    }

    static List<Network> libraryNetworks() {
        return List.of(Conv4.build(new long[] {1, 9, 9}, 3, Conv4.Downsampling.STRIDE, 3, 3),
                Conv4.build(new long[] {3, 10, 10}, 3, Conv4.Downsampling.MAX_POOL, 2, 4), residual());
    }

    /** The library's prediction (softmax of the logits) with given batch-norm statistics. */
    static INDArray predict(Network net, ParamSet p, Map<String, RunningStatistics> stats, INDArray x) {
        SameDiff sd = SameDiff.create();
        Network.Forward f = net.forward(sd, sd.constant(x), x.size(0), Dl4jImportTest.constants(sd, net, p),
                RunningStatistics.constants(sd, stats));
        return sd.nn.softmax(f.output(), 1).eval();
    }

    static INDArray output(Model m, INDArray x) {
        return m instanceof MultiLayerNetwork n ? n.output(x, false) : ((ComputationGraph) m).outputSingle(false, x);
    }

    @Test
    void libraryNetworksPredictInDl4jAsInTheLibrary() throws Exception {
        for (Network net : libraryNetworks()) {
            ParamSet p = net.initialise(4, DataType.DOUBLE);
            SplittableRandom rng = new SplittableRandom(3);
            double[] noise = new double[(int) p.length()];
            for (int i = 0; i < noise.length; i++) {
                noise[i] = 0.2 * rng.nextDouble() - 0.1; // gamma, beta and biases away from 1 and 0
            }
            p.flat().addi(org.nd4j.linalg.factory.Nd4j.createFromArray(noise));
            Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), (int) net.outputs(), 2, 2, DataType.DOUBLE,
                    rng.nextLong());
            Map<String, RunningStatistics> stats = Dl4jExport.statistics(net, p, e.supportX());
            Model m = Dl4jExport.toDl4j(net, p, stats, new Adam(1e-3));
            assertEquals(net.isSequential() ? MultiLayerNetwork.class : ComputationGraph.class, m.getClass());
            INDArray ours = predict(net, p, stats, e.queryX());
            double err = Rel.maxRelError(output(m, e.queryX()), ours, 1e-12);
            assertTrue(err < 1e-6, net.nodes().get(0).name() + ": relative error " + err);

            Path zip = dir.resolve("model" + net.paramNames().size() + ".zip");
            Dl4jExport.write(zip, net, p, stats, new Adam(1e-3), Map.of("batchNormStatistics", "support set"));
            Model restored = net.isSequential() ? ModelSerializer.restoreMultiLayerNetwork(zip.toFile())
                    : ModelSerializer.restoreComputationGraph(zip.toFile());
            assertTrue(Rel.maxRelError(output(restored, e.queryX()), ours, 1e-12) < 1e-6);
            assertEquals("support set", Dl4jExport.readMetadata(zip).get("batchNormStatistics"));
            ImportedNetwork back = Dl4jImport.load(zip, net.inputShape());
            assertEquals(net.isSequential(), back.network().isSequential());
            assertEquals(net.paramNames().size(), back.network().paramNames().size());
            INDArray again = predict(back.network(), back.parameters(), back.statistics(), e.queryX());
            assertTrue(Rel.maxRelError(again, ours, 1e-12) < 1e-9, "re-imported prediction");
        }
    }

    @Test
    void dl4jConfigurationMetaTrainedExportedRestoredAndFineTunedByDl4j() throws Exception {
        // a DL4J user's configuration (float), as JSON
        String json = new NeuralNetConfiguration.Builder().seed(1).weightInit(WeightInit.XAVIER).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(6).stride(2, 2).convolutionMode(ConvolutionMode.Same)
                        .activation(org.nd4j.linalg.activations.Activation.IDENTITY).name("conv1").build())
                .layer(new BatchNormalization.Builder().name("bn1").build())
                .layer(new org.deeplearning4j.nn.conf.layers.ActivationLayer.Builder()
                        .activation(org.nd4j.linalg.activations.Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(8, 8, 1)).build().toJson();
        long[] shape = {1, 8, 8};
        Network net = Dl4jImport.fromJson(json, shape).network();
        Maml maml = new Maml(net, MamlConfig.secondOrder(1, 0.4));
        ParamSet theta0 = maml.initialise(3, DataType.FLOAT);
        TrainingState st = new TrainingState(theta0.copy(), new OuterOptimizer(new Adam(1e-2), theta0.length(),
                DataType.FLOAT), 0);
        EpisodeSource train = SyntheticTasks.templateTasks(shape, 1, 6, 64, 3, 1, 5, 2.0, DataType.FLOAT, 5);
        new MetaTrainer(maml, 4).fit(st, train, 5);
        assertTrue(st.theta().axpy(-1, theta0).norm2() > 0, "meta-training changed theta");

        Episode task = SyntheticTasks.templateTasks(shape, 1, 6, 64, 3, 2, 5, 2.0, DataType.FLOAT, 99).episode(0);
        ParamSet phi = maml.adapt(st.theta(), task);
        Map<String, RunningStatistics> support = Dl4jExport.statistics(net, phi, task.supportX());
        Path zip = dir.resolve("adapted.zip");
        Dl4jExport.write(zip, net, phi, support, new Adam(1e-2), Map.of("batchNormStatistics",
                "support set of the adapted task (6 images)"));

        MultiLayerNetwork dl4j = ModelSerializer.restoreMultiLayerNetwork(zip.toFile());
        INDArray ours = predict(net, phi, support, task.queryX());
        double err = Rel.maxRelError(dl4j.output(task.queryX(), false), ours, 1e-7);
        assertTrue(err < 1e-5, "DL4J output() vs the library's support-statistics prediction: " + err);

        DataSet data = new DataSet(task.supportX(), task.supportY());
        double before = dl4j.score(data);
        for (int i = 0; i < 30; i++) {
            dl4j.fit(data);
        }
        double after = dl4j.score(data);
        assertTrue(after < before - 1e-3, "DL4J fit() lowered the loss from " + before + " to " + after);
    }

    /** A user's own layer (no DL4J equivalent). */
    static final class Square implements Layer {
        @Override
        public String name() {
            return "square";
        }

        @Override
        public Map<String, long[]> paramShapes(long[] in) {
            return Map.of();
        }

        @Override
        public long[] outputShape(long[] in) {
            return in.clone();
        }

        @Override
        public void initialise(Map<String, INDArray> params, long[] in, SplittableRandom rng) {
        }

        @Override
        public Pass forward(SameDiff sd, SDVariable x, long[] in, Map<String, SDVariable> p) {
            SDVariable y = x.mul(x);
            return new Pass() {
                @Override
                public SDVariable output() {
                    return y;
                }

                @Override
                public long[] outputShape() {
                    return in.clone();
                }

                @Override
                public SDVariable backward(SDVariable dy, Map<String, SDVariable> g, boolean need) {
                    return need ? dy.mul(x).mul(2.0) : null;
                }
            };
        }
    }

    @Test
    void layersAndLossesWithoutDl4jEquivalentAreRefusedByName() {
        Network custom = new Network(new long[] {4}, List.of(new Dense("d", 3, true), new Square(),
                new Dense("head", 2, true)), Loss.softmaxCrossEntropy());
        ParamSet p = custom.initialise(1, DataType.FLOAT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Dl4jExport.toDl4j(custom, p, Map.of(), new Adam(1e-3)));
        assertTrue(e.getMessage().contains("'square'") && e.getMessage().contains("Square")
                && e.getMessage().contains("Convolution2d"), e.getMessage());
        Network squared = new Network(new long[] {4}, List.of(new Dense("head", 2, true)), Loss.squaredError());
        IllegalArgumentException l = assertThrows(IllegalArgumentException.class, () -> Dl4jExport.toDl4j(squared,
                squared.initialise(1, DataType.FLOAT), Map.of(), new Adam(1e-3)));
        assertTrue(l.getMessage().contains("'squared-error'"), l.getMessage());
        Network bn = Conv4.build(new long[] {1, 9, 9}, 3, Conv4.Downsampling.STRIDE, 1, 3);
        IllegalArgumentException stats = assertThrows(IllegalArgumentException.class, () -> Dl4jExport.toDl4j(bn,
                bn.initialise(1, DataType.FLOAT), Map.of(), new Adam(1e-3)));
        assertTrue(stats.getMessage().contains("'bn1'"), stats.getMessage());
    }
}
