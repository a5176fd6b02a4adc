package org.dl4jmeta.algorithm;

import java.util.ArrayList;
import java.util.List;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.update.InnerUpdate;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reptile (Nichol, Achiam, Schulman 2018, Algorithm 1): K SGD steps on the task's support set from theta give
 * phi_K, and the meta-gradient handed to the outer optimiser is theta - phi_K. With SGD of step epsilon this is
 * the paper's update theta &lt;- theta + epsilon (phi_K - theta); Adam works too (the paper's few-shot runs used
 * Adam in the inner loop; here the inner loop is plain SGD so the closed form (I - alpha A)^K holds on quadratics).
 *
 * <p>Not thread-safe: one instance per thread.
 */
public final class Reptile implements MetaLearner {

    private final Network network;
    private final ReptileConfig config;
    private final InnerLoop inner;
    /** Test-time adaptation: results independent of the thread count. */
    private final InnerLoop adaptation;
    private final InnerUpdate update;

    /**
     * @param network the network to meta-learn
     * @param config Reptile settings
     */
    public Reptile(Network network, ReptileConfig config) {
        this.network = java.util.Objects.requireNonNull(network, "network");
        this.config = java.util.Objects.requireNonNull(config, "config");
        this.inner = new InnerLoop(network, true);
        this.adaptation = new InnerLoop(network, false);
        this.update = InnerUpdate.sgd(config.innerStepSize());
    }

    @Override
    public String id() {
        return "reptile";
    }

    @Override
    public Network network() {
        return network;
    }

    /** @return the configuration */
    public ReptileConfig config() {
        return config;
    }

    @Override
    public int innerSteps() {
        return config.innerSteps();
    }

    @Override
    public ParamSet initialise(long seed, DataType dataType) {
        return network.initialise(seed, dataType);
    }

    @Override
    public ParamSet adapt(ParamSet theta, INDArray supportX, INDArray supportY, int steps) {
        inner.requireAdaptation(theta, supportX, supportY, steps);
        return adaptation.adapt(theta, supportX, supportY, steps, update, steps, null);
    }

    @Override
    public MetaGradient metaGradient(ParamSet theta, Episode e, boolean preAdaptationMetrics) {
        network.requireParams(theta, "theta");
        inner.requireEpisode(theta, e);
        List<Double> supportLosses = new ArrayList<>();
        ParamSet phi = inner.adapt(theta, e.supportX(), e.supportY(), config.innerSteps(), update,
                config.innerSteps(), new InnerLoop.Trace(supportLosses, null, null));
        ParamSet grad = theta.select(network.paramNames()).axpyi(-1.0, phi);
        double[] before = inner.queryAtTheta(theta, e, preAdaptationMetrics);
        LossGradGraph.Result after = inner.graph(e.queryX().size(0), theta.dataType())
                .run(phi, e.queryX(), e.queryY(), false);
        TaskMetrics m = new TaskMetrics(supportLosses.get(0), before[0], before[1], after.loss(),
                inner.accuracy(after.output(), e.queryY()));
        return new MetaGradient(grad, m);
    }

    /** Saves and restores Reptile as {@code reptile}: its {@link ReptileConfig}. */
    public static final class Type implements LearnerType<ReptileConfig, Reptile> {

        @Override
        public String id() {
            return "reptile";
        }

        @Override
        public Class<ReptileConfig> configClass() {
            return ReptileConfig.class;
        }

        @Override
        public Class<Reptile> learnerClass() {
            return Reptile.class;
        }

        @Override
        public ReptileConfig defaultConfig(int innerSteps, double innerStepSize) {
            return new ReptileConfig(innerSteps, innerStepSize);
        }

        @Override
        public Reptile create(Network network, ReptileConfig config) {
            return new Reptile(network, config);
        }

        @Override
        public ReptileConfig config(Reptile learner) {
            return learner.config();
        }
    }
}
