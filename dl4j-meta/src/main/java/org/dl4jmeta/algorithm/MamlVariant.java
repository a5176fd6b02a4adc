package org.dl4jmeta.algorithm;

import java.util.Objects;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A learner that is MAML (Finn, Abbeel, Levine 2017, eq. 1: min over theta of sum_T L_query(phi_K(theta))) with its
 * own inner update, such as ANIL's head-only steps ({@link Anil}) or Meta-SGD's per-element step sizes
 * ({@link MetaSgd}): initialisation, adaptation and the meta-gradient are the wrapped {@link Maml}'s, so the
 * second-order meta-gradient stays the exact derivative of the unrolled inner loop. A subclass adds its id, its
 * configuration and its {@link LearnerType}; a user's variant can do the same with any
 * {@link org.dl4jmeta.update.InnerUpdate}.
 *
 * <p>Not thread-safe (graph caches): one instance per thread.
 */
public abstract class MamlVariant implements MetaLearner {

    private final Maml maml;

    /**
     * @param maml the MAML whose inner update is the variant's
     */
    protected MamlVariant(Maml maml) {
        this.maml = Objects.requireNonNull(maml, "maml");
    }

    /** @return the wrapped MAML */
    protected final Maml maml() {
        return maml;
    }

    @Override
    public final Network network() {
        return maml.network();
    }

    @Override
    public final int innerSteps() {
        return maml.innerSteps();
    }

    @Override
    public ParamSet initialise(long seed, DataType dataType) {
        return maml.initialise(seed, dataType);
    }

    @Override
    public ParamSet adapt(ParamSet theta, INDArray supportX, INDArray supportY, int steps) {
        return maml.adapt(theta, supportX, supportY, steps);
    }

    @Override
    public MetaGradient metaGradient(ParamSet theta, Episode episode, boolean preAdaptationMetrics) {
        return maml.metaGradient(theta, episode, preAdaptationMetrics);
    }
}
