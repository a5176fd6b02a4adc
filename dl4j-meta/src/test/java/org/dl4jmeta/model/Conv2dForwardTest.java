package org.dl4jmeta.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;
import org.dl4jmeta.testutil.Rel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The convolution's forward pass is TensorFlow's 'same' convolution (Finn et al.'s code): output ceil(H/s), total
 * padding max((out-1)s + k - H, 0) with the smaller half on top/left, checked against a plain-Java loop over every
 * output, in double precision, for the Omniglot Conv-4's sizes (28, 14, 7, 4 with stride 2) and odd ones; and in
 * float, where the default build runs oneDNN's kernels (SAME padding computed by libnd4j's oneDNN helper).
 */
class Conv2dForwardTest {

    @ParameterizedTest(name = "{0}x{1} input, {2} -> {3} channels, k={4}, stride {5}")
    @CsvSource({"28,28,1,3,3,2", "14,14,3,2,3,2", "7,7,2,3,3,2", "4,4,3,2,3,2", "2,2,2,2,3,2", "9,6,2,3,3,2",
        "7,5,2,2,3,1", "6,6,1,2,5,1", "5,8,2,2,5,2"})
    void forwardIsTensorFlowSameConvolution(int h, int w, int c, int o, int k, int s) {
        for (boolean executedOnly : new boolean[] {false, true}) {
            for (boolean inputGradient : new boolean[] {false, true}) {
                check(h, w, c, o, k, s, DataType.DOUBLE, 1e-12, executedOnly, inputGradient);
                check(h, w, c, o, k, s, DataType.FLOAT, 1e-5, executedOnly, inputGradient);
            }
        }
    }

    /**
     * executedOnly: {@link Conv2d#channelsLastForward} (the input transposed to NHWC, the output back), else
     * {@link Conv2d#forward}: on a variable input (inputGradient) or several channels, libnd4j's convolution; on a
     * constant one-channel input, which receives no gradient, the product of the weights with its im2col columns.
     */
    private static void check(int h, int w, int c, int o, int k, int s, DataType dt, double tolerance,
                              boolean executedOnly, boolean inputGradient) {
        SplittableRandom rng = new SplittableRandom(h * 31L + w * 7L + k + s);
        int n = 2;
        INDArray x = random(rng, n, c, h, w);
        INDArray weights = random(rng, k, k, c, o);
        INDArray bias = random(rng, o);
        Conv2d conv = new Conv2d("c", o, k, s, true);
        SameDiff sd = SameDiff.create();
        INDArray xv = executedOnly ? x.castTo(dt).permute(0, 2, 3, 1).dup() : x.castTo(dt);
        SDVariable in = inputGradient ? sd.var("x", xv) : sd.constant("x", xv);
        Map<String, SDVariable> params = Map.of("W", sd.constant("W", weights.castTo(dt)),
                "b", sd.constant("b", bias.castTo(dt)));
        long[] inShape = {n, c, h, w};
        Layer.Pass pass = executedOnly ? conv.channelsLastForward(sd, in, inShape, params)
                : conv.forward(sd, in, inShape, params);
        INDArray y = sd.output(Map.of(), pass.output().name()).get(pass.output().name());
        if (executedOnly) {
            y = y.permute(0, 3, 1, 2);
        }

        int oh = (h + s - 1) / s;
        int ow = (w + s - 1) / s;
        int top = Math.max((oh - 1) * s + k - h, 0) / 2;
        int left = Math.max((ow - 1) * s + k - w, 0) / 2;
        INDArray ref = Nd4j.create(DataType.DOUBLE, n, o, oh, ow);
        for (int b = 0; b < n; b++) {
            for (int f = 0; f < o; f++) {
                for (int p = 0; p < oh; p++) {
                    for (int q = 0; q < ow; q++) {
                        double acc = bias.getDouble(f);
                        for (int i = 0; i < k; i++) {
                            for (int j = 0; j < k; j++) {
                                int r = p * s + i - top;
                                int cc = q * s + j - left;
                                if (r < 0 || r >= h || cc < 0 || cc >= w) {
                                    continue;
                                }
                                for (int ch = 0; ch < c; ch++) {
                                    acc += x.getDouble(b, ch, r, cc) * weights.getDouble(i, j, ch, f);
                                }
                            }
                        }
                        ref.putScalar(new long[] {b, f, p, q}, acc);
                    }
                }
            }
        }
        boolean convolutionOp = sd.getOps().values().stream().anyMatch(op -> op.getOp().opName().equals("conv2d"));
        assertEquals(executedOnly || inputGradient || c != 1, convolutionOp, "libnd4j's convolution op in the graph");
        assertArrayEquals(ref.shape(), y.shape(), "output shape");
        assertArrayEquals(ref.shape(), pass.outputShape(), "declared output shape");
        double err = Rel.maxRelError(y.castTo(DataType.DOUBLE), ref, dt == DataType.DOUBLE ? 1e-14 : 1e-5);
        assertTrue(err < tolerance, dt + (executedOnly ? " executed-only" : "") + " relative error " + err);
    }

    /**
     * SameDiff's weight and bias gradients of a loss through the columns form (a constant input of one channel) equal
     * those through libnd4j's convolution (the same input as a variable) in double, and the columns form adds no
     * {@code conv2d_bp}; several channels keep the convolution.
     */
    @ParameterizedTest(name = "{0}x{1} input, {2} -> {3} channels, k={4}, stride {5}")
    @CsvSource({"28,28,1,3,3,2", "7,7,1,3,3,2", "2,2,1,2,3,2", "7,5,1,2,3,1", "5,8,1,2,5,2", "7,7,2,3,3,2"})
    void columnsFormHasTheConvolutionsParameterGradients(int h, int w, int c, int o, int k, int s) {
        SplittableRandom rng = new SplittableRandom(h * 17L + w + c * 5L + k * 3L + s);
        INDArray x = random(rng, 3, c, h, w);
        INDArray weights = random(rng, k, k, c, o);
        INDArray bias = random(rng, o);
        INDArray r = random(rng, 3, o, (h + s - 1) / s, (w + s - 1) / s);
        Map<String, INDArray> viaColumns = null;
        for (boolean inputGradient : new boolean[] {false, true}) {
            SameDiff sd = SameDiff.create();
            SDVariable in = inputGradient ? sd.var("x", x) : sd.constant("x", x);
            SDVariable wv = sd.var("W", weights);
            SDVariable bv = sd.var("b", bias);
            Conv2d conv = new Conv2d("c", o, k, s, true);
            Layer.Pass pass = conv.forward(sd, in, new long[] {3, c, h, w}, Map.of("W", wv, "b", bv));
            SDVariable loss = sd.sum(pass.output().mul(sd.constant(r)).mul(pass.output()));
            sd.setLossVariables(loss);
            Map<String, INDArray> g = sd.calculateGradients(Map.of(), "W", "b");
            boolean convolutionBp = sd.getFunction("grad").getOps().values().stream()
                    .anyMatch(op -> op.getOp().opName().equals("conv2d_bp"));
            assertEquals(inputGradient || c != 1, convolutionBp, "conv2d_bp in the differentiated graph");
            if (viaColumns == null) {
                viaColumns = g;
            } else {
                for (String p : new String[] {"W", "b"}) {
                    double err = Rel.maxRelError(viaColumns.get(p), g.get(p), 1e-14);
                    assertTrue(err < 1e-12, p + " gradient relative error " + err);
                }
            }
        }
    }

    private static INDArray random(SplittableRandom rng, long... shape) {
        INDArray a = Nd4j.create(DataType.DOUBLE, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, rng.nextDouble(-1, 1));
        }
        return a;
    }
}
