package org.dl4jmeta.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.check.MetaGradientCheck;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.NetworkSpec;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.optim.OuterOptimizer;
import org.dl4jmeta.optim.TrainingState;
import org.dl4jmeta.provenance.Provenance;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.SyntheticTasks;
import org.dl4jmeta.testutil.Rel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/**
 * ResNet-12 (MetaOptNet, Lee et al. 2019): its parameter count at full widths equals the documented formula, its
 * blocks are wired as MetaOptNet's (third activation after the addition, 1x1 + BN shortcut), second-order MAML
 * through 2 inner steps on narrow widths matches central finite differences in double, and it survives model files
 * and checkpoints.
 */
class ResNet12Test {

    /** Narrow widths on a 2x16x16 input: 16 -> 8 -> 4 -> 2 -> 1. */
    static Network narrow() {
        return ResNet12.build(new long[] {2, 16, 16}, List.of(2, 3, 4, 5), 3);
    }

    @Test
    void parameterCountAtFullWidthsEqualsTheFormula() {
        Network net = ResNet12.miniImageNet(5);
        long counted = net.paramSpecs().values().stream().mapToLong(s -> {
            long n = 1;
            for (long d : s) {
                n *= d;
            }
            return n;
        }).sum();
        // per block: three 3x3 convolutions 9 c w + 9 w^2 + 9 w^2, the 1x1 shortcut c w, four batch norms 2 w each
        long b1 = 9 * 3 * 64 + 9 * 64 * 64 * 2 + 3 * 64 + 8 * 64;
        long b2 = 9 * 64 * 160 + 9 * 160 * 160 * 2 + 64 * 160 + 8 * 160;
        long b3 = 9 * 160 * 320 + 9 * 320 * 320 * 2 + 160 * 320 + 8 * 320;
        long b4 = 9 * 320 * 640 + 9L * 640 * 640 * 2 + 320 * 640 + 8 * 640;
        long head = 640 * 5 + 5;
        assertEquals(b1 + b2 + b3 + b4 + head, counted);
        // the figure the Javadoc and README quote
        assertEquals(12_427_525L, counted);
        assertEquals(ResNet12.WIDTHS, List.of(64, 160, 320, 640));
        assertArrayEquals(new long[] {640, 5, 5}, net.outputShape("b4_pool"));
        assertArrayEquals(new long[] {640}, net.outputShape("avgpool"));
    }

    @Test
    void blocksAreWiredAsMetaOptNets() {
        Network net = narrow();
        Map<String, Network.Node> byName = new java.util.LinkedHashMap<>();
        net.nodes().forEach(n -> byName.put(n.name(), n));
        // bn3 goes into the addition without an activation; the activation follows the addition, then the pool
        assertEquals(List.of("b2_bn3", "b2_shortcut_bn"), byName.get("b2_add").inputs());
        assertEquals(List.of("b2_add"), byName.get("b2_out").inputs());
        assertEquals(List.of("b2_out"), byName.get("b2_pool").inputs());
        assertEquals(List.of("b1_pool"), byName.get("b2_shortcut").inputs());
        assertEquals(List.of("b1_pool"), byName.get("b2_conv1").inputs());
        Activation out = (Activation) byName.get("b2_out").layer();
        assertEquals(Activation.Function.LEAKYRELU, out.function());
        assertEquals(0.1, out.alpha(), 0.0);
        Conv2d c = (Conv2d) byName.get("b3_conv2").layer();
        assertTrue(!c.hasBias() && c.kernel() == 3 && c.stride() == 1 && c.outChannels() == 4);
        Conv2d s = (Conv2d) byName.get("b3_shortcut").layer();
        assertTrue(!s.hasBias() && s.kernel() == 1 && s.outChannels() == 4);
        assertEquals(16, net.layers().stream().filter(l -> l instanceof BatchNorm).count());
        // any input of at least 16 x 16: Omniglot's 1x28x28 too
        assertArrayEquals(new long[] {5, 1, 1}, ResNet12.build(new long[] {1, 28, 28}, List.of(2, 3, 4, 5), 5)
                .outputShape("b4_pool"));
    }

    @Test
    void secondOrderMamlThroughTwoStepsMatchesFiniteDifferences() {
        Network net = narrow();
        Maml maml = new Maml(net, MamlConfig.secondOrder(2, 0.3));
        ParamSet theta = maml.initialise(7, DataType.DOUBLE);
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 2, DataType.DOUBLE, 11);
        MetaGradientCheck.Result r = MetaGradientCheck.check(maml, MetaGradientCheck.Objective.META_OBJECTIVE, theta,
                e, 6, 1e-6, 1e-10, 3);
        assertTrue(r.maxRelativeError() < 1e-6, "max relative error " + r.maxRelativeError() + " " + r.directions());
        double largest = r.directions().stream().mapToDouble(d -> Math.abs(d.analytic())).max().orElse(0);
        assertTrue(largest > 1e-4, "directional derivatives too small to test anything: " + r.directions());
    }

    @Test
    void survivesModelFilesAndCheckpoints(@TempDir Path dir) throws Exception {
        Network net = narrow();
        Maml maml = new Maml(net, MamlConfig.firstOrder(1, 0.4));
        ParamSet theta = maml.initialise(3, DataType.DOUBLE);
        Provenance prov = Provenance.capture(DataType.DOUBLE, 3, Map.of("network", "resnet12"), Map.of());
        Path f = dir.resolve("model.zip");
        ModelFile.write(f, SavedModel.meta(maml, theta, Map.of(), prov));
        SavedModel back = ModelFile.read(f);
        Network rebuilt = back.buildNetwork();
        assertEquals(NetworkSpec.of(net).layers(), NetworkSpec.of(rebuilt).layers());
        assertEquals(net.paramNames(), rebuilt.paramNames());
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 1, 2, DataType.DOUBLE, 4);
        assertEquals(0, Rel.maxRelError(GraphNetworkTest.output(rebuilt, back.parameters(), e.queryX()),
                GraphNetworkTest.output(net, theta, e.queryX()), 1e-14), 0.0);
        MetaLearner again = back.createLearner();
        assertArrayEquals(maml.adapt(theta, e).flat().toDoubleVector(),
                again.adapt(back.parameters(), e).flat().toDoubleVector(), 0.0);

        OuterOptimizer adam = new OuterOptimizer(new Adam(1e-3), theta.length(), DataType.DOUBLE);
        adam.step(theta, maml.metaGradient(theta, e).gradient(), 0);
        Path c = dir.resolve("checkpoint.zip");
        ModelFile.write(c, SavedModel.checkpoint(maml, new TrainingState(theta, adam, 1), 4, 3, Map.of(), prov,
                Map.of()));
        TrainingState restored = ModelFile.read(c).restoreTrainingState();
        assertArrayEquals(theta.flat().toDoubleVector(), restored.theta().flat().toDoubleVector(), 0.0);
        assertArrayEquals(adam.state().toDoubleVector(), restored.optimizer().state().toDoubleVector(), 0.0);
    }

    @Test
    void badSettingsAreRefusedByValue() {
        IllegalArgumentException widths = assertThrows(IllegalArgumentException.class,
                () -> ResNet12.build(new long[] {3, 84, 84}, List.of(64, 160, 320), 5));
        assertTrue(widths.getMessage().contains("[64, 160, 320]"), widths.getMessage());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> ResNet12.build(new long[] {3, 84, 84}, List.of(64, 0, 320, 640), 5));
        assertTrue(zero.getMessage().contains("[64, 0, 320, 640]"), zero.getMessage());
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> ResNet12.build(new long[] {1, 12, 12}, ResNet12.WIDTHS, 5));
        assertTrue(small.getMessage().contains("[1, 12, 12]"), small.getMessage());
        IllegalArgumentException ways = assertThrows(IllegalArgumentException.class, () -> ResNet12.miniImageNet(1));
        assertTrue(ways.getMessage().contains("got 1"), ways.getMessage());
    }
}
