package org.dl4jmeta.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Element-wise sum of two or more inputs of the same shape, the residual addition of ResNets (He et al. 2016) and
 * DL4J's {@code ElementWiseVertex(Op.Add)}: y = x_1 + ... + x_m. Backward: dL/dx_i = dL/dy for every i.
 */
public final class Add implements Vertex {

    private final String name;

    /** @param name vertex name */
    public Add(String name) {
        this.name = LayerNames.require(name);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long[] outputShape(List<long[]> in) {
        if (in.size() < 2) {
            throw new IllegalArgumentException("add vertex '" + name + "' needs at least 2 inputs, got " + in.size());
        }
        for (long[] s : in) {
            if (!Arrays.equals(s, in.get(0))) {
                throw new IllegalArgumentException("add vertex '" + name + "' needs inputs of one shape, got "
                        + shapes(in) + " (add a 1x1 convolution on the shortcut to match them)");
            }
        }
        return in.get(0).clone();
    }

    static String shapes(List<long[]> in) {
        List<String> s = new ArrayList<>();
        for (long[] a : in) {
            s.add(Arrays.toString(a));
        }
        return s.toString();
    }

    @Override
    public Pass forward(SameDiff sd, List<SDVariable> inputs, List<long[]> inputShapes) {
        SDVariable y = inputs.get(0);
        for (int i = 1; i < inputs.size(); i++) {
            y = y.add(inputs.get(i));
        }
        SDVariable out = y;
        long[] shape = inputShapes.get(0).clone();
        int m = inputs.size();
        return new Pass() {
            @Override
            public SDVariable output() {
                return out;
            }

            @Override
            public long[] outputShape() {
                return shape.clone();
            }

            @Override
            public List<SDVariable> backward(SDVariable dy) {
                return java.util.Collections.nCopies(m, dy);
            }
        };
    }

    /** Saves and restores {@link Add} in model files as type {@code add}: no settings. */
    public static final class Type implements VertexType<Add> {

        @Override
        public String id() {
            return "add";
        }

        @Override
        public Class<Add> vertexClass() {
            return Add.class;
        }

        @Override
        public Map<String, Object> settings(Add vertex) {
            return Map.of();
        }

        @Override
        public Add create(String name, Map<String, Object> settings) {
            LayerSettings.of(id(), name, settings);
            return new Add(name);
        }
    }
}
