package org.dl4jmeta.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Concatenation of two or more inputs along the channel (or feature) axis, DL4J's {@code MergeVertex}: inputs
 * {@code [c_i,h,w]} (or {@code [f_i]}) give {@code [sum c_i,h,w]}. Backward: dL/dx_i is the slice of dL/dy over
 * input i's channels.
 */
public final class Concat implements Vertex {

    private final String name;

    /** @param name vertex name */
    public Concat(String name) {
        this.name = LayerNames.require(name);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long[] outputShape(List<long[]> in) {
        if (in.size() < 2) {
            throw new IllegalArgumentException("concat vertex '" + name + "' needs at least 2 inputs, got "
                    + in.size());
        }
        long[] out = in.get(0).clone();
        for (int i = 1; i < in.size(); i++) {
            long[] s = in.get(i);
            boolean fits = s.length == out.length
                    && Arrays.equals(Arrays.copyOfRange(s, 1, s.length), Arrays.copyOfRange(out, 1, out.length));
            if (!fits) {
                throw new IllegalArgumentException("concat vertex '" + name + "' needs inputs that differ only in "
                        + "their first (channel) dimension, got " + Add.shapes(in));
            }
            out[0] += s[0];
        }
        return out;
    }

    @Override
    public Pass forward(SameDiff sd, List<SDVariable> inputs, List<long[]> inputShapes) {
        SDVariable y = sd.concat(1, inputs.toArray(new SDVariable[0]));
        List<long[]> perExample = new ArrayList<>();
        for (long[] s : inputShapes) {
            perExample.add(Shapes.perExample(s));
        }
        long[] shape = Shapes.withBatch(inputShapes.get(0)[0], outputShape(perExample));
        return new Pass() {
            @Override
            public SDVariable output() {
                return y;
            }

            @Override
            public long[] outputShape() {
                return shape.clone();
            }

            @Override
            public List<SDVariable> backward(SDVariable dy) {
                List<SDVariable> out = new ArrayList<>();
                long from = 0;
                for (long[] s : inputShapes) {
                    int[] begin = new int[s.length];
                    begin[1] = (int) from;
                    int[] size = new int[s.length];
                    for (int a = 0; a < s.length; a++) {
                        size[a] = (int) s[a];
                    }
                    out.add(sd.slice(dy, begin, size));
                    from += s[1];
                }
                return out;
            }
        };
    }

    /** Saves and restores {@link Concat} in model files as type {@code concat}: no settings. */
    public static final class Type implements VertexType<Concat> {

        @Override
        public String id() {
            return "concat";
        }

        @Override
        public Class<Concat> vertexClass() {
            return Concat.class;
        }

        @Override
        public Map<String, Object> settings(Concat vertex) {
            return Map.of();
        }

        @Override
        public Concat create(String name, Map<String, Object> settings) {
            LayerSettings.of(id(), name, settings);
            return new Concat(name);
        }
    }
}
