package org.dl4jmeta.update;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An update restricted to some tensors: the named ones take the wrapped update's step, every other keeps
 * phi = theta through all inner steps (no ops for it in the unrolled graph). ANIL (Raghu, Raghu, Bengio, Vinyals
 * 2020) adapts the head only: {@code InnerUpdate.sgd(alpha).adapting(List.of("head/W", "head/b"))}.
 *
 * @param base the update of the adapting tensors
 * @param tensors the names of the tensors that adapt, at least one, each once
 */
public record Masked(InnerUpdate base, List<String> tensors) implements InnerUpdate {

    /**
     * @throws IllegalArgumentException if no tensor is named, or one twice or blank
     */
    public Masked {
        Objects.requireNonNull(base, "base");
        tensors = List.copyOf(Objects.requireNonNull(tensors, "tensors"));
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("a mask must name at least one tensor to adapt, got " + tensors);
        }
        HashSet<String> seen = new HashSet<>();
        for (String t : tensors) {
            if (t.isBlank() || !seen.add(t)) {
                throw new IllegalArgumentException("mask names '" + t + "' " + (t.isBlank() ? "(blank)" : "twice")
                        + ": " + tensors);
            }
        }
    }

    @Override
    public <T> T apply(TensorMath<T> math, UpdateStep<T> s) {
        return base.apply(math, s);
    }

    @Override
    public List<MetaParameter> metaParameters(Map<String, long[]> adapted, int steps) {
        return base.metaParameters(adapted, steps);
    }

    @Override
    public Map<String, INDArray> firstOrderGradient(UpdateStep<INDArray> s, INDArray v) {
        return base.firstOrderGradient(s, v);
    }

    @Override
    public boolean adapts(String tensor) {
        return tensors.contains(tensor) && base.adapts(tensor);
    }

    @Override
    public void requireTensors(Collection<String> all) {
        for (String t : tensors) {
            if (!all.contains(t)) {
                throw new IllegalArgumentException("mask names unknown tensor '" + t + "'; the network's tensors: "
                        + all);
            }
        }
        base.requireTensors(all);
    }
}
