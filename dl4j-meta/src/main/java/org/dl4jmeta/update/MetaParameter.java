package org.dl4jmeta.update;

import java.util.Arrays;
import java.util.Objects;

/**
 * A meta-parameter that an {@link InnerUpdate} adds to theta (e.g. a learned step size): meta-learned by the outer
 * optimiser with the network's parameters, saved in model files with them.
 *
 * @param name its name in theta, unique, distinct from the network's parameter names
 * @param shape its shape
 * @param initialValue the value every element starts from
 */
public record MetaParameter(String name, long[] shape, double initialValue) {

    /**
     * @throws IllegalArgumentException naming a blank name, a non-positive dimension or a non-finite initial value
     */
    public MetaParameter {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("meta-parameter name must not be blank, got '" + name + "'");
        }
        shape = Objects.requireNonNull(shape, "shape").clone();
        for (long d : shape) {
            if (d < 1) {
                throw new IllegalArgumentException("meta-parameter '" + name + "' dimensions must be >= 1, got "
                        + Arrays.toString(shape));
            }
        }
        if (!Double.isFinite(initialValue)) {
            throw new IllegalArgumentException("meta-parameter '" + name + "' initial value must be finite, got "
                    + initialValue);
        }
    }

    /** @return a copy of the shape */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MetaParameter m && name.equals(m.name) && Arrays.equals(shape, m.shape)
                && Double.compare(initialValue, m.initialValue) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(shape), initialValue);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + "=" + initialValue;
    }
}
