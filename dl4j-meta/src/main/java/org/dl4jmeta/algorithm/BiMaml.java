package org.dl4jmeta.algorithm;

import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.train.IterationMetrics;
import org.dl4jmeta.train.TrainingListener;
import org.dl4jmeta.train.TrainingState;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Biphasic MAML (Xu, Chen, Karbasi, BI-MAML). Phase 1: the meta-gradient of a task is grad f_i(theta), the
 * gradient of its query loss without adaptation (first-order cost). When the averaged gradient's norm of an
 * iteration drops below epsilon0 the learner switches to phase 2, exact MAML ({@link Maml}), and records the
 * iteration; training stops once the MAML meta-gradient's norm is at most epsilon.
 *
 * <p>It is also a {@link TrainingListener}: register it on the {@code MetaTrainer} so it sees every iteration's
 * gradient norm. Stateful (the phase): call order is construct, register, train; not thread-safe.
 */
public final class BiMaml implements MetaLearner, TrainingListener {

    private final Network network;
    private final BiMamlConfig config;
    private final Maml maml;
    private final InnerLoop inner;
    private int phase = 1;
    private int switchIteration = -1;

    /**
     * @param network the network
     * @param config BI-MAML settings
     */
    public BiMaml(Network network, BiMamlConfig config) {
        this.network = java.util.Objects.requireNonNull(network, "network");
        this.config = java.util.Objects.requireNonNull(config, "config");
        this.maml = new Maml(network, config.maml());
        this.inner = new InnerLoop(network, true);
    }

    @Override
    public String id() {
        return "bimaml";
    }

    @Override
    public Network network() {
        return network;
    }

    /** @return the configuration */
    public BiMamlConfig config() {
        return config;
    }

    /** @return 1 (plain gradient descent on f) or 2 (MAML on F) */
    public int phase() {
        return phase;
    }

    /** @return the iteration at whose end phase 2 began, or -1 while in phase 1 */
    public int switchIteration() {
        return switchIteration;
    }

    @Override
    public int innerSteps() {
        return maml.innerSteps();
    }

    @Override
    public ParamSet initialise(long seed, DataType dataType) {
        return maml.initialise(seed, dataType);
    }

    @Override
    public ParamSet adapt(ParamSet theta, INDArray x, INDArray y, int steps) {
        return maml.adapt(theta, x, y, steps);
    }

    @Override
    public MetaGradient metaGradient(ParamSet theta, Episode e, boolean preAdaptationMetrics) {
        if (phase == 2) {
            return maml.metaGradient(theta, e, preAdaptationMetrics);
        }
        network.requireParams(theta, "theta");
        inner.requireEpisode(theta, e);
        LossGradGraph q = inner.graph(e.queryX().size(0), theta.dataType());
        LossGradGraph.Result r = q.run(theta, e.queryX(), e.queryY(), true);
        double supportLoss = inner.supportLossAtTheta(theta, e, preAdaptationMetrics);
        double acc = inner.accuracy(r.output(), e.queryY());
        ParamSet g = theta.zerosLike();
        for (String n : network.paramNames()) {
            g.get(n).assign(r.gradient().get(n));
        }
        return new MetaGradient(g, new TaskMetrics(supportLoss, r.loss(), acc, r.loss(), acc));
    }

    @Override
    public void iterationDone(IterationMetrics metrics, TrainingState state) {
        if (phase == 1 && metrics.gradientNorm() < config.epsilon0()) {
            phase = 2;
            switchIteration = metrics.iteration();
        }
    }

    @Override
    public boolean shouldStop(IterationMetrics metrics, TrainingState state) {
        return phase == 2 && metrics.iteration() > switchIteration && metrics.gradientNorm() <= config.epsilon();
    }
}
