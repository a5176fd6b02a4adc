package org.dl4jmeta.model;

import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMax;

/**
 * Rectified linear unit y = max(x, 0). Backward: dx = dy [x &gt; 0] (the mask is piecewise constant, so its own
 * derivative is zero almost everywhere and second-order terms through it vanish, as in the papers).
 *
 * <p>Executed-only graphs take the mask from one {@code step} op instead of a compare and a cast. libnd4j
 * 1.0.0-M2.1's fused {@code relu_bp} ({@code thresholdedrelu_bp}) took 11.7 ms per call on a [75,64,14,14]
 * gradient in a profiled first-order MAML meta-step, where the compare, cast and product take about 1 ms together.
 * For the same reason graphs that SameDiff differentiates do not use libnd4j's {@code relu} op, whose SameDiff
 * gradient is that {@code thresholdedrelu_bp} (9.7 of a second-order 1-step task's 84 ms of op time at layer 1, one
 * thread; 1.27x the task's time in a same-process alternation): their forward pass is a scalar max, whose SameDiff
 * gradient is the plain dy [x &gt; 0] (a compare, a cast and one multiply). It replaced y = x [x &gt; 0], a product
 * whose gradient also computed the mask's (zero) gradient dy x at full size and so kept x alive for it: second-order
 * Conv-4 5-way 1-shot at one step, peak live intermediates 32.2 against 26.5 MB, time per task 0.97x (same-process
 * alternation). The hand-written backward pass builds its own mask.
 */
public final class Relu implements ChannelsLast {

    private final String name;

    /** @param name layer name */
    public Relu(String name) {
        this.name = LayerNames.require(name);
    }

    @Override
    public String name() {
        return name;
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
        // no parameters
    }

    @Override
    public Pass forward(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p) {
        return pass(sd, x, inShape, new ScalarMax(sd, x, 0.0).outputVariable());
    }

    /**
     * For graphs that are only executed: libnd4j's {@code relu} op, whose SameDiff gradient would be the slow
     * {@code thresholdedrelu_bp} but which nothing differentiates here.
     */
    @Override
    public Pass nativeForward(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p) {
        return pass(sd, x, inShape, sd.nn.relu(x, 0.0));
    }

    /**
     * @param y the output; each backward pass builds its own mask [x &gt; 0]: {@code backward} from a compare and
     *     a cast, {@code nativeBackward} from one {@code step} op
     */
    private static Pass pass(SameDiff sd, SDVariable x, long[] inShape, SDVariable y) {
        return new Pass() {
            @Override
            public SDVariable output() {
                return y;
            }

            @Override
            public long[] outputShape() {
                return inShape.clone();
            }

            @Override
            public SDVariable backward(SDVariable dy, Map<String, SDVariable> grads, boolean needInputGradient) {
                if (!needInputGradient) {
                    return null;
                }
                return dy.mul(sd.castTo(sd.gt(x, 0.0), x.dataType()));
            }

            @Override
            public SDVariable nativeBackward(SDVariable dy, Map<String, SDVariable> grads, boolean needInputGradient) {
                if (!needInputGradient) {
                    return null;
                }
                return dy.mul(sd.math.step(x, 0.0));
            }
        };
    }

    /** The executed-only pass, element by element, on the channels-last values. */
    @Override
    public Pass channelsLastForward(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p) {
        return nativeForward(sd, x, inShape, p);
    }

    /** Saves and restores {@link Relu} in model files as type {@code relu}: no settings. */
    public static final class Type implements LayerType<Relu> {

        @Override
        public String id() {
            return "relu";
        }

        @Override
        public Class<Relu> layerClass() {
            return Relu.class;
        }

        @Override
        public Map<String, Object> settings(Relu layer) {
            return Map.of();
        }

        @Override
        public Relu create(String name, Map<String, Object> settings) {
            LayerSettings.of(id(), name, settings);
            return new Relu(name);
        }
    }
}
