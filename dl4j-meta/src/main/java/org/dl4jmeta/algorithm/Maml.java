package org.dl4jmeta.algorithm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.graph.MamlGraph;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Model-Agnostic Meta-Learning (Finn, Abbeel, Levine 2017, Algorithm 2) with K inner SGD steps.
 *
 * <p>Second order: the meta-gradient d L_query(phi_K) / d theta is exact, obtained by SameDiff autodiff of the
 * unrolled inner loop whose gradients are written as differentiable ops ({@link MamlGraph}); for one step it is
 * (I - alpha H_support(theta)) grad L_query(phi_1). First order ({@link MamlConfig#firstOrder()}): the inner
 * gradients are constants and the meta-gradient is grad L_query(phi_K), computed without any autodiff.
 * With learned step sizes the gradient also covers every alpha_k (first order: dL/dalpha_k = -&lt;grad L_query(phi_K),
 * grad L_support(phi_k)&gt;).
 *
 * <p>Graphs are built once per episode shape and reused. Not thread-safe: one instance per thread.
 */
public final class Maml implements MetaLearner {

    private final Network network;
    private final MamlConfig config;
    private final InnerLoop inner;
    /** Test-time adaptation: results independent of the thread count. */
    private final InnerLoop adaptation;
    private final Map<Episode.ShapeKey, MamlGraph> graphs = new HashMap<>();
    private final List<Map<String, String>> rateNames;

    /**
     * @param network the network to meta-learn
     * @param config MAML settings
     */
    public Maml(Network network, MamlConfig config) {
        this.network = java.util.Objects.requireNonNull(network, "network");
        this.config = java.util.Objects.requireNonNull(config, "config");
        this.inner = new InnerLoop(network, true);
        this.adaptation = new InnerLoop(network, false);
        if (config.learnInnerStepSizes()) {
            List<Map<String, String>> names = new ArrayList<>();
            for (int k = 0; k < config.innerSteps(); k++) {
                Map<String, String> m = new LinkedHashMap<>();
                for (String n : network.paramNames()) {
                    m.put(n, rateName(k, n));
                }
                names.add(m);
            }
            this.rateNames = List.copyOf(names);
        } else {
            this.rateNames = null;
        }
    }

    /**
     * @param step inner step k
     * @param param network parameter name
     * @return the name of the learned step size of that parameter at that step
     */
    public static String rateName(int step, String param) {
        return "alpha/step" + step + "/" + param;
    }

    @Override
    public String id() {
        return config.firstOrder() ? "fomaml" : "maml";
    }

    @Override
    public Network network() {
        return network;
    }

    /** @return the configuration */
    public MamlConfig config() {
        return config;
    }

    @Override
    public int innerSteps() {
        return config.innerSteps();
    }

    @Override
    public ParamSet initialise(long seed, DataType dataType) {
        ParamSet net = network.initialise(seed, dataType);
        if (rateNames == null) {
            return net;
        }
        Map<String, INDArray> all = new LinkedHashMap<>(net.views());
        for (Map<String, String> step : rateNames) {
            for (String an : step.values()) {
                all.put(an, org.nd4j.linalg.factory.Nd4j.valueArrayOf(new long[] {1}, config.innerStepSize(),
                        dataType));
            }
        }
        return ParamSet.copyOf(all);
    }

    private void requireTheta(ParamSet theta) {
        network.requireParams(theta, "theta");
        if (rateNames != null) {
            for (Map<String, String> step : rateNames) {
                for (String an : step.values()) {
                    if (!theta.contains(an)) {
                        throw new IllegalArgumentException("theta lacks learned step size '" + an
                                + "' (learnInnerStepSizes is on; create theta with initialise())");
                    }
                }
            }
        }
    }

    private double rate(ParamSet theta, String param, int step) {
        if (rateNames == null) {
            return config.innerStepSize();
        }
        int k = Math.min(step, config.innerSteps() - 1);
        return theta.get(rateName(k, param)).getDouble(0);
    }

    @Override
    public ParamSet adapt(ParamSet theta, INDArray supportX, INDArray supportY, int steps) {
        requireTheta(theta);
        inner.requireAdaptation(theta, supportX, supportY, steps);
        return adaptation.sgd(theta, supportX, supportY, steps, (n, k) -> rate(theta, n, k), null);
    }

    @Override
    public MetaGradient metaGradient(ParamSet theta, Episode episode, boolean preAdaptationMetrics) {
        requireTheta(theta);
        inner.requireEpisode(theta, episode);
        double[] before = inner.queryAtTheta(theta, episode, preAdaptationMetrics);
        return config.firstOrder() ? firstOrder(theta, episode, before) : secondOrder(theta, episode, before);
    }

    /** @param before query loss and accuracy at theta, from {@link InnerLoop#queryAtTheta} */
    private MetaGradient secondOrder(ParamSet theta, Episode e, double[] before) {
        MamlGraph g = graphs.computeIfAbsent(e.shapeKey(),
                k -> new MamlGraph(network, k, config.innerSteps(), config.innerStepSize(), rateNames));
        MamlGraph.Result r = g.run(theta, e);
        TaskMetrics m = new TaskMetrics(r.supportLossBefore(), before[0], before[1], r.queryLossAfter(),
                inner.accuracy(r.queryOutputAfter(), e.queryY()));
        return new MetaGradient(r.gradient(), m);
    }

    /** @param before query loss and accuracy at theta, from {@link InnerLoop#queryAtTheta} */
    private MetaGradient firstOrder(ParamSet theta, Episode e, double[] before) {
        List<ParamSet> supportGrads = new ArrayList<>();
        List<Double> supportLosses = new ArrayList<>();
        ParamSet phi = inner.sgd(theta, e.supportX(), e.supportY(), config.innerSteps(),
                (n, k) -> rate(theta, n, k), supportGrads, supportLosses);
        LossGradGraph.Result after = inner.graph(e.queryX().size(0), theta.dataType())
                .run(phi, e.queryX(), e.queryY(), true);
        double supportBefore = supportLosses.get(0);
        ParamSet grad = theta.zerosLike();
        for (String n : network.paramNames()) {
            grad.get(n).assign(after.gradient().get(n));
        }
        if (rateNames != null) {
            for (int k = 0; k < config.innerSteps(); k++) {
                for (String n : network.paramNames()) {
                    double d = -after.gradient().get(n).mul(supportGrads.get(k).get(n)).sumNumber().doubleValue();
                    grad.get(rateName(k, n)).assign(d);
                }
            }
        }
        TaskMetrics m = new TaskMetrics(supportBefore, before[0], before[1], after.loss(),
                inner.accuracy(after.output(), e.queryY()));
        return new MetaGradient(grad, m);
    }

    /**
     * Saves and restores MAML as {@code maml}: its {@link MamlConfig}; first-order MAML is the alias {@code fomaml}
     * ({@code firstOrder} set).
     */
    public static final class Type implements LearnerType<MamlConfig, Maml> {

        @Override
        public String id() {
            return "maml";
        }

        @Override
        public Class<MamlConfig> configClass() {
            return MamlConfig.class;
        }

        @Override
        public Class<Maml> learnerClass() {
            return Maml.class;
        }

        /** Second order, the given fixed step size. */
        @Override
        public MamlConfig defaultConfig(int innerSteps, double innerStepSize) {
            return MamlConfig.secondOrder(innerSteps, innerStepSize);
        }

        @Override
        public Map<String, Map<String, Object>> aliases() {
            return Map.of("fomaml", Map.of("firstOrder", true));
        }

        @Override
        public Maml create(Network network, MamlConfig config) {
            return new Maml(network, config);
        }

        @Override
        public MamlConfig config(Maml learner) {
            return learner.config();
        }
    }
}
