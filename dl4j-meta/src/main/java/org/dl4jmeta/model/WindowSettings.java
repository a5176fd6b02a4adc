package org.dl4jmeta.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How a {@link Window2d} is stored among a layer's model-file settings: {@code kernelH}, {@code kernelW},
 * {@code strideH}, {@code strideW}, {@code padH}, {@code padW} (integers) and {@code mode} (same, truncate,
 * strict).
 */
final class WindowSettings {

    private static final String[] KEYS = {"kernelH", "kernelW", "strideH", "strideW", "padH", "padW", "mode"};

    private WindowSettings() {
    }

    /** @return the window's keys followed by the layer's own */
    static String[] keys(String... own) {
        List<String> k = new ArrayList<>(List.of(KEYS));
        k.addAll(List.of(own));
        return k.toArray(new String[0]);
    }

    static void put(Map<String, Object> m, Window2d w) {
        m.put("kernelH", w.kernelH());
        m.put("kernelW", w.kernelW());
        m.put("strideH", w.strideH());
        m.put("strideW", w.strideW());
        m.put("padH", w.padH());
        m.put("padW", w.padW());
        m.put("mode", w.mode().id());
    }

    static Window2d read(LayerSettings s) {
        return new Window2d(s.integer("kernelH"), s.integer("kernelW"), s.integer("strideH"), s.integer("strideW"),
                s.integer("padH"), s.integer("padW"), Window2d.Mode.of(s.string("mode")));
    }
}
