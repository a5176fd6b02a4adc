package org.dl4jmeta.experiments;

import java.util.Map;
import org.dl4jmeta.provenance.Provenance;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The one place where the experiments gather provenance (commit, project, ND4J and backend versions, data type,
 * configuration, seed, start and end time): it delegates to {@link Provenance}. The synthetic experiments read no
 * data files and compute in DOUBLE.
 */
public final class ExperimentProvenance {

    private ExperimentProvenance() {
    }

    /**
     * Records the provenance of an experiment that starts now.
     *
     * @param seed the experiment's seed
     * @param config its full configuration
     * @return the provenance without an end time; call {@link Provenance#finished()} when the experiment ends
     */
    public static Provenance start(long seed, Map<String, Object> config) {
        return Provenance.capture(DataType.DOUBLE, seed, config, Map.of());
    }
}
