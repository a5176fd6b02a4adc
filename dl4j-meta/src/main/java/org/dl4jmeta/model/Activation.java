package org.dl4jmeta.model;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An element-wise activation (or softmax over the features of {@code [n,k]}), with its backward pass as ordinary
 * ops so that second derivatives through it are exact. The functions and their derivatives, with m = [x &gt; 0]
 * (piecewise constant, so it contributes no second-order term):
 * <ul>
 *   <li>identity: y = x, dx = dy;</li>
 *   <li>relu: y = max(x, 0), dx = m dy;</li>
 *   <li>leakyrelu (slope a below 0; DL4J's default a = 0.01, ResNet-12's 0.1): y = (a + (1-a) m) x,
 *       dx = (a + (1-a) m) dy;</li>
 *   <li>elu (Clevert et al. 2016, DL4J's default a = 1): y = x for x &gt; 0, a (e^x - 1) otherwise;
 *       dx = (m + (1-m) a e^x) dy;</li>
 *   <li>tanh: dx = (1 - y^2) dy; sigmoid: dx = y (1 - y) dy;</li>
 *   <li>softmax over axis 1 of {@code [n,k]}: y = e^(x - max x) / sum e^(x - max x),
 *       dx = y (dy - sum_k dy_k y_k).</li>
 * </ul>
 */
public final class Activation implements ChannelsLast {

    /** The supported functions. */
    public enum Function {
        /** y = x */
        IDENTITY,
        /** y = max(x, 0) */
        RELU,
        /** y = max(x, a x) */
        LEAKYRELU,
        /** y = x or a (e^x - 1) */
        ELU,
        /** hyperbolic tangent */
        TANH,
        /** logistic sigmoid */
        SIGMOID,
        /** softmax over the features */
        SOFTMAX;

        /** @return the lower-case id used in model files and on command lines */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * @param id a function id, any case
         * @return the function
         * @throws IllegalArgumentException naming the id and the supported ones
         */
        public static Function of(String id) {
            for (Function f : values()) {
                if (f.id().equalsIgnoreCase(id)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("unknown activation '" + id + "'; supported: "
                    + Arrays.stream(values()).map(Function::id).toList());
        }
    }

    private final String name;
    private final Function function;
    private final double alpha;

    /**
     * @param name layer name
     * @param function the function
     * @param alpha the negative slope (leakyrelu, in [0,1)) or scale (elu, &gt; 0); ignored otherwise (pass 0)
     * @throws IllegalArgumentException if alpha is out of range for the function
     */
    public Activation(String name, Function function, double alpha) {
        this.name = LayerNames.require(name);
        this.function = java.util.Objects.requireNonNull(function, "function");
        if (function == Function.LEAKYRELU && !(alpha >= 0 && alpha < 1)) {
            throw new IllegalArgumentException("activation '" + name + "': leakyrelu's slope alpha must be in [0, 1),"
                    + " got " + alpha);
        }
        if (function == Function.ELU && !(alpha > 0)) {
            throw new IllegalArgumentException("activation '" + name + "': elu's alpha must be > 0, got " + alpha);
        }
        this.alpha = function == Function.LEAKYRELU || function == Function.ELU ? alpha : 0;
    }

    /**
     * @param name layer name
     * @param function a function without a parameter
     * @return the layer
     */
    public static Activation of(String name, Function function) {
        return new Activation(name, function, function == Function.ELU ? 1.0 : function == Function.LEAKYRELU
                ? 0.01 : 0);
    }

    @Override
    public String name() {
        return name;
    }

    /** @return the function */
    public Function function() {
        return function;
    }

    /** @return leakyrelu's slope or elu's scale (0 for the other functions) */
    public double alpha() {
        return alpha;
    }

    @Override
    public Map<String, long[]> paramShapes(long[] in) {
        if (function == Function.SOFTMAX && in.length != 1) {
            throw new IllegalArgumentException("activation '" + name + "': softmax needs per-example input [features],"
                    + " got " + Arrays.toString(in) + " (flatten or pool first)");
        }
        return Map.of();
    }

    @Override
    public long[] outputShape(long[] in) {
        paramShapes(in);
        return in.clone();
    }

    @Override
    public void initialise(Map<String, INDArray> params, long[] in, SplittableRandom rng) {
        // no parameters
    }

    @Override
    public Pass forward(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p) {
        // relu as x [x > 0] with the backward pass's mask, as in Relu: SameDiff's gradient of libnd4j's relu op is
        // the slow thresholdedrelu_bp
        SDVariable reluMask = function == Function.RELU ? mask(sd, x) : null;
        SDVariable y = switch (function) {
            case IDENTITY -> x;
            case RELU -> x.mul(reluMask);
            case LEAKYRELU -> x.mul(mask(sd, x).mul(1 - alpha).add(alpha)); // libnd4j's op rounds alpha to float
            case ELU -> {
                SDVariable m = mask(sd, x);
                SDVariable neg = sd.math.exp(sd.math.min(x, sd.zerosLike(x))).sub(1.0).mul(alpha);
                yield m.mul(x).add(m.rsub(1.0).mul(neg));
            }
            case TANH -> sd.math.tanh(x);
            case SIGMOID -> sd.nn.sigmoid(x);
            case SOFTMAX -> {
                SDVariable e = sd.math.exp(x.sub(sd.max(x, true, 1)));
                yield e.div(sd.sum(e, true, 1));
            }
        };
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
                return switch (function) {
                    case IDENTITY -> dy;
                    case RELU -> dy.mul(reluMask);
                    case LEAKYRELU -> dy.mul(mask(sd, x).mul(1 - alpha).add(alpha));
                    case ELU -> {
                        SDVariable m = mask(sd, x);
                        SDVariable slope = m.add(m.rsub(1.0).mul(sd.math.exp(sd.math.min(x, sd.zerosLike(x))))
                                .mul(alpha));
                        yield dy.mul(slope);
                    }
                    case TANH -> dy.mul(y.mul(y).rsub(1.0));
                    case SIGMOID -> dy.mul(y.mul(y.rsub(1.0)));
                    case SOFTMAX -> y.mul(dy.sub(sd.sum(dy.mul(y), true, 1)));
                };
            }
        };
    }

    /** Element-wise functions: any layout (softmax takes only [n,features]). */
    @Override
    public boolean runsChannelsLast(long[] inputShape) {
        return function != Function.SOFTMAX;
    }

    /** The executed-only pass, element by element, on the channels-last values. */
    @Override
    public Pass channelsLastForward(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p) {
        if (!runsChannelsLast(inShape)) {
            throw new IllegalArgumentException("activation '" + name + "': " + function.id()
                    + " does not run channels-last");
        }
        return nativeForward(sd, x, inShape, p);
    }

    private static SDVariable mask(SameDiff sd, SDVariable x) {
        return sd.castTo(sd.gt(x, 0.0), x.dataType());
    }

    @Override
    public String toString() {
        return "Activation[" + name + ", " + function.id() + (alpha != 0 ? ", alpha=" + alpha : "") + "]";
    }

    /** Saves and restores {@link Activation} in model files as type {@code activation}: function and alpha. */
    public static final class Type implements LayerType<Activation> {

        @Override
        public String id() {
            return "activation";
        }

        @Override
        public Class<Activation> layerClass() {
            return Activation.class;
        }

        @Override
        public Map<String, Object> settings(Activation layer) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("function", layer.function().id());
            m.put("alpha", layer.alpha());
            return m;
        }

        @Override
        public Activation create(String name, Map<String, Object> settings) {
            LayerSettings s = LayerSettings.of(id(), name, settings, "function", "alpha");
            return new Activation(name, Function.of(s.string("function")), s.real("alpha"));
        }
    }
}
