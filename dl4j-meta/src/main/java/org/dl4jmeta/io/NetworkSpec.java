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
import org.dl4jmeta.model.Vertex;
import org.dl4jmeta.model.VertexType;
import org.dl4jmeta.model.VertexTypes;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonValue;

/**
 * The architecture of a {@link Network} as data, so a model file rebuilds its network without code: the input
 * shape, each layer's (or vertex's) type and settings, and the loss; in a graph-shaped network each node also names
 * its inputs (a stack's nodes do not, so stacks keep format version 1's layout). Layer types and losses are found through their registries
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
     * @param type the layer or vertex type id ({@link LayerType#id()}, {@link VertexType#id()})
     * @param name the layer's name
     * @param settings the type's settings ({@link LayerType#settings}), in order
     * @param inputs the nodes it reads, or null for the node before it (the network's input for the first)
     */
    public record LayerSpec(String type, String name, Map<String, Object> settings, List<String> inputs) {

        /**
         * A node of a stack, reading the node before it.
         *
         * @param type the layer type id
         * @param name the layer's name
         * @param settings the type's settings
         */
        public LayerSpec(String type, String name, Map<String, Object> settings) {
            this(type, name, settings, null);
        }

        /**
         * @throws IllegalArgumentException if type or name is missing, or a setting is called type, name or inputs
         */
        public LayerSpec {
            inputs = inputs == null ? null : List.copyOf(inputs);
            if (type == null || type.isBlank()) {
                throw new IllegalArgumentException("a layer lacks its 'type' (layer '" + name + "')");
            }
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a layer of type " + type + " lacks its 'name'");
            }
            settings = settings == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(settings));
            if (settings.containsKey("type") || settings.containsKey("name") || settings.containsKey("inputs")) {
                throw new IllegalArgumentException("layer '" + name + "' of type " + type + ": a setting may not be "
                        + "called 'type', 'name' or 'inputs', got " + settings.keySet());
            }
        }

        /** @return the flat JSON object: type, name, then the settings */
        @JsonValue
        public Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", type);
            m.put("name", name);
            if (inputs != null) {
                m.put("inputs", inputs);
            }
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
            Object inputs = s.remove("inputs");
            if (type != null && !(type instanceof String) || name != null && !(name instanceof String)) {
                throw new IllegalArgumentException("a layer's type and name must be strings, got type " + type
                        + " and name " + name);
            }
            List<String> in = null;
            if (inputs != null) {
                if (!(inputs instanceof List<?> l) || !l.stream().allMatch(String.class::isInstance)) {
                    throw new IllegalArgumentException("layer '" + name + "': 'inputs' must be a list of node names, "
                            + "got " + inputs);
                }
                in = l.stream().map(String.class::cast).toList();
            }
            s.values().removeIf(Objects::isNull);
            return new LayerSpec((String) type, (String) name, s, in);
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
        boolean graph = !network.isSequential();
        for (Network.Node n : network.nodes()) {
            List<String> inputs = graph ? n.inputs() : null;
            if (n.layer() != null) {
                Layer l = n.layer();
                specs.add(new LayerSpec(LayerTypes.of(l).id(), l.name(), LayerTypes.settings(l), inputs));
            } else {
                Vertex v = n.vertex();
                specs.add(new LayerSpec(VertexTypes.of(v).id(), v.name(), VertexTypes.settings(v), inputs));
            }
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
        boolean graph = layers.stream().anyMatch(s -> s.inputs() != null);
        List<Layer> stack = new ArrayList<>();
        List<Network.Node> nodes = new ArrayList<>();
        String prev = Network.INPUT;
        for (LayerSpec s : layers) {
            List<String> inputs = s.inputs() != null ? s.inputs() : List.of(prev);
            if (VertexTypes.has(s.type())) {
                if (!graph) {
                    throw new IllegalArgumentException("vertex '" + s.name() + "' of type " + s.type() + " lacks "
                            + "its 'inputs'");
                }
                nodes.add(Network.Node.of(VertexTypes.get(s.type()).create(s.name(), s.settings()),
                        inputs.toArray(new String[0])));
            } else {
                LayerType<?> t;
                try {
                    t = LayerTypes.get(s.type());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("layer '" + s.name() + "': " + e.getMessage() + "; vertex "
                            + "types: " + VertexTypes.ids(), e);
                }
                Layer l = t.create(s.name(), s.settings());
                stack.add(l);
                if (inputs.size() != 1) {
                    throw new IllegalArgumentException("layer '" + s.name() + "' takes one input, got " + inputs);
                }
                nodes.add(Network.Node.of(l, inputs.get(0)));
            }
            prev = s.name();
        }
        return graph ? Network.graph(inputShape, nodes, Losses.get(loss))
                : new Network(inputShape, stack, Losses.get(loss));
    }

    @Override
    public String toString() {
        return "NetworkSpec[input=" + Arrays.toString(inputShape) + ", " + layers.size() + " layers, " + loss + "]";
    }
}
