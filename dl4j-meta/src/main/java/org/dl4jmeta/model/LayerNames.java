package org.dl4jmeta.model;

/** Validation of layer names, which become prefixes of parameter names. */
final class LayerNames {

    private LayerNames() {
    }

    static String require(String name) {
        if (name == null || name.isEmpty() || name.contains("/") || !name.matches("[A-Za-z0-9_\\-]+")) {
            throw new IllegalArgumentException("layer name must be non-empty letters, digits, '_' or '-', got '"
                    + name + "'");
        }
        return name;
    }
}
