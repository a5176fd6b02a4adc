package org.dl4jmeta.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads a layer's settings as restored from a model file, for {@link LayerType#create}: typed getters whose errors
 * name the layer, its type, the setting and the bad value.
 *
 * <pre>
 * LayerSettings s = LayerSettings.of("conv2d", name, settings, "units", "kernel", "stride", "bias");
 * new Conv2d(name, s.integer("units"), s.integer("kernel"), s.integer("stride"), s.bool("bias"));
 * </pre>
 */
public final class LayerSettings {

    private final String type;
    private final String layer;
    private final Map<String, Object> values;

    private LayerSettings(String type, String layer, Map<String, Object> values) {
        this.type = type;
        this.layer = layer;
        this.values = values;
    }

    /**
     * @param type the layer type id
     * @param layer the layer name
     * @param values the settings
     * @param known every setting the type reads
     * @return a reader
     * @throws IllegalArgumentException if a setting is not among {@code known}, naming it
     */
    public static LayerSettings of(String type, String layer, Map<String, Object> values, String... known) {
        Objects.requireNonNull(values, "settings");
        List<String> k = List.of(known);
        for (String key : values.keySet()) {
            if (!k.contains(key)) {
                throw new IllegalArgumentException("layer '" + layer + "' of type " + type + " has unknown setting '"
                        + key + "'; its settings: " + (k.isEmpty() ? "none" : String.join(", ", k)));
            }
        }
        return new LayerSettings(type, layer, values);
    }

    private Object need(String key, String what) {
        Object v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("layer '" + layer + "' of type " + type + " lacks '" + key + "' ("
                    + what + ")");
        }
        return v;
    }

    private IllegalArgumentException bad(String key, String what, Object v) {
        return new IllegalArgumentException("layer '" + layer + "' of type " + type + ": '" + key + "' must be "
                + what + ", got " + v);
    }

    /**
     * @param key the setting
     * @return its value as an int
     * @throws IllegalArgumentException if missing or not an integral number in int range
     */
    public int integer(String key) {
        Object v = need(key, "an integer");
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE) {
            return n.intValue();
        }
        throw bad(key, "an integer", v);
    }

    /**
     * @param key the setting
     * @return its value as a double
     * @throws IllegalArgumentException if missing or not a number
     */
    public double real(String key) {
        Object v = need(key, "a number");
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw bad(key, "a number", v);
    }

    /**
     * @param key the setting
     * @return its value
     * @throws IllegalArgumentException if missing or not true/false
     */
    public boolean bool(String key) {
        Object v = need(key, "true or false");
        if (v instanceof Boolean b) {
            return b;
        }
        throw bad(key, "true or false", v);
    }

    /**
     * @param key the setting
     * @return its value
     * @throws IllegalArgumentException if missing or not a string
     */
    public String string(String key) {
        Object v = need(key, "a string");
        if (v instanceof String s) {
            return s;
        }
        throw bad(key, "a string", v);
    }
}
