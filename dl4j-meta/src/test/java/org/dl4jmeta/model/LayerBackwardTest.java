package org.dl4jmeta.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.dl4jmeta.testutil.Rel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Each layer's hand-written backward pass, and its forward and backward passes for executed-only graphs, equal
 * SameDiff's own first-order gradient of sum(y * R), R random, in double precision (relative error below 1e-10).
 */
class LayerBackwardTest {

    static Stream<Arguments> layers() {
        return Stream.of(
                Arguments.of(new Conv2d("c", 4, 3, 1, true), new long[] {3, 2, 7, 6}),
                Arguments.of(new Conv2d("c", 5, 3, 2, true), new long[] {2, 3, 8, 8}),
                Arguments.of(new Conv2d("c", 3, 3, 2, false), new long[] {2, 2, 7, 5}),
                Arguments.of(new Conv2d("c", 2, 5, 1, true), new long[] {2, 1, 6, 6}),
                Arguments.of(new BatchNorm("bn", 1e-5), new long[] {4, 3, 5, 5}),
                Arguments.of(new BatchNorm("bn", 1e-3), new long[] {6, 5}),
                Arguments.of(new Relu("r"), new long[] {3, 2, 4, 4}),
                Arguments.of(new MaxPool2x2("p"), new long[] {2, 3, 6, 6}),
                Arguments.of(new MaxPool2x2("p"), new long[] {2, 2, 5, 7}),
                Arguments.of(new Flatten("f"), new long[] {2, 3, 2, 2}),
                Arguments.of(new GlobalAvgPool("g"), new long[] {3, 4, 2, 3}),
                Arguments.of(new Dense("d", 4, true), new long[] {5, 6}),
                Arguments.of(new Dense("d", 3, false), new long[] {2, 7}),
                Arguments.of(Activation.of("a", Activation.Function.IDENTITY), new long[] {2, 3, 2, 2}),
                Arguments.of(Activation.of("a", Activation.Function.RELU), new long[] {2, 3, 2, 2}),
                Arguments.of(new Activation("a", Activation.Function.LEAKYRELU, 0.1), new long[] {2, 3, 2, 2}),
                Arguments.of(new Activation("a", Activation.Function.ELU, 0.7), new long[] {2, 3, 2, 2}),
                Arguments.of(Activation.of("a", Activation.Function.TANH), new long[] {2, 3, 2, 2}),
                Arguments.of(Activation.of("a", Activation.Function.SIGMOID), new long[] {3, 5}),
                Arguments.of(Activation.of("a", Activation.Function.SOFTMAX), new long[] {3, 5}),
                Arguments.of(new Convolution2d("c", 3, new Window2d(2, 3, 1, 2, 0, 0, Window2d.Mode.SAME), true),
                        new long[] {2, 2, 5, 6}),
                Arguments.of(new Convolution2d("c", 2, new Window2d(3, 2, 2, 1, 1, 0, Window2d.Mode.TRUNCATE),
                        false), new long[] {2, 3, 6, 5}),
                Arguments.of(new Convolution2d("c", 2, new Window2d(3, 3, 2, 2, 1, 1, Window2d.Mode.STRICT), true),
                        new long[] {2, 2, 7, 7}),
                Arguments.of(new Pooling2d("p", Pooling2d.Kind.MAX, new Window2d(3, 3, 2, 2, 1, 1,
                        Window2d.Mode.TRUNCATE), true), new long[] {2, 3, 6, 7}),
                Arguments.of(new Pooling2d("p", Pooling2d.Kind.MAX, Window2d.same(2, 2), true),
                        new long[] {2, 2, 5, 5}),
                Arguments.of(new Pooling2d("p", Pooling2d.Kind.AVG, new Window2d(3, 3, 2, 2, 1, 1,
                        Window2d.Mode.TRUNCATE), false), new long[] {2, 2, 6, 6}),
                Arguments.of(new Pooling2d("p", Pooling2d.Kind.AVG, Window2d.same(3, 1), true),
                        new long[] {2, 2, 4, 5}),
                Arguments.of(new GlobalMaxPool("g"), new long[] {3, 4, 2, 3}));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("layers")
    void explicitBackwardEqualsAutodiff(Layer layer, long[] inShape) {
        checkAgainstAutodiff(layer, inShape, true);
    }

    /** The backward pass of executed-only graphs (libnd4j's fused ops where a layer has them) is the same. */
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("layers")
    void nativeBackwardEqualsAutodiff(Layer layer, long[] inShape) {
        checkAgainstAutodiff(layer, inShape, false);
    }

    /**
     * In float, where the default build runs the fused ops on oneDNN's kernels, the executed-only forward and
     * backward passes equal the hand-written ones to float rounding, on the Omniglot Conv-4's shapes.
     */
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("conv4Layers")
    void nativeBackwardEqualsHandWrittenInFloat(Layer layer, long[] inShape) {
        SplittableRandom rng = new SplittableRandom(7);
        long[] perEx = java.util.Arrays.copyOfRange(inShape, 1, inShape.length);
        Map<String, INDArray> values = new LinkedHashMap<>();
        values.put("x", random(rng, inShape).castTo(DataType.FLOAT));
        for (Map.Entry<String, long[]> e : layer.paramShapes(perEx).entrySet()) {
            values.put("p_" + e.getKey(), random(rng, e.getValue()).castTo(DataType.FLOAT));
        }
        long[] out = layer.outputShape(perEx);
        long[] outShape = new long[out.length + 1];
        outShape[0] = inShape[0];
        System.arraycopy(out, 0, outShape, 1, out.length);
        values.put("R", random(rng, outShape).castTo(DataType.FLOAT));
        Map<String, INDArray> handWritten = backwardInFloat(layer, inShape, values, true);
        Map<String, INDArray> fused = backwardInFloat(layer, inShape, values, false);
        assertEquals(handWritten.keySet(), fused.keySet());
        for (String k : handWritten.keySet()) {
            double err = Rel.maxRelError(fused.get(k), handWritten.get(k), 1e-4);
            assertTrue(err < 1e-4, layer.name() + " " + k + " relative error " + err);
        }
    }

    static Stream<Arguments> conv4Layers() {
        return Stream.of(
                Arguments.of(new Conv2d("c", 64, 3, 2, true), new long[] {6, 64, 14, 14}),
                Arguments.of(new Conv2d("c", 64, 3, 2, true), new long[] {6, 64, 7, 7}),
                Arguments.of(new Conv2d("c", 64, 3, 2, true), new long[] {6, 64, 4, 4}),
                Arguments.of(new Conv2d("c", 8, 3, 1, true), new long[] {3, 4, 9, 9}),
                Arguments.of(new BatchNorm("bn", 1e-5), new long[] {6, 64, 14, 14}),
                Arguments.of(new Relu("r"), new long[] {6, 64, 14, 14}));
    }

    /** The output, and the input and parameter gradients of sum(y * R), by the hand-written or the executed-only passes. */
    private static Map<String, INDArray> backwardInFloat(Layer layer, long[] inShape, Map<String, INDArray> values,
                                                         boolean differentiable) {
        long[] perEx = java.util.Arrays.copyOfRange(inShape, 1, inShape.length);
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.constant("x", values.get("x"));
        Map<String, SDVariable> params = new LinkedHashMap<>();
        for (String k : layer.paramShapes(perEx).keySet()) {
            params.put(k, sd.constant("p_" + k, values.get("p_" + k)));
        }
        Layer.Pass pass = differentiable ? layer.forward(sd, x, inShape, params)
                : layer.nativeForward(sd, x, inShape, params);
        SDVariable r = sd.constant("R", values.get("R"));
        Map<String, SDVariable> grads = new LinkedHashMap<>();
        SDVariable dx = differentiable ? pass.backward(r, grads, true) : pass.nativeBackward(r, grads, true);
        List<String> outs = new ArrayList<>();
        outs.add(dx.name());
        outs.add(pass.output().name());
        grads.values().forEach(v -> outs.add(v.name()));
        Map<String, INDArray> vals = sd.output(Map.of(), outs);
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put("y", vals.get(pass.output().name()));
        out.put("dx", vals.get(dx.name()));
        grads.forEach((k, v) -> out.put(k, vals.get(v.name())));
        return out;
    }

    /**
     * Autodiff of sum(forward(x) * R) is the reference; the pass under test (forward and backward, or, for
     * executed-only graphs, nativeForward and nativeBackward in a graph of their own) must give the same output and
     * gradients.
     */
    /**
     * SameDiff's own gradient of sum(forward(x) * R) for random x, parameters and R (uniform in [-1, 1), double).
     *
     * @param x the input
     * @param params the parameters by local name
     * @param r the output's weights R
     * @param outShape the output's full shape
     * @param gradients autodiff's gradients: "x" and "p_" + each parameter's name
     * @param output the forward pass's output
     */
    record Reference(INDArray x, Map<String, INDArray> params, INDArray r, long[] outShape,
                     Map<String, INDArray> gradients, INDArray output) {
    }

    static Reference reference(Layer layer, long[] inShape, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        long[] perEx = java.util.Arrays.copyOfRange(inShape, 1, inShape.length);
        INDArray xv = random(rng, inShape);
        Map<String, INDArray> init = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : layer.paramShapes(perEx).entrySet()) {
            init.put(e.getKey(), random(rng, e.getValue()));
        }
        long[] out = layer.outputShape(perEx);
        long[] outShape = new long[out.length + 1];
        outShape[0] = inShape[0];
        System.arraycopy(out, 0, outShape, 1, out.length);
        INDArray rv = random(rng, outShape);

        SameDiff ref = SameDiff.create();
        Map<String, SDVariable> refParams = new LinkedHashMap<>();
        init.forEach((k, v) -> refParams.put(k, ref.var("p_" + k, v)));
        Layer.Pass refPass = layer.forward(ref, ref.var("x", xv), inShape, refParams);
        ref.setLossVariables(ref.sum(refPass.output().mul(ref.constant("R", rv))));
        List<String> wrt = new ArrayList<>();
        wrt.add("x");
        refParams.keySet().forEach(k -> wrt.add("p_" + k));
        Map<String, INDArray> auto = ref.calculateGradients(Map.of(), wrt);
        INDArray refOut = ref.output(Map.of(), refPass.output().name()).get(refPass.output().name());
        return new Reference(xv, init, rv, outShape, auto, refOut);
    }

    private static void checkAgainstAutodiff(Layer layer, long[] inShape, boolean differentiable) {
        Reference reference = reference(layer, inShape, 42);
        INDArray xv = reference.x();
        Map<String, INDArray> init = reference.params();
        INDArray rv = reference.r();
        long[] outShape = reference.outShape();
        Map<String, INDArray> auto = reference.gradients();
        INDArray refOut = reference.output();

        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", xv);
        Map<String, SDVariable> params = new LinkedHashMap<>();
        init.forEach((k, v) -> params.put(k, sd.var("p_" + k, v)));
        Layer.Pass pass = differentiable ? layer.forward(sd, x, inShape, params)
                : layer.nativeForward(sd, x, inShape, params);
        SDVariable r = sd.constant("R", rv);
        Map<String, SDVariable> explicit = new LinkedHashMap<>();
        SDVariable dx = differentiable ? pass.backward(r, explicit, true) : pass.nativeBackward(r, explicit, true);
        List<String> outs = new ArrayList<>();
        outs.add(dx.name());
        explicit.values().forEach(v -> outs.add(v.name()));
        outs.add(pass.output().name());
        Map<String, INDArray> vals = sd.output(Map.of(), outs);
        INDArray y = vals.get(pass.output().name());
        assertEquals(java.util.Arrays.toString(outShape), java.util.Arrays.toString(y.shape()), "output shape");
        double ye = Rel.maxRelError(y, refOut, 1e-14);
        assertTrue(ye < 1e-10, layer.name() + " output relative error " + ye);

        double err = Rel.maxRelError(vals.get(dx.name()), auto.get("x"), 1e-14);
        assertTrue(err < 1e-10, layer.name() + " dx relative error " + err);
        assertEquals(params.keySet(), explicit.keySet(), "a gradient for every parameter");
        for (String k : params.keySet()) {
            INDArray e = vals.get(explicit.get(k).name());
            INDArray a = auto.get("p_" + k);
            assertEquals(java.util.Arrays.toString(a.shape()), java.util.Arrays.toString(e.shape()), k + " shape");
            double pe = Rel.maxRelError(e, a, 1e-14);
            assertTrue(pe < 1e-10, layer.name() + "/" + k + " relative error " + pe);
        }
    }

    static INDArray random(SplittableRandom rng, long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextDouble() * 2 - 1;
        }
        return Nd4j.create(v, shape, DataType.DOUBLE);
    }
}
