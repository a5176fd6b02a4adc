package org.dl4jmeta.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A named, ordered set of tensors backed by one contiguous flat vector: network parameters theta, adapted task
 * parameters phi, gradients, meta-gradients and conjugate-gradient vectors are all {@code ParamSet}s.
 *
 * <p>Each named tensor is a view of {@link #flat()}, so vector-space operations (axpy, dot, norm) run as single
 * BLAS calls on the flat vector, and an outer optimiser can update every tensor at once. Two sets are
 * <em>compatible</em> when they have the same names in the same order with the same shapes and data type.
 * Methods ending in {@code i} modify this set in place; all others return a new set.
 */
public final class ParamSet {

    private final List<String> names;
    private final Map<String, long[]> shapes;
    private final INDArray flat;
    private final Map<String, INDArray> views;

    private ParamSet(List<String> names, Map<String, long[]> shapes, INDArray flat) {
        this.names = names;
        this.shapes = shapes;
        this.flat = flat;
        this.views = new LinkedHashMap<>();
        long offset = 0;
        for (String n : names) {
            long[] s = shapes.get(n);
            long len = length(s);
            INDArray v = flat.get(NDArrayIndex.interval(offset, offset + len)).reshape('c', s);
            views.put(n, v);
            offset += len;
        }
    }

    /**
     * Creates a zero-filled set.
     *
     * @param specs names and shapes in order
     * @param dataType floating-point data type
     * @return the zero set
     * @throws IllegalArgumentException on duplicate or empty names, non-positive dimensions, or a non-float type
     */
    public static ParamSet zeros(Map<String, long[]> specs, DataType dataType) {
        Objects.requireNonNull(specs, "specs");
        if (!dataType.isFPType()) {
            throw new IllegalArgumentException("parameters must be floating point, got " + dataType);
        }
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("a parameter set needs at least one tensor, got none");
        }
        Map<String, long[]> copy = new LinkedHashMap<>();
        long total = 0;
        for (Map.Entry<String, long[]> e : specs.entrySet()) {
            String n = e.getKey();
            if (n == null || n.isEmpty()) {
                throw new IllegalArgumentException("parameter names must be non-empty, got '" + n + "'");
            }
            long[] s = e.getValue().clone();
            for (long d : s) {
                if (d < 1) {
                    throw new IllegalArgumentException("parameter '" + n + "' must have positive dimensions, got "
                            + Arrays.toString(s));
                }
            }
            copy.put(n, s);
            total += length(s);
        }
        INDArray flat = Nd4j.zeros(dataType, total);
        return new ParamSet(List.copyOf(copy.keySet()), Collections.unmodifiableMap(copy), flat);
    }

    /**
     * Creates a set holding copies of the given tensors.
     *
     * @param tensors names and values in order
     * @return the new set, in the data type of the first tensor
     * @throws IllegalArgumentException if the tensors do not share one floating-point data type
     */
    public static ParamSet copyOf(Map<String, INDArray> tensors) {
        Map<String, long[]> specs = new LinkedHashMap<>();
        DataType dt = null;
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            specs.put(e.getKey(), e.getValue().shape());
            if (dt == null) {
                dt = e.getValue().dataType();
            } else if (dt != e.getValue().dataType()) {
                throw new IllegalArgumentException("all tensors must share one data type: '" + e.getKey() + "' is "
                        + e.getValue().dataType() + ", the first is " + dt);
            }
        }
        if (dt == null) {
            throw new IllegalArgumentException("a parameter set needs at least one tensor, got none");
        }
        ParamSet p = zeros(specs, dt);
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            p.views.get(e.getKey()).assign(e.getValue());
        }
        return p;
    }

    /**
     * Wraps a flat vector as a set with this set's layout (the vector is copied).
     *
     * @param vector a vector of {@link #length()} elements
     * @return a new compatible set holding the values of {@code vector}
     * @throws IllegalArgumentException if the length differs
     */
    public ParamSet withFlat(INDArray vector) {
        if (vector.length() != flat.length()) {
            throw new IllegalArgumentException("flat vector must have " + flat.length() + " elements, got "
                    + vector.length());
        }
        ParamSet p = zerosLike();
        p.flat.assign(vector.reshape(flat.length()).castTo(flat.dataType()));
        return p;
    }

    /**
     * This set's layout over a vector's memory, not copied: the returned set's tensors are views of {@code vector},
     * which the set then owns ({@link #release} closes it).
     *
     * @param vector a dense vector of {@link #length()} elements in this set's data type
     * @return a compatible set whose flat vector is {@code vector}
     * @throws IllegalArgumentException if the length, rank or data type differs
     */
    public ParamSet over(INDArray vector) {
        if (vector.rank() != 1 || vector.length() != flat.length() || vector.dataType() != flat.dataType()) {
            throw new IllegalArgumentException("a set over a vector needs a " + flat.dataType() + " vector of "
                    + flat.length() + " elements, got " + vector.dataType() + " " + Arrays.toString(vector.shape()));
        }
        return new ParamSet(names, shapes, vector);
    }

    private static long length(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** @return the names, in order */
    public List<String> names() {
        return names;
    }

    /**
     * @param name a parameter name
     * @return whether this set has a tensor of that name
     */
    public boolean contains(String name) {
        return views.containsKey(name);
    }

    /**
     * @param name a parameter name
     * @return the tensor (a view of {@link #flat()}: writes go through)
     * @throws IllegalArgumentException if there is no such name
     */
    public INDArray get(String name) {
        INDArray v = views.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no parameter named '" + name + "'; names are " + names);
        }
        return v;
    }

    /**
     * @param name a parameter name
     * @return its shape (a copy)
     */
    public long[] shape(String name) {
        return get(name).shape();
    }

    /** @return names and shapes in order (unmodifiable) */
    public Map<String, long[]> specs() {
        return shapes;
    }

    /** @return the flat backing vector (writes go through to every tensor) */
    public INDArray flat() {
        return flat;
    }

    /** @return the total number of scalars */
    public long length() {
        return flat.length();
    }

    /** @return the data type */
    public DataType dataType() {
        return flat.dataType();
    }

    /**
     * Hands this set's native buffer back now instead of leaving it to the garbage collector
     * ({@link NativeArrays}); its tensors are views of that buffer, so neither the set nor any tensor taken from it
     * may be read afterwards. Only for a set its caller owns: one from {@link #zeros}, {@link #copyOf},
     * {@link #copy}, {@link #zerosLike}, {@link #castTo} or an arithmetic method, never one made by
     * {@link #withFlat} around someone else's vector. No-op when already released or not closeable.
     */
    public void release() {
        NativeArrays.close(List.of(flat), List.of());
    }

    /** @return a deep copy */
    public ParamSet copy() {
        ParamSet p = zerosLike();
        p.flat.assign(flat);
        return p;
    }

    /** @return a zero set with this layout */
    public ParamSet zerosLike() {
        return new ParamSet(names, shapes, Nd4j.zeros(flat.dataType(), flat.length()));
    }

    /**
     * @param dataType the target data type
     * @return a copy converted to {@code dataType}
     */
    public ParamSet castTo(DataType dataType) {
        ParamSet p = zeros(shapes, dataType);
        p.flat.assign(flat.castTo(dataType));
        return p;
    }

    /**
     * Selects some tensors, in the given order, as a new set (values copied).
     *
     * @param selected names to keep
     * @return the new set
     * @throws IllegalArgumentException if a name is missing
     */
    public ParamSet select(List<String> selected) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (String n : selected) {
            m.put(n, get(n));
        }
        return copyOf(m);
    }

    /**
     * Checks that {@code other} has the same names, order, shapes and data type.
     *
     * @param other the other set
     * @param what how to name {@code other} in the error message
     * @throws IllegalArgumentException naming the first difference
     */
    public void requireCompatible(ParamSet other, String what) {
        if (!names.equals(other.names)) {
            throw new IllegalArgumentException(what + " must have the parameters " + names + ", got " + other.names);
        }
        for (String n : names) {
            if (!Arrays.equals(shapes.get(n), other.shapes.get(n))) {
                throw new IllegalArgumentException(what + " parameter '" + n + "' must have shape "
                        + Arrays.toString(shapes.get(n)) + ", got " + Arrays.toString(other.shapes.get(n)));
            }
        }
        if (dataType() != other.dataType()) {
            throw new IllegalArgumentException(what + " must have data type " + dataType() + ", got "
                    + other.dataType());
        }
    }

    /**
     * In place: {@code this += a * x} (BLAS axpy).
     *
     * @param a scale
     * @param x a compatible set
     * @return this
     */
    public ParamSet axpyi(double a, ParamSet x) {
        requireCompatible(x, "x");
        Nd4j.getBlasWrapper().level1().axpy(flat.length(), a, x.flat, flat);
        return this;
    }

    /**
     * @param a scale
     * @param x a compatible set
     * @return a new set {@code this + a * x}
     */
    public ParamSet axpy(double a, ParamSet x) {
        return copy().axpyi(a, x);
    }

    /**
     * In place: {@code this *= a}.
     *
     * @param a scale
     * @return this
     */
    public ParamSet scalei(double a) {
        flat.muli(a);
        return this;
    }

    /**
     * In place: copies the values of {@code x} into this set.
     *
     * @param x a compatible set
     * @return this
     */
    public ParamSet assign(ParamSet x) {
        requireCompatible(x, "x");
        flat.assign(x.flat);
        return this;
    }

    /**
     * @param x a compatible set
     * @return the inner product {@code <this, x>} over all tensors
     */
    public double dot(ParamSet x) {
        requireCompatible(x, "x");
        return Nd4j.getBlasWrapper().dot(flat, x.flat);
    }

    /** @return the Euclidean norm over all tensors */
    public double norm2() {
        return flat.norm2Number().doubleValue();
    }

    /** @return whether every element is finite */
    public boolean isFinite() {
        return NativeArrays.allFinite(flat);
    }

    /** @return the first name whose tensor holds a NaN or infinity, or null if all are finite */
    public String firstNonFinite() {
        if (NativeArrays.allFinite(flat)) {
            return null; // one pass over the backing vector, the usual case
        }
        for (String n : names) {
            if (!NativeArrays.allFinite(views.get(n))) {
                return n;
            }
        }
        return null;
    }

    /** @return a copy of the name-to-tensor map, with copied tensors */
    public Map<String, INDArray> toMap() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (String n : names) {
            m.put(n, views.get(n).dup());
        }
        return m;
    }

    /** @return the views by name (unmodifiable; tensors are live views) */
    public Map<String, INDArray> views() {
        return Collections.unmodifiableMap(views);
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (String n : names) {
            parts.add(n + Arrays.toString(shapes.get(n)));
        }
        return "ParamSet" + parts + " " + dataType() + " (" + flat.length() + " scalars)";
    }
}
