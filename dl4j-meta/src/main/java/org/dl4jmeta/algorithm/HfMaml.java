package org.dl4jmeta.algorithm;

import java.util.List;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.update.InnerUpdate;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Hessian-free MAML (Fallah, Mokhtari, Ozdaglar 2020, Algorithm 3): the one-step MAML gradient
 * (I - alpha H(w)) grad f(w - alpha grad f(w, D_in), D_o) with the Hessian-vector product H(w) v replaced by the
 * central difference (grad f(w + delta v, D_h) - grad f(w - delta v, D_h)) / (2 delta), so only first-order
 * gradients are ever computed.
 *
 * <p>In an episode D_in = D_h = the support set and D_o = the query set (the paper draws three independent
 * batches of a task's data; few-shot episodes have one training set). Not thread-safe.
 */
public final class HfMaml implements MetaLearner {

    private final Network network;
    private final HfMamlConfig config;
    private final InnerLoop inner;
    /** Test-time adaptation: results independent of the thread count. */
    private final InnerLoop adaptation;
    private final InnerUpdate update;

    /**
     * @param network the network
     * @param config HF-MAML settings
     */
    public HfMaml(Network network, HfMamlConfig config) {
        this.network = java.util.Objects.requireNonNull(network, "network");
        this.config = java.util.Objects.requireNonNull(config, "config");
        this.inner = new InnerLoop(network, true);
        this.adaptation = new InnerLoop(network, false);
        this.update = InnerUpdate.sgd(config.innerStepSize());
    }

    @Override
    public String id() {
        return "hfmaml";
    }

    @Override
    public Network network() {
        return network;
    }

    /** @return the configuration */
    public HfMamlConfig config() {
        return config;
    }

    @Override
    public int innerSteps() {
        return 1;
    }

    @Override
    public ParamSet initialise(long seed, DataType dataType) {
        return network.initialise(seed, dataType);
    }

    @Override
    public ParamSet adapt(ParamSet theta, INDArray x, INDArray y, int steps) {
        inner.requireAdaptation(theta, x, y, steps);
        return adaptation.adapt(theta, x, y, steps, update, steps, null);
    }

    /**
     * The finite-difference Hessian-vector product on a batch.
     *
     * @param w the point
     * @param x inputs of D_h
     * @param y targets of D_h
     * @param v the direction
     * @param delta the step
     * @return (grad f(w + delta v) - grad f(w - delta v)) / (2 delta)
     */
    public ParamSet finiteDifferenceHvp(ParamSet w, INDArray x, INDArray y, ParamSet v, double delta) {
        LossGradGraph g = inner.graph(x.size(0), w.dataType());
        ParamSet plus = g.run(w.axpy(delta, v), x, y, true).gradient();
        ParamSet minus = g.run(w.axpy(-delta, v), x, y, true).gradient();
        return plus.axpyi(-1, minus).scalei(1 / (2 * delta));
    }

    /**
     * @param v the vector the Hessian multiplies
     * @return the finite-difference step: fixed, or 1 / (6 rho alpha ||v||) (Theorem 4.17)
     */
    public double delta(ParamSet v) {
        if (config.rho() == 0) {
            return config.delta();
        }
        double norm = v.norm2();
        return norm > 0 ? 1 / (6 * config.rho() * config.innerStepSize() * norm) : config.delta();
    }

    @Override
    public MetaGradient metaGradient(ParamSet theta, Episode e, boolean preAdaptationMetrics) {
        network.requireParams(theta, "theta");
        inner.requireEpisode(theta, e);
        ParamSet w = theta.select(network.paramNames());
        LossGradGraph s = inner.graph(e.supportX().size(0), theta.dataType());
        LossGradGraph q = inner.graph(e.queryX().size(0), theta.dataType());
        LossGradGraph.Result sb = s.run(w, e.supportX(), e.supportY(), true);
        ParamSet adapted = w.axpy(-config.innerStepSize(), sb.gradient());
        LossGradGraph.Result after = q.run(adapted, e.queryX(), e.queryY(), true);
        ParamSet v = after.gradient();
        ParamSet d = finiteDifferenceHvp(w, e.supportX(), e.supportY(), v, delta(v));
        ParamSet g = v.axpy(-config.innerStepSize(), d);
        double[] before = inner.queryAtTheta(w, e, preAdaptationMetrics);
        TaskMetrics m = new TaskMetrics(sb.loss(), before[0], before[1], after.loss(),
                inner.accuracy(after.output(), e.queryY()));
        return new MetaGradient(theta.zerosLike().assign(g), m);
    }

    /**
     * The adaptive outer step of Lemma 4.9, beta = c / (4 L + (2 rho alpha / B) sum_j ||grad f_j(w)||), with
     * grad f_j on task j's query set; 1 when the adaptive step is off (the optimiser's own step applies).
     */
    @Override
    public double outerStepScale(ParamSet theta, List<Episode> batch) {
        if (!config.adaptiveOuterStep()) {
            return 1.0;
        }
        double sum = 0;
        for (Episode e : batch) {
            sum += inner.graph(e.queryX().size(0), theta.dataType()).run(theta, e.queryX(), e.queryY(), true)
                    .gradient().norm2();
        }
        double lTilde = 4 * config.smoothness()
                + 2 * config.rho() * config.innerStepSize() / batch.size() * sum;
        return config.stepConstant() / lTilde;
    }

    /** Saves and restores HF-MAML as {@code hfmaml}: its {@link HfMamlConfig}. */
    public static final class Type implements LearnerType<HfMamlConfig, HfMaml> {

        @Override
        public String id() {
            return "hfmaml";
        }

        @Override
        public Class<HfMamlConfig> configClass() {
            return HfMamlConfig.class;
        }

        @Override
        public Class<HfMaml> learnerClass() {
            return HfMaml.class;
        }

        /** A fixed finite-difference step of 1e-3; HF-MAML takes exactly one inner step. */
        @Override
        public HfMamlConfig defaultConfig(int innerSteps, double innerStepSize) {
            if (innerSteps != 1) {
                throw new IllegalArgumentException("hfmaml takes exactly one inner step (Fallah et al. 2020), got "
                        + "innerSteps " + innerSteps);
            }
            return HfMamlConfig.fixedDelta(innerStepSize, 1e-3);
        }

        @Override
        public HfMaml create(Network network, HfMamlConfig config) {
            return new HfMaml(network, config);
        }

        @Override
        public HfMamlConfig config(HfMaml learner) {
            return learner.config();
        }
    }
}
