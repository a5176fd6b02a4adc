package org.dl4jmeta.dl4j;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.dl4jmeta.model.Normalisation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A batch-norm layer's per-channel statistics as values: a DL4J model's running mean and variance (what its
 * {@code output()} normalises with), or the statistics of given images that an export writes in their place.
 *
 * @param mean per-channel mean {@code [channels]}
 * @param variance per-channel (biased) variance {@code [channels]}, &gt;= 0
 */
public record RunningStatistics(INDArray mean, INDArray variance) {

    /** @throws IllegalArgumentException if the shapes differ or are not vectors */
    public RunningStatistics {
        Objects.requireNonNull(mean, "mean");
        Objects.requireNonNull(variance, "variance");
        if (mean.rank() != 1 || !Arrays.equals(mean.shape(), variance.shape())) {
            throw new IllegalArgumentException("mean and variance must be vectors of one length, got "
                    + Arrays.toString(mean.shape()) + " and " + Arrays.toString(variance.shape()));
        }
    }

    /**
     * The statistics as constants of a graph, for {@code Network.forward(sd, x, batch, params, statistics)}.
     *
     * @param sd the graph
     * @param statistics batch-norm layer name to its statistics
     * @return the same, as graph constants
     */
    public static Map<String, Normalisation.Statistics> constants(SameDiff sd, Map<String, RunningStatistics> statistics) {
        Map<String, Normalisation.Statistics> m = new LinkedHashMap<>();
        statistics.forEach((k, v) -> m.put(k, new Normalisation.Statistics(sd.constant(v.mean()),
                sd.constant(v.variance()))));
        return m;
    }
}
