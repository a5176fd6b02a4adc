package org.dl4jmeta.algorithm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.graph.MamlGraph;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.update.InnerUpdate;
import org.dl4jmeta.update.LearnedStepSizes;
import org.dl4jmeta.update.MetaParameter;
import org.dl4jmeta.update.UpdateStep;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Model-Agnostic Meta-Learning (Finn, Abbeel, Levine 2017, Algorithm 2) with K inner steps of an
 * {@link InnerUpdate} (SGD by default).
 *
 * <p>Second order: the meta-gradient d L_query(phi_K) / d theta is exact, obtained by SameDiff autodiff of the
 * unrolled inner loop whose gradients and update steps are written as differentiable ops ({@link MamlGraph}); for one
 * SGD step it is (I - alpha H_support(theta)) grad L_query(phi_1). First order ({@link MamlConfig#firstOrder()}): the
 * inner gradients are constants and the meta-gradient of the network's parameters is grad L_query(phi_K), computed
 * without any autodiff; the update's own meta-parameters get {@link InnerUpdate#firstOrderGradient} summed over the
 * steps (learned step sizes: dL/dalpha_k = -&lt;grad L_query(phi_K), grad L_support(phi_k)&gt;). Theta holds the
 * network's parameters followed by the update's meta-parameters ({@link #initialise}).
 *
 * <p>{@link MamlConfig#secondOrderMemory()} {@code recompute} computes the same second-order meta-gradient with
 * checkpointing at step boundaries ({@link org.dl4jmeta.graph.RecomputedMamlGraph}): memory of one inner step
 * instead of K. Graphs are built once per episode shape and reused. Not thread-safe: one instance per thread.
 */
public final class Maml implements MetaLearner {

    private final Network network;
    private final MamlConfig config;
    private final InnerUpdate update;
    private final List<MetaParameter> metaParameters;
    private final InnerLoop inner;
    /** Test-time adaptation: results independent of the thread count. */
    private final InnerLoop adaptation;
    private final Map<Episode.ShapeKey, MamlGraph> graphs = new HashMap<>();
    private final Map<Episode.ShapeKey, org.dl4jmeta.graph.RecomputedMamlGraph> recomputed = new HashMap<>();

    /**
     * MAML with the inner update its configuration describes ({@link MamlConfig#innerUpdate()}).
     *
     * @param network the network to meta-learn
     * @param config MAML settings
     * @throws IllegalArgumentException if the configuration's adapted tensors are not the network's
     */
    public Maml(Network network, MamlConfig config) {
        this(network, config, java.util.Objects.requireNonNull(config, "config").innerUpdate());
    }

    /**
     * MAML with an inner update of the caller's (e.g. Meta-SGD's per-element step sizes): the configuration gives
     * the inner steps and the order, {@code update} replaces the update the configuration's step-size fields
     * describe. A model file stores the configuration, so a learner built with an update other than
     * {@code config.innerUpdate()} is saved by the learner that wraps it, not as plain MAML.
     *
     * @param network the network to meta-learn
     * @param config MAML settings (innerSteps, firstOrder)
     * @param update the inner update
     * @throws IllegalArgumentException if the update names tensors the network lacks, adapts none, or declares a
     *     meta-parameter named like a network parameter or twice
     */
    public Maml(Network network, MamlConfig config, InnerUpdate update) {
        this.network = java.util.Objects.requireNonNull(network, "network");
        this.config = java.util.Objects.requireNonNull(config, "config");
        this.update = java.util.Objects.requireNonNull(update, "update");
        update.requireTensors(network.paramNames());
        Map<String, long[]> adapted = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : network.paramSpecs().entrySet()) {
            if (update.adapts(e.getKey())) {
                adapted.put(e.getKey(), e.getValue());
            }
        }
        if (adapted.isEmpty()) {
            throw new IllegalArgumentException("inner update " + update + " adapts none of the network's tensors "
                    + network.paramNames());
        }
        this.metaParameters = List.copyOf(update.metaParameters(adapted, config.innerSteps()));
        Set<String> names = new HashSet<>(network.paramNames());
        for (MetaParameter m : metaParameters) {
            if (!names.add(m.name())) {
                throw new IllegalArgumentException("inner update " + update + " declares meta-parameter '"
                        + m.name() + "', a name already in theta");
            }
        }
        this.inner = new InnerLoop(network, true);
        this.adaptation = new InnerLoop(network, false);
    }

    /**
     * @param step inner step k
     * @param param network parameter name
     * @return the name of the learned step size of that parameter at that step ({@link LearnedStepSizes#name})
     */
    public static String rateName(int step, String param) {
        return LearnedStepSizes.name(step, param);
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

    /** @return the inner update */
    public InnerUpdate update() {
        return update;
    }

    @Override
    public int innerSteps() {
        return config.innerSteps();
    }

    @Override
    public ParamSet initialise(long seed, DataType dataType) {
        ParamSet net = network.initialise(seed, dataType);
        if (metaParameters.isEmpty()) {
            return net;
        }
        Map<String, INDArray> all = new LinkedHashMap<>(net.views());
        for (MetaParameter m : metaParameters) {
            all.put(m.name(), Nd4j.valueArrayOf(m.shape(), m.initialValue(), dataType));
        }
        return ParamSet.copyOf(all);
    }

    private void requireTheta(ParamSet theta) {
        network.requireParams(theta, "theta");
        for (MetaParameter m : metaParameters) {
            if (!theta.contains(m.name())) {
                throw new IllegalArgumentException("theta lacks meta-parameter '" + m.name() + "' of the inner update "
                        + update + " (create theta with initialise())");
            }
            if (!java.util.Arrays.equals(theta.shape(m.name()), m.shape())) {
                throw new IllegalArgumentException("theta's '" + m.name() + "' must have shape "
                        + java.util.Arrays.toString(m.shape()) + ", got "
                        + java.util.Arrays.toString(theta.shape(m.name())));
            }
        }
    }

    @Override
    public ParamSet adapt(ParamSet theta, INDArray supportX, INDArray supportY, int steps) {
        requireTheta(theta);
        inner.requireAdaptation(theta, supportX, supportY, steps);
        return adaptation.adapt(theta, supportX, supportY, steps, update, config.innerSteps(), null);
    }

    @Override
    public MetaGradient metaGradient(ParamSet theta, Episode episode, boolean preAdaptationMetrics) {
        requireTheta(theta);
        inner.requireEpisode(theta, episode);
        double[] before = inner.queryAtTheta(theta, episode, preAdaptationMetrics);
        return config.firstOrder() ? firstOrder(theta, episode, before) : secondOrder(theta, episode, before);
    }

    /**
     * The unrolled graph this learner's second-order meta-gradient runs for an episode shape, built on first use.
     *
     * @param key the episode shape
     * @return the graph
     */
    MamlGraph graph(Episode.ShapeKey key) {
        return graphs.computeIfAbsent(key, k -> new MamlGraph(network, k, config.innerSteps(), update, false));
    }

    /**
     * The checkpointed graphs of {@link SecondOrderMemory#RECOMPUTE} for an episode shape, built on first use.
     *
     * @param key the episode shape
     * @return the graphs
     */
    org.dl4jmeta.graph.RecomputedMamlGraph recomputedGraph(Episode.ShapeKey key) {
        return recomputed.computeIfAbsent(key, k -> new org.dl4jmeta.graph.RecomputedMamlGraph(network, k,
                config.innerSteps(), update));
    }

    /** @param before query loss and accuracy at theta, from {@link InnerLoop#queryAtTheta} */
    private MetaGradient secondOrder(ParamSet theta, Episode e, double[] before) {
        MamlGraph.Result r = config.memoryMode() == SecondOrderMemory.RECOMPUTE
                ? recomputedGraph(e.shapeKey()).run(theta, e) : graph(e.shapeKey()).run(theta, e);
        TaskMetrics m = new TaskMetrics(r.supportLossBefore(), before[0], before[1], r.queryLossAfter(),
                inner.accuracy(r.queryOutputAfter(), e.queryY()));
        return new MetaGradient(r.gradient(), m);
    }

    /** @param before query loss and accuracy at theta, from {@link InnerLoop#queryAtTheta} */
    private MetaGradient firstOrder(ParamSet theta, Episode e, double[] before) {
        boolean learned = !metaParameters.isEmpty();
        InnerLoop.Trace trace = new InnerLoop.Trace(new ArrayList<>(), learned ? new ArrayList<>() : null,
                learned ? new ArrayList<>() : null);
        int k = config.innerSteps();
        ParamSet phi = inner.adapt(theta, e.supportX(), e.supportY(), k, update, k, trace);
        LossGradGraph.Result after = inner.graph(e.queryX().size(0), theta.dataType())
                .run(phi, e.queryX(), e.queryY(), true);
        double supportBefore = trace.losses().get(0);
        ParamSet grad = theta.zerosLike();
        for (String n : network.paramNames()) {
            grad.get(n).assign(after.gradient().get(n));
        }
        if (learned) {
            Set<String> reached = new HashSet<>();
            for (int s = 0; s < k; s++) {
                Map<String, INDArray> phiS = trace.iterates().get(s);
                ParamSet gS = trace.gradients().get(s);
                for (String n : network.paramNames()) {
                    if (!update.adapts(n)) {
                        continue;
                    }
                    UpdateStep<INDArray> step = new UpdateStep<>(s, k, n, theta.get(n), phiS.get(n), gS.get(n),
                            theta::get);
                    for (Map.Entry<String, INDArray> c : update.firstOrderGradient(step, after.gradient().get(n))
                            .entrySet()) {
                        grad.get(c.getKey()).addi(c.getValue());
                        reached.add(c.getKey());
                    }
                }
            }
            for (MetaParameter m : metaParameters) {
                if (!reached.contains(m.name())) {
                    throw new IllegalStateException("inner update " + update + " gives no first-order gradient for"
                            + " its meta-parameter '" + m.name() + "'; implement firstOrderGradient or use second"
                            + " order");
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

        /**
         * @throws IllegalArgumentException if the learner was built with an inner update its configuration does not
         *     describe: a model file would rebuild it with the configuration's update, silently another learner
         */
        @Override
        public MamlConfig config(Maml learner) {
            InnerUpdate described = learner.config().innerUpdate();
            if (!learner.update().equals(described)) {
                throw new IllegalArgumentException("this Maml adapts with inner update " + learner.update()
                        + ", which its MamlConfig cannot describe (it describes " + described + "); save it as a "
                        + "learner of its own: a LearnerType that builds Maml with that update (README, Adding a "
                        + "layer or a learner)");
            }
            return learner.config();
        }
    }
}
