package org.dl4jmeta.algorithm;

import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonValue;

/**
 * How second-order MAML keeps what its meta-gradient needs; both give the same meta-gradient (to rounding).
 *
 * <ul>
 *   <li>{@link #UNROLLED}: one graph of all K inner steps differentiated by SameDiff, which keeps every step's
 *       intermediates until the backward pass has used them: memory grows with K
 *       ({@link org.dl4jmeta.graph.MamlGraph}).</li>
 *   <li>{@link #RECOMPUTE}: checkpointing at step boundaries (Griewank and Walther 2000, ch. 12): the inner loop runs
 *       forward keeping only phi_0..phi_K, then, from the query gradient at phi_K backwards, each step is run again
 *       and its vector-Jacobian product taken; one step's graph is alive at a time, so memory is about one step's
 *       whatever K, for about one more forward pass of the inner loop ({@link org.dl4jmeta.graph.RecomputedMamlGraph}).
 *   </li>
 * </ul>
 */
public enum SecondOrderMemory {
    /** Keep every inner step's intermediates (one unrolled graph). */
    UNROLLED,
    /** Keep the inner iterates only and recompute one step at a time backwards. */
    RECOMPUTE;

    /** @return the lower-case name used in configurations and on the command line */
    @JsonValue
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * @param id {@code unrolled} or {@code recompute} (case ignored)
     * @return the mode
     * @throws IllegalArgumentException naming an unknown id and the known ones
     */
    @JsonCreator
    public static SecondOrderMemory of(String id) {
        for (SecondOrderMemory m : values()) {
            if (m.id().equalsIgnoreCase(id == null ? "" : id.strip())) {
                return m;
            }
        }
        throw new IllegalArgumentException("secondOrderMemory must be unrolled or recompute, got '" + id + "'");
    }
}
