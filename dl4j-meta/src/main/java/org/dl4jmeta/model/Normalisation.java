package org.dl4jmeta.model;

import java.util.Map;
import java.util.Objects;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * A layer that normalises its input with statistics of the batch it sees ({@link BatchNorm}), and that can instead
 * use statistics given from outside: those of an adapted task's support set, so that each query image is predicted
 * independently of the others in its batch (the non-transductive setting that Nichol et al. 2018, section 6,
 * report beside the transductive one), or a DL4J model's running statistics.
 */
public interface Normalisation extends Layer {

    /**
     * Adds a forward pass that normalises with the given statistics instead of the batch's. Its
     * {@link Pass#backward} treats the statistics as constants.
     *
     * @param sd the graph
     * @param x input {@code [batch, inputShape...]}
     * @param inputShape full input shape including the batch dimension
     * @param params local name to parameter variable
     * @param statistics per-channel mean and variance, each {@code [channels]}
     * @return the pass; its {@link StatisticsPass#statistics()} are the given ones
     */
    StatisticsPass forward(SameDiff sd, SDVariable x, long[] inputShape, Map<String, SDVariable> params,
                           Statistics statistics);

    /**
     * Per-channel statistics of a normalisation layer.
     *
     * @param mean per-channel mean {@code [channels]}
     * @param variance per-channel (biased) variance {@code [channels]}
     */
    record Statistics(SDVariable mean, SDVariable variance) {

        /** @throws NullPointerException if either is null */
        public Statistics {
            Objects.requireNonNull(mean, "mean");
            Objects.requireNonNull(variance, "variance");
        }
    }

    /** A pass of a normalisation layer, which tells the statistics it normalised with. */
    interface StatisticsPass extends Pass {

        /** @return the statistics used: the batch's, or the given ones */
        Statistics statistics();
    }
}
