package org.dl4jmeta.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.dl4jmeta.testutil.Rel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;

/**
 * Channels-last passes ({@link ChannelsLast}) give, in double, the values and gradients of SameDiff's own autodiff
 * of the channels-first forward pass (relative error below 1e-10), and {@link Network} runs executed-only graphs
 * channels-last where its rule says and only there, with every node's output and the gradient unchanged.
 */
class ChannelsLastTest {

    static Stream<Arguments> layers() {
        return Stream.of(
                Arguments.of(new Conv2d("c", 4, 3, 1, true), new long[] {3, 1, 7, 6}),
                Arguments.of(new Conv2d("c", 5, 3, 2, true), new long[] {2, 3, 8, 8}),
                Arguments.of(new Conv2d("c", 3, 3, 2, false), new long[] {2, 2, 7, 5}),
                Arguments.of(new Conv2d("c", 2, 5, 1, true), new long[] {2, 1, 6, 6}),
                Arguments.of(new Conv2d("c", 3, 3, 2, true), new long[] {2, 1, 9, 9}),
                Arguments.of(new BatchNorm("bn", 1e-5), new long[] {4, 3, 5, 5}),
                Arguments.of(new BatchNorm("bn", 1e-3), new long[] {2, 1, 3, 4}),
                Arguments.of(new Relu("r"), new long[] {3, 2, 4, 4}),
                Arguments.of(new Activation("a", Activation.Function.ELU, 0.7), new long[] {2, 3, 2, 2}),
                Arguments.of(Activation.of("a", Activation.Function.TANH), new long[] {2, 3, 2, 2}),
                Arguments.of(new GlobalAvgPool("g"), new long[] {3, 4, 2, 3}));
    }

    /** Forward and backward with the input gradient, against autodiff of {@link Layer#forward}. */
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("layers")
    void channelsLastPassEqualsAutodiff(ChannelsLast layer, long[] inShape) {
        check(layer, inShape, true);
    }

    /**
     * Without the input gradient (a first layer): the parameter gradients alone, which a single-channel convolution
     * computes by its own matrix product instead of {@code conv2d_bp}.
     */
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("layers")
    void channelsLastParameterGradientsEqualAutodiff(ChannelsLast layer, long[] inShape) {
        check(layer, inShape, false);
    }

    private static void check(ChannelsLast layer, long[] inShape, boolean needInput) {
        assertTrue(layer.runsChannelsLast(inShape), layer + " runs channels-last on " + java.util.Arrays.toString(inShape));
        LayerBackwardTest.Reference reference = LayerBackwardTest.reference(layer, inShape, 11);
        INDArray xv = reference.x();
        INDArray rv = reference.r();
        long[] outShape = reference.outShape();
        Map<String, INDArray> auto = reference.gradients();
        INDArray refOut = reference.output();

        boolean spatialOut = outShape.length == 4;
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> params = new LinkedHashMap<>();
        reference.params().forEach((k, v) -> params.put(k, sd.constant("p_" + k, v)));
        Layer.Pass pass = layer.channelsLastForward(sd, sd.constant("x", xv.permute(0, 2, 3, 1).dup()), inShape,
                params);
        assertEquals(java.util.Arrays.toString(outShape), java.util.Arrays.toString(pass.outputShape()),
                "the pass reports its shape channels-first");
        SDVariable r = sd.constant("R", spatialOut ? rv.permute(0, 2, 3, 1).dup() : rv);
        Map<String, SDVariable> grads = new LinkedHashMap<>();
        SDVariable dx = pass.nativeBackward(r, grads, needInput);
        assertEquals(needInput, dx != null, "input gradient given exactly when asked for");
        List<String> outs = new ArrayList<>();
        outs.add(pass.output().name());
        grads.values().forEach(v -> outs.add(v.name()));
        if (dx != null) {
            outs.add(dx.name());
        }
        Map<String, INDArray> vals = sd.output(Map.of(), outs);
        INDArray y = vals.get(pass.output().name());
        INDArray yFirst = spatialOut ? y.permute(0, 3, 1, 2) : y;
        assertEquals(java.util.Arrays.toString(outShape), java.util.Arrays.toString(yFirst.shape()), "output shape");
        double ye = Rel.maxRelError(yFirst, refOut, 1e-14);
        assertTrue(ye < 1e-10, layer.name() + " output relative error " + ye);
        if (dx != null) {
            double err = Rel.maxRelError(vals.get(dx.name()).permute(0, 3, 1, 2), auto.get("x"), 1e-14);
            assertTrue(err < 1e-10, layer.name() + " dx relative error " + err);
        }
        assertEquals(params.keySet(), grads.keySet(), "a gradient for every parameter");
        for (String k : params.keySet()) {
            INDArray e = vals.get(grads.get(k).name());
            INDArray a = auto.get("p_" + k);
            assertEquals(java.util.Arrays.toString(a.shape()), java.util.Arrays.toString(e.shape()), k + " shape");
            assertTrue(a.amaxNumber().doubleValue() > 0, k + " gradient is trivially zero");
            double pe = Rel.maxRelError(e, a, 1e-14);
            assertTrue(pe < 1e-10, layer.name() + "/" + k + " relative error " + pe);
        }
    }

    /**
     * A graph network whose layouts change inside: a single-channel input into a channels-last chain (convolution,
     * batch norm, ReLU) whose output feeds both a channels-last convolution and a max-pool that is not
     * {@link ChannelsLast}; their sum (a vertex, channels-first) goes into a convolution of a multi-channel
     * channels-first input (which stays channels-first), batch norm, flatten and a dense head.
     */
    static Network mixedLayouts() {
        List<Network.Node> nodes = List.of(
                Network.Node.of(new Conv2d("conv1", 4, 3, 1, true), Network.INPUT),
                Network.Node.of(new BatchNorm("bn1", 1e-5), "conv1"),
                Network.Node.of(new Relu("relu1"), "bn1"),
                Network.Node.of(new Conv2d("conv2", 4, 3, 2, true), "relu1"),
                Network.Node.of(new MaxPool2x2("pool"), "relu1"),
                Network.Node.of(new Add("add"), "conv2", "pool"),
                Network.Node.of(new Conv2d("conv3", 3, 3, 1, false), "add"),
                Network.Node.of(new BatchNorm("bn3", 1e-5), "conv3"),
                Network.Node.of(new Flatten("flat"), "bn3"),
                Network.Node.of(new Dense("head", 3, true), "flat"));
        return Network.graph(new long[] {1, 8, 8}, nodes, Loss.softmaxCrossEntropy());
    }

    /**
     * The executed-only loss-and-gradient graph (fused backward ops, channels-last where the rule says) of the
     * mixed network gives autodiff's loss and gradient: every transposition's gradient goes the other way, and a
     * channels-last node read by a channels-last and a channels-first consumer sums both gradients in its layout.
     */
    @Test
    void mixedLayoutGradientEqualsAutodiff() {
        Network net = mixedLayouts();
        int batch = 6;
        org.dl4jmeta.graph.LossGradGraph g = new org.dl4jmeta.graph.LossGradGraph(net, batch, DataType.DOUBLE, true);
        SameDiff sd = SameDiff.create();
        long[] in = net.inputShape();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, batch, in[0], in[1], in[2]);
        SDVariable y = sd.placeHolder("y", DataType.DOUBLE, batch, net.outputs());
        Map<String, SDVariable> params = new LinkedHashMap<>();
        for (String k : net.paramNames()) {
            params.put(k, sd.var(k, org.nd4j.linalg.factory.Nd4j.zeros(DataType.DOUBLE, net.paramSpecs().get(k))));
        }
        sd.setLossVariables(net.loss(sd, x, y, batch, params).loss());
        for (int run = 0; run < 2; run++) {
            ParamSet theta = net.initialise(20 + run, DataType.DOUBLE);
            org.dl4jmeta.task.Episode e = org.dl4jmeta.task.SyntheticTasks.noiseEpisode(in, 3, 2, 1, DataType.DOUBLE,
                    40 + run);
            org.dl4jmeta.graph.LossGradGraph.Result got = g.run(theta, e.supportX(), e.supportY(), true);
            for (String k : net.paramNames()) {
                sd.getVariable(k).setArray(theta.get(k).dup());
            }
            Map<String, INDArray> ph = Map.of("x", e.supportX(), "y", e.supportY());
            Map<String, INDArray> want = sd.calculateGradients(ph, net.paramNames());
            for (String k : net.paramNames()) {
                INDArray gk = got.gradient().get(k);
                assertTrue(gk.amaxNumber().doubleValue() > 0, k + " gradient is trivially zero");
                double err = Rel.maxRelError(gk, want.get(k), 1e-14);
                assertTrue(err < 1e-10, k + " gradient relative error " + err + " in run " + run);
            }
        }
    }

    /** Every node's output of an executed-only forward pass equals the differentiable one's, channels-first. */
    @Test
    void executedOnlyOutputsAreChannelsFirstAndEqual() {
        for (Network net : List.of(mixedLayouts(),
                Conv4.build(new long[] {1, 9, 9}, 3, Conv4.Downsampling.STRIDE, 3, 3))) {
            long n = 5;
            ParamSet theta = net.initialise(3, DataType.DOUBLE);
            long[] in = net.inputShape();
            INDArray xv = LayerBackwardTest.random(new SplittableRandom(5), new long[] {n, in[0], in[1], in[2]});
            Map<String, INDArray> want = outputs(net, theta, xv, true);
            Map<String, INDArray> got = outputs(net, theta, xv, false);
            assertEquals(want.keySet(), got.keySet());
            for (String k : want.keySet()) {
                assertEquals(java.util.Arrays.toString(want.get(k).shape()), java.util.Arrays.toString(got.get(k).shape()),
                        k + " shape");
                double err = Rel.maxRelError(got.get(k), want.get(k), 1e-14);
                assertTrue(err < 1e-10, k + " output relative error " + err);
            }
        }
    }

    private static Map<String, INDArray> outputs(Network net, ParamSet theta, INDArray xv, boolean differentiable) {
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> p = new LinkedHashMap<>();
        for (String k : net.paramNames()) {
            p.put(k, sd.constant("p_" + k.replace('/', '_'), theta.get(k).dup()));
        }
        Network.Forward f = net.forward(sd, sd.constant("x", xv), xv.size(0), p, differentiable);
        List<String> names = new ArrayList<>();
        f.outputs().values().forEach(v -> names.add(v.name()));
        Map<String, INDArray> vals = sd.output(Map.of(), names);
        Map<String, INDArray> out = new LinkedHashMap<>();
        f.outputs().forEach((k, v) -> out.put(k, vals.get(v.name())));
        return out;
    }

    /**
     * Which convolutions run channels-last: those on a single-channel input or on a channels-last value, in
     * executed-only graphs of known batch size only; never in graphs SameDiff differentiates or of any batch size.
     */
    @Test
    void channelsLastWhereTheRuleSaysOnly() {
        Network mixed = mixedLayouts();
        assertEquals(Map.of("conv1", "NHWC", "conv2", "NHWC", "conv3", "NCHW"), convLayouts(mixed, 4, false));
        assertFalse(convLayouts(mixed, 4, true).containsValue("NHWC"), "differentiable graphs keep NCHW");
        assertFalse(convLayouts(mixed, -1, false).containsValue("NHWC"), "graphs of any batch size keep NCHW");
        Network conv4 = Conv4.build(new long[] {1, 9, 9}, 3, Conv4.Downsampling.STRIDE, 3, 3);
        assertEquals(Map.of("conv1", "NHWC", "conv2", "NHWC", "conv3", "NHWC"), convLayouts(conv4, 4, false));
        Network rgb = Conv4.build(new long[] {3, 10, 10}, 3, Conv4.Downsampling.MAX_POOL, 2, 3);
        assertFalse(convLayouts(rgb, 4, false).containsValue("NHWC"), "a 3-channel input stays channels-first");
    }

    /** @return each forward convolution's data format in the executed-only loss-and-gradient graph, by layer */
    private static Map<String, String> convLayouts(Network net, long batch, boolean differentiable) {
        SameDiff sd = SameDiff.create();
        long[] in = net.inputShape();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, batch, in[0], in[1], in[2]);
        SDVariable y = sd.placeHolder("y", DataType.DOUBLE, batch, net.outputs());
        Map<String, SDVariable> p = new LinkedHashMap<>();
        net.paramSpecs().forEach((k, s) -> p.put(k, sd.placeHolder("p_" + k.replace('/', '_'), DataType.DOUBLE, s)));
        net.lossAndGradient(sd, x, y, batch, p, differentiable);
        Map<String, String> formats = new LinkedHashMap<>();
        for (SameDiffOp op : sd.getOps().values()) {
            if (op.getOp() instanceof Conv2D conv) {
                String weights = op.getInputsToOp().get(1);
                String layer = weights.substring(2, weights.indexOf('_', 2));
                formats.put(layer, conv.getConfig().getDataFormat());
            }
        }
        return formats;
    }
}
