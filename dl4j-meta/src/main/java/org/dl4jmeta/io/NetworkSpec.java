package org.dl4jmeta.io;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.dl4jmeta.model.BatchNorm;
import org.dl4jmeta.model.Conv2d;
import org.dl4jmeta.model.Dense;
import org.dl4jmeta.model.Flatten;
import org.dl4jmeta.model.GlobalAvgPool;
import org.dl4jmeta.model.Layer;
import org.dl4jmeta.model.Loss;
import org.dl4jmeta.model.MaxPool2x2;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.Relu;
import org.nd4j.shade.jackson.annotation.JsonInclude;

/**
 * The architecture of a {@link Network} as data, so a model file rebuilds its network without code: the input
 * shape, each layer's type and settings, and the loss. Covers the built-in layers (the Conv-4 networks of Vinyals
 * et al. 2016 and Finn et al. 2017 and any other stack of them).
 *
 * @param inputShape per-example input shape, e.g. {@code [1,28,28]}
 * @param layers the layers in order
 * @param loss the loss id: {@code softmax-cross-entropy} or {@code squared-error}
 */
public record NetworkSpec(long[] inputShape, List<LayerSpec> layers, String loss) {

    /**
     * @throws NullPointerException if a field is null
     */
    public NetworkSpec {
        Objects.requireNonNull(inputShape, "inputShape");
        inputShape = inputShape.clone();
        layers = List.copyOf(Objects.requireNonNull(layers, "layers"));
        Objects.requireNonNull(loss, "loss");
    }

    /**
     * One layer as data; fields a layer type does not use are null (and absent from the JSON).
     *
     * @param type conv2d, batchnorm, relu, maxpool2x2, globalavgpool, flatten or dense
     * @param name the layer's name
     * @param units filters of conv2d, outputs of dense
     * @param kernel kernel size of conv2d
     * @param stride stride of conv2d
     * @param bias whether conv2d or dense adds a bias
     * @param eps variance floor of batchnorm
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LayerSpec(String type, String name, Integer units, Integer kernel, Integer stride, Boolean bias,
                            Double eps) {
    }

    /**
     * Describes a network.
     *
     * @param network the network
     * @return its spec
     * @throws IllegalArgumentException if it holds a layer type or loss that model files cannot describe, naming it
     */
    public static NetworkSpec of(Network network) {
        List<LayerSpec> specs = new ArrayList<>();
        for (Layer l : network.layers()) {
            specs.add(layer(l));
        }
        String loss = network.loss().id();
        if (!loss.equals(Loss.softmaxCrossEntropy().id()) && !loss.equals(Loss.squaredError().id())) {
            throw new IllegalArgumentException("loss '" + loss + "' cannot be saved in a model file; supported: "
                    + Loss.softmaxCrossEntropy().id() + ", " + Loss.squaredError().id());
        }
        return new NetworkSpec(network.inputShape(), specs, loss);
    }

    private static LayerSpec layer(Layer l) {
        if (l instanceof Conv2d c) {
            return new LayerSpec("conv2d", c.name(), c.outChannels(), c.kernel(), c.stride(), c.hasBias(), null);
        } else if (l instanceof BatchNorm b) {
            return new LayerSpec("batchnorm", b.name(), null, null, null, null, b.eps());
        } else if (l instanceof Relu) {
            return new LayerSpec("relu", l.name(), null, null, null, null, null);
        } else if (l instanceof MaxPool2x2) {
            return new LayerSpec("maxpool2x2", l.name(), null, null, null, null, null);
        } else if (l instanceof GlobalAvgPool) {
            return new LayerSpec("globalavgpool", l.name(), null, null, null, null, null);
        } else if (l instanceof Flatten) {
            return new LayerSpec("flatten", l.name(), null, null, null, null, null);
        } else if (l instanceof Dense d) {
            return new LayerSpec("dense", d.name(), d.outputs(), null, null, d.hasBias(), null);
        }
        throw new IllegalArgumentException("layer '" + l.name() + "' of type " + l.getClass().getName()
                + " cannot be saved in a model file; supported: Conv2d, BatchNorm, Relu, MaxPool2x2, GlobalAvgPool, "
                + "Flatten, Dense");
    }

    /**
     * Rebuilds the network.
     *
     * @return the network
     * @throws IllegalArgumentException if a layer type or loss is unknown or a setting is missing or invalid
     */
    public Network toNetwork() {
        List<Layer> out = new ArrayList<>();
        for (LayerSpec s : layers) {
            out.add(build(s));
        }
        Loss l;
        if (loss.equals(Loss.softmaxCrossEntropy().id())) {
            l = Loss.softmaxCrossEntropy();
        } else if (loss.equals(Loss.squaredError().id())) {
            l = Loss.squaredError();
        } else {
            throw new IllegalArgumentException("unknown loss '" + loss + "'; known: " + Loss.softmaxCrossEntropy().id()
                    + ", " + Loss.squaredError().id());
        }
        return new Network(inputShape, out, l);
    }

    private static Layer build(LayerSpec s) {
        String t = s.type() == null ? "null" : s.type();
        return switch (t) {
            case "conv2d" -> new Conv2d(s.name(), need(s, "units", s.units()), need(s, "kernel", s.kernel()),
                    need(s, "stride", s.stride()), need(s, "bias", s.bias()));
            case "batchnorm" -> new BatchNorm(s.name(), need(s, "eps", s.eps()));
            case "relu" -> new Relu(s.name());
            case "maxpool2x2" -> new MaxPool2x2(s.name());
            case "globalavgpool" -> new GlobalAvgPool(s.name());
            case "flatten" -> new Flatten(s.name());
            case "dense" -> new Dense(s.name(), need(s, "units", s.units()), need(s, "bias", s.bias()));
            default -> throw new IllegalArgumentException("unknown layer type '" + t + "' (layer '" + s.name()
                    + "'); known: conv2d, batchnorm, relu, maxpool2x2, globalavgpool, flatten, dense");
        };
    }

    private static <T> T need(LayerSpec s, String field, T value) {
        if (value == null) {
            throw new IllegalArgumentException("layer '" + s.name() + "' of type " + s.type() + " lacks '" + field
                    + "'");
        }
        return value;
    }

    @Override
    public String toString() {
        return "NetworkSpec[input=" + Arrays.toString(inputShape) + ", " + layers.size() + " layers, " + loss + "]";
    }
}
