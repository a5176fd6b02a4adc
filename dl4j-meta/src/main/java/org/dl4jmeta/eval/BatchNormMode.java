package org.dl4jmeta.eval;

import java.util.Arrays;
import java.util.Locale;

/**
 * Where batch norm takes its statistics when an adapted model predicts query examples.
 *
 * <ul>
 *   <li>{@link #TRANSDUCTIVE}: the statistics of the batch being predicted, as in Finn et al.'s MAML code and
 *       the papers' numbers; a query's prediction depends on the other queries in its batch.</li>
 *   <li>{@link #SUPPORT}: after adaptation, each batch norm layer's statistics are those of the support set at the
 *       adapted parameters, held fixed while the queries are predicted, so each query's prediction is independent
 *       of the rest of its batch (the non-transductive setting Nichol et al. 2018, section 6, report separately).
 *       Adaptation itself normalises the support set by its own statistics in both modes.</li>
 * </ul>
 */
public enum BatchNormMode {
    /** statistics of the predicted batch */
    TRANSDUCTIVE,
    /** statistics of the support set at the adapted parameters */
    SUPPORT;

    /** @return the lower-case name used on the command line and in result files, e.g. {@code support} */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param id {@code transductive} or {@code support} (case-insensitive)
     * @return the mode
     * @throws IllegalArgumentException naming the value and the choices
     */
    public static BatchNormMode parse(String id) {
        for (BatchNormMode m : values()) {
            if (m.id().equalsIgnoreCase(id == null ? "" : id.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("batch norm mode must be one of "
                + String.join(", ", Arrays.stream(values()).map(BatchNormMode::id).toList()) + ", got '" + id + "'");
    }
}
