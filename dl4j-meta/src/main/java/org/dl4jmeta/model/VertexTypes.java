package org.dl4jmeta.model;

import java.util.List;
import java.util.Map;
import org.dl4jmeta.registry.Registry;

/**
 * The registry of {@link VertexType}s: the built-in vertices' ({@link Add}, {@link Concat}, listed in this
 * library's {@code META-INF/services/org.dl4jmeta.model.VertexType}) and any a user adds by a service file or
 * {@link #register}. Thread-safe.
 */
public final class VertexTypes {

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static final Registry<VertexType<?>> REGISTRY = new Registry<VertexType<?>>((Class) VertexType.class,
            "vertex type", VertexType::id);

    private VertexTypes() {
    }

    /**
     * @param type the type to register in code
     * @throws IllegalArgumentException if its id is taken by another type
     */
    public static void register(VertexType<?> type) {
        REGISTRY.register(type);
    }

    /**
     * @param id a vertex type id
     * @return the type
     * @throws IllegalArgumentException naming the id and the vertex types found
     */
    public static VertexType<?> get(String id) {
        return REGISTRY.get(id);
    }

    /**
     * @param id an id
     * @return whether a vertex type has it
     */
    public static boolean has(String id) {
        return REGISTRY.ids().contains(id);
    }

    /** @return the ids of every registered vertex type, sorted */
    public static List<String> ids() {
        return REGISTRY.ids();
    }

    /**
     * @param vertex a vertex
     * @return the type that saves its class
     * @throws IllegalArgumentException if none does, naming the vertex and the types found
     */
    public static VertexType<?> of(Vertex vertex) {
        for (VertexType<?> t : REGISTRY.all()) {
            if (t.vertexClass() == vertex.getClass()) {
                return t;
            }
        }
        throw new IllegalArgumentException("vertex '" + vertex.name() + "' of class " + vertex.getClass().getName()
                + " has no registered vertex type, so it cannot be saved in a model file; implement VertexType for "
                + "it and register it; " + REGISTRY.found());
    }

    /**
     * @param vertex a vertex
     * @return its settings, by the type that saves its class
     */
    public static Map<String, Object> settings(Vertex vertex) {
        return settings(of(vertex), vertex);
    }

    private static <V extends Vertex> Map<String, Object> settings(VertexType<V> type, Vertex vertex) {
        return type.settings(type.vertexClass().cast(vertex));
    }
}
