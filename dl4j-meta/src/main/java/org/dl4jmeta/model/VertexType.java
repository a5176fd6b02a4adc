package org.dl4jmeta.model;

import java.util.Map;

/**
 * How one kind of {@link Vertex} is saved in and restored from model files: its id, its class and its settings, as
 * {@link LayerType} does for layers. Found by {@link VertexTypes}: list the implementing class in
 * {@code META-INF/services/org.dl4jmeta.model.VertexType}, or call {@link VertexTypes#register}. An implementation
 * needs a public no-argument constructor for the service file and is stateless.
 *
 * @param <V> the vertex class
 */
public interface VertexType<V extends Vertex> {

    /** @return the id stored in model files, e.g. {@code add}; unique among vertex and layer types */
    String id();

    /** @return the vertex class this type saves (exactly this class) */
    Class<V> vertexClass();

    /**
     * @param vertex a vertex of {@link #vertexClass()}
     * @return its settings as JSON values; none may be called {@code type}, {@code name} or {@code inputs}
     */
    Map<String, Object> settings(V vertex);

    /**
     * @param name the vertex name
     * @param settings what {@link #settings} returned, read back from JSON
     * @return the vertex
     * @throws IllegalArgumentException naming the vertex and the bad setting
     */
    V create(String name, Map<String, Object> settings);
}
