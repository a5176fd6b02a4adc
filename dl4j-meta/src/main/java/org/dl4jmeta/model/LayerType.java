package org.dl4jmeta.model;

import java.util.Map;

/**
 * How one kind of {@link Layer} is saved in and restored from model files: its id, its class, and its settings
 * (everything but the parameters and the name) as JSON values. Model files store a layer as
 * {@code {"type": id, "name": name, ...settings}}.
 *
 * <p>Found by {@link LayerTypes}: list the implementing class in
 * {@code META-INF/services/org.dl4jmeta.model.LayerType}, or call {@link LayerTypes#register}. An implementation
 * needs a public no-argument constructor for the service file and is stateless.
 *
 * @param <L> the layer class
 */
public interface LayerType<L extends Layer> {

    /** @return the id stored in model files, e.g. {@code conv2d}; unique among layer types */
    String id();

    /** @return the layer class this type saves (exactly this class, not subclasses) */
    Class<L> layerClass();

    /**
     * @param layer a layer of {@link #layerClass()}
     * @return its settings, JSON values (numbers, booleans, strings, lists, maps) by name; neither {@code type} nor
     *     {@code name} may be a key
     */
    Map<String, Object> settings(L layer);

    /**
     * Rebuilds a layer.
     *
     * @param name the layer name
     * @param settings what {@link #settings} returned, as read back from JSON (integers may come back as any
     *     {@link Number}; {@link LayerSettings} reads them)
     * @return the layer
     * @throws IllegalArgumentException naming the layer, the missing, unknown or invalid setting and its value
     */
    L create(String name, Map<String, Object> settings);
}
