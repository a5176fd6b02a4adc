package org.dl4jmeta.model;

import java.util.List;
import java.util.Map;
import org.dl4jmeta.registry.Registry;

/**
 * The registry of {@link LayerType}s: the built-in layers' (listed in this library's
 * {@code META-INF/services/org.dl4jmeta.model.LayerType}) and any a user adds by a service file or
 * {@link #register}. Model files and checkpoints find every layer type through it. Thread-safe.
 */
public final class LayerTypes {

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static final Registry<LayerType<?>> REGISTRY = new Registry<LayerType<?>>((Class) LayerType.class, "layer type",
            LayerType::id);

    private LayerTypes() {
    }

    /**
     * Registers a layer type in code (an alternative to a service file).
     *
     * @param type the type
     * @throws IllegalArgumentException if its id is taken by another type
     */
    public static void register(LayerType<?> type) {
        REGISTRY.register(type);
    }

    /**
     * @param id a layer type id, e.g. from a model file
     * @return the type
     * @throws IllegalArgumentException naming the id and the layer types found
     */
    public static LayerType<?> get(String id) {
        return REGISTRY.get(id);
    }

    /** @return the ids of every registered layer type, sorted */
    public static List<String> ids() {
        return REGISTRY.ids();
    }

    /**
     * @param layer a layer
     * @return the type that saves its class
     * @throws IllegalArgumentException if no registered type saves that class, naming the layer and the types found
     */
    public static LayerType<?> of(Layer layer) {
        for (LayerType<?> t : REGISTRY.all()) {
            if (t.layerClass() == layer.getClass()) {
                return t;
            }
        }
        throw new IllegalArgumentException("layer '" + layer.name() + "' of class " + layer.getClass().getName()
                + " has no registered layer type, so it cannot be saved in a model file; implement LayerType for it "
                + "and register it; " + REGISTRY.found());
    }

    /**
     * @param layer a layer
     * @return its settings, by the type that saves its class
     * @throws IllegalArgumentException if no registered type saves it
     */
    public static Map<String, Object> settings(Layer layer) {
        return settings(of(layer), layer);
    }

    private static <L extends Layer> Map<String, Object> settings(LayerType<L> type, Layer layer) {
        return type.settings(type.layerClass().cast(layer));
    }
}
