package org.dl4jmeta.app.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.dl4jmeta.app.CliRun;
import org.dl4jmeta.dl4j.Dl4jImport;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.ParamSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --network FILE}: the committed DL4J example configuration is meta-trained as the network it
 * describes; a DL4J model zip's trained parameters are where meta-training starts; a missing file or a network with
 * the wrong number of outputs is refused by name.
 */
class NetworkFileTest {

    static final Path EXAMPLE = Path.of("..", "examples", "conv4-dl4j.json");

    /** A 5-way Conv-2 for the synthetic tasks' 1x12x12 input, as a DL4J configuration. */
    static MultiLayerConfiguration conv2() {
        var b = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().seed(3).list();
        for (int i = 1; i <= 2; i++) {
            b.layer(new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(4)
                    .convolutionMode(org.deeplearning4j.nn.conf.ConvolutionMode.Same)
                    .activation(org.nd4j.linalg.activations.Activation.RELU).name("conv" + i).build());
        }
        b.layer(new org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer.Builder(
                org.deeplearning4j.nn.conf.layers.PoolingType.AVG).name("pool").build());
        b.layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder(
                org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MCXENT).nOut(5)
                .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).name("head").build());
        return b.setInputType(org.deeplearning4j.nn.conf.inputs.InputType.convolutionalFlat(12, 12, 1)).build();
    }

    @Test
    void aDl4jConfigurationIsMetaTrainedAsTheNetworkItDescribes(@TempDir Path dir) throws IOException {
        Path conf = dir.resolve("conv2-dl4j.json");
        Files.writeString(conf, conv2().toJson());
        Path run = dir.resolve("run");
        CliRun r = Jobs.run(Jobs.args(Jobs.tiny(run, "--network", conf.toString(), "--ways", "5",
                "--iterations", "2")));
        assertEquals(0, r.code(), r.all());
        SavedModel m = ModelFile.read(run.resolve("model.zip"));
        assertEquals(Dl4jImport.load(conf).network().paramNames(), m.buildNetwork().paramNames());
        assertEquals(java.util.List.of("conv1/W", "conv1/b", "conv2/W", "conv2/b", "head/W", "head/b"),
                m.buildNetwork().paramNames());
        assertTrue(m.provenance().dataChecksums().get("network/conv2-dl4j.json").matches("[0-9a-f]{64}"),
                m.provenance().dataChecksums().toString());
    }

    @Test
    void aDl4jModelZipsParametersStartMetaTraining(@TempDir Path dir) throws IOException {
        MultiLayerNetwork net = new MultiLayerNetwork(conv2());
        net.init();
        Path zip = dir.resolve("pretrained.zip");
        ModelSerializer.writeModel(net, zip.toFile(), false);
        ParamSet given = Dl4jImport.load(zip).parameters();
        Path run = dir.resolve("run");
        // one outer SGD step of 1e-9: the model is the zip's parameters, moved by at most about 1e-9 per value
        CliRun r = Jobs.run(Jobs.args(Jobs.tiny(run, "--network", zip.toString(), "--ways", "5", "--iterations",
                "1", "--optimizer", "sgd", "--meta-lr", "1e-9")));
        assertEquals(0, r.code(), r.all());
        ParamSet trained = ModelFile.read(run.resolve("model.zip")).parameters();
        for (String name : given.names()) {
            double err = relDiff(trained.get(name), given.get(name).castTo(trained.dataType()));
            assertTrue(err < 1e-4, name + " relative difference " + err);
        }
        // and a fresh seeded initialisation is far from them
        Path conf = dir.resolve("conv2-dl4j.json");
        Files.writeString(conf, conv2().toJson());
        CliRun fresh = Jobs.run(Jobs.args(Jobs.tiny(dir.resolve("fresh"), "--network", conf.toString(), "--ways",
                "5", "--iterations", "1", "--optimizer", "sgd", "--meta-lr", "1e-9")));
        assertEquals(0, fresh.code(), fresh.all());
        ParamSet init = ModelFile.read(dir.resolve("fresh").resolve("model.zip")).parameters();
        assertTrue(relDiff(init.get("conv1/W"), given.get("conv1/W").castTo(init.dataType())) > 1e-2);
    }

    @Test
    void gradcheckTakesADl4jConfigurationAtItsOwnInput(@TempDir Path dir) throws IOException {
        Path conf = dir.resolve("conv2-dl4j.json");
        Files.writeString(conf, conv2().toJson());
        CliRun r = Jobs.run("gradcheck", "--network", conf.toString(), "--algo", "maml", "--inner-steps", "2",
                "--directions", "2", "--ways", "5", "--inner-step-size", "0.3");
        assertEquals(0, r.code(), r.all());
        // conv 3x3 1->4 and 4->4 with biases, head 4->5: 40 + 148 + 25
        assertTrue(r.out().contains("params=213"), r.out());
        double err = Double.parseDouble(r.lastLine().substring("relative_error=".length()));
        assertTrue(err < 1e-6, r.out());
    }

    @Test
    void aMissingFileOrWrongOutputsAreRefusedByName(@TempDir Path dir) throws IOException {
        Path conf = dir.resolve("conv2-dl4j.json");
        Files.writeString(conf, conv2().toJson());
        CliRun missing = Jobs.run(Jobs.args(Jobs.tiny(dir.resolve("a"), "--network", "nope.json")));
        assertEquals(2, missing.code(), missing.all());
        assertTrue(missing.err().contains("'nope.json'") && missing.err().contains("conv4, resnet12"), missing.err());
        CliRun ways = Jobs.run(Jobs.args(Jobs.tiny(dir.resolve("b"), "--network", conf.toString(), "--ways", "3")));
        assertEquals(2, ways.code(), ways.all());
        assertTrue(ways.err().contains("has 5 outputs but the episodes are 3-way"), ways.err());
        CliRun shape = Jobs.run(Jobs.args(Jobs.tiny(dir.resolve("c"), "--network", EXAMPLE.toString(), "--ways",
                "5")));
        assertEquals(2, shape.code(), shape.all());
        assertTrue(shape.err().contains("[1, 12, 12], differs from the configuration's [1, 28, 28]"), shape.err());
        assertEquals(2, ways.code(), ways.all());
        assertTrue(ways.err().contains("has 5 outputs but the episodes are 3-way"), ways.err());
    }

    /** @return max |a - b| / max(max |b|, 1e-2) (DL4J's biases start at 0) */
    private static double relDiff(org.nd4j.linalg.api.ndarray.INDArray a, org.nd4j.linalg.api.ndarray.INDArray b) {
        return a.sub(b).amaxNumber().doubleValue() / Math.max(b.amaxNumber().doubleValue(), 1e-2);
    }
}
