package org.dl4jmeta.io;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.dl4jmeta.model.Layer;
import org.dl4jmeta.model.LayerType;
import org.dl4jmeta.model.LayerTypes;
import org.dl4jmeta.model.Losses;
import org.dl4jmeta.model.Network;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonValue;

/**
 * The architecture of a {@link Network} as data, so a model file rebuilds its network without code: the input
 * shape, each layer's type and settings, and the loss. Layer types and losses are found through their registries
 * ({@link LayerTypes}, {@link Losses}), so a user's own registered layer is saved and restored like the built-in
 * ones (the Conv-4 networks of Vinyals et al. 2016 and Finn et al. 2017 and any other stack).
 *
 * @param inputShape per-example input shape, e.g. {@code [1,28,28]}
 * @param layers the layers in order
 * @param loss the loss id, e.g. {@code softmax-cross-entropy} or {@code squared-error}
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
     * One layer as data, written as one flat JSON object {@code {"type": ..., "name": ..., ...settings}} (the layout
     * of format version 1, whose built-in settings keep their names: {@code units}, {@code kernel}, {@code stride},
     * {@code bias}, {@code eps}).
     *
     * @param type the layer type id ({@link LayerType#id()})
     * @param name the layer's name
     * @param settings the type's settings ({@link LayerType#settings}), in order
     */
    public record LayerSpec(String type, String name, Map<String, Object> settings) {

        /**
         * @throws IllegalArgumentException if type or name is missing, or a setting is called type or name
         */
        public LayerSpec {
            if (type == null || type.isBlank()) {
                throw new IllegalArgumentException("a layer lacks its 'type' (layer '" + name + "')");
            }
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a layer of type " + type + " lacks its 'name'");
            }
            settings = settings == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(settings));
            if (settings.containsKey("type") || settings.containsKey("name")) {
                throw new IllegalArgumentException("layer '" + name + "' of type " + type + ": a setting may not be "
                        + "called 'type' or 'name', got " + settings.keySet());
            }
        }

        /** @return the flat JSON object: type, name, then the settings */
        @JsonValue
        public Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", type);
            m.put("name", name);
            m.putAll(settings);
            return m;
        }

        /**
         * @param json a flat JSON object as {@link #json()} writes it
         * @return the spec
         * @throws IllegalArgumentException if type or name is missing or not a string
         */
        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        public static LayerSpec fromJson(Map<String, Object> json) {
            Map<String, Object> s = new LinkedHashMap<>(json);
            Object type = s.remove("type");
            Object name = s.remove("name");
            if (type != null && !(type instanceof String) || name != null && !(name instanceof String)) {
                throw new IllegalArgumentException("a layer's type and name must be strings, got type " + type
                        + " and name " + name);
            }
            s.values().removeIf(Objects::isNull);
            return new LayerSpec((String) type, (String) name, s);
        }
    }

    /**
     * Describes a network.
     *
     * @param network the network
     * @return its spec
     * @throws IllegalArgumentException if it holds a layer or loss without a registered type, naming it and the
     *     registered ones
     */
    public static NetworkSpec of(Network network) {
        List<LayerSpec> specs = new ArrayList<>();
        for (Layer l : network.layers()) {
            specs.add(new LayerSpec(LayerTypes.of(l).id(), l.name(), LayerTypes.settings(l)));
        }
        String loss = network.loss().id();
        try {
            Losses.get(loss);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the network's loss cannot be saved in a model file (register it with "
                    + "Losses.register): " + e.getMessage(), e);
        }
        return new NetworkSpec(network.inputShape(), specs, loss);
    }

    /**
     * Rebuilds the network.
     *
     * @return the network
     * @throws IllegalArgumentException if a layer type or loss is unknown (naming it and the registered ones) or a
     *     setting is missing or invalid
     */
    public Network toNetwork() {
        List<Layer> out = new ArrayList<>();
        for (LayerSpec s : layers) {
            LayerType<?> t;
            try {
                t = LayerTypes.get(s.type());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("layer '" + s.name() + "': " + e.getMessage(), e);
            }
            out.add(t.create(s.name(), s.settings()));
        }
        return new Network(inputShape, out, Losses.get(loss));
    }

    @Override
    public String toString() {
        return "NetworkSpec[input=" + Arrays.toString(inputShape) + ", " + layers.size() + " layers, " + loss + "]";
    }
}
