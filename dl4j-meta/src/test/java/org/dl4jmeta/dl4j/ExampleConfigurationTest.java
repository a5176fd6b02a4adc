package org.dl4jmeta.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.weights.WeightInit;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The committed example {@code examples/conv4-dl4j.json} is the JSON of {@link #conv4Omniglot()}, the Omniglot
 * Conv-4 of Finn et al. written as a DL4J user would (four 3x3 stride-2 'same' convolutions of 64 filters, batch
 * norm, ReLU; global average pooling; a 5-way softmax output; {@code InputType.convolutionalFlat(28, 28, 1)}, so the
 * file itself tells the input shape), and imports to exactly the library's {@link Conv4#omniglot} (the same layers,
 * settings, parameter names and shapes, and loss). Regenerate the file after changing the configuration with
 * {@code ./mvnw -B -o test -pl dl4j-meta -Dtest=ExampleConfigurationTest -Ddl4jmeta.regenerateExamples=true}.
 */
class ExampleConfigurationTest {

    static final Path EXAMPLE = Path.of("..", "examples", "conv4-dl4j.json");

    /** @return the Omniglot Conv-4 as a DL4J MultiLayerConfiguration */
    static MultiLayerConfiguration conv4Omniglot() {
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-3))
                .weightInit(WeightInit.XAVIER).list();
        for (int i = 1; i <= 4; i++) {
            b.layer(new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(64).convolutionMode(ConvolutionMode.Same)
                    .activation(Activation.IDENTITY).name("conv" + i).build());
            b.layer(new BatchNormalization.Builder().eps(1e-5).name("bn" + i).build());
            b.layer(new ActivationLayer.Builder().activation(Activation.RELU).name("relu" + i).build());
        }
        b.layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).name("avgpool").build());
        b.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(5).activation(Activation.SOFTMAX)
                .name("head").build());
        return b.setInputType(InputType.convolutionalFlat(28, 28, 1)).build();
    }

    @Test
    void committedExampleIsTheGeneratedConfigurationAndImportsAsConv4() throws Exception {
        String json = conv4Omniglot().toJson().replace("\r\n", "\n");
        if (Boolean.getBoolean("dl4jmeta.regenerateExamples")) {
            Files.writeString(EXAMPLE, json + "\n", StandardCharsets.UTF_8);
        }
        assertTrue(Files.isRegularFile(EXAMPLE), EXAMPLE.toAbsolutePath() + " is missing: regenerate it (class "
                + "Javadoc)");
        assertEquals(json.strip(), Files.readString(EXAMPLE, StandardCharsets.UTF_8).replace("\r\n", "\n").strip(),
                "examples/conv4-dl4j.json differs from the generated configuration: regenerate it (class Javadoc)");
        ImportedNetwork imported = Dl4jImport.load(EXAMPLE);
        Network net = imported.network();
        Network conv4 = Conv4.omniglot(5);
        assertTrue(imported.flatInput() && !imported.hasParameters());
        assertEquals(conv4.paramNames(), net.paramNames());
        conv4.paramSpecs().forEach((k, v) -> assertEquals(java.util.Arrays.toString(v),
                java.util.Arrays.toString(net.paramSpecs().get(k)), k));
        assertEquals(conv4.loss().id(), net.loss().id());
        // layer by layer the same classes and settings, so the same speed as the built-in Conv-4
        assertEquals(org.dl4jmeta.io.NetworkSpec.of(conv4).layers(), org.dl4jmeta.io.NetworkSpec.of(net).layers());
        assertEquals(java.util.Arrays.toString(conv4.inputShape()), java.util.Arrays.toString(net.inputShape()));
    }
}
