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
import org.dl4jmeta.model.NativeArrays;
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
 * <p>MAML++ (Antoniou, Edwards, Storkey 2019, section 4; {@link MamlConfig}'s options, alias {@code maml++}):
 * per-step batch-norm sets follow theta's update parameters in theta; with the multi-step loss the objective is
 * sum_j w_j L_query(phi_{j+1}) (second order: one unrolled graph whose loss is that sum, the weights fed per run;
 * first order: sum_j w_j grad L_query(phi_{j+1})); with derivative-order annealing the first iterations are first
 * order. Both depend on the completed iterations, the learner's {@link Progress} state.
 *
 * <p>{@link MamlConfig#secondOrderMemory()} {@code recompute} computes the same second-order meta-gradient with
 * checkpointing at step boundaries ({@link org.dl4jmeta.graph.RecomputedMamlGraph}): memory of one inner step
 * instead of K (plain MAML only: not with MAML++'s per-step batch norm or multi-step loss).
 *
 * <p>Graphs are built once per episode shape and reused. Not thread-safe: one instance per thread.
 */
public final class Maml implements MetaLearner {

    private final Network network;
    private final MamlConfig config;
    private final InnerUpdate update;
    /** The update the loops run: {@code update} without the per-step tensors. */
    private final InnerUpdate effective;
    private final List<String> perStepTensors;
    /** Theta's names of the per-step sets 1..K-1. */
    private final List<String> perStepSets;
    private final List<MetaParameter> metaParameters;
    private final InnerLoop inner;
    /** Test-time adaptation: results independent of the thread count. */
    private final InnerLoop adaptation;
    private final Map<Episode.ShapeKey, MamlGraph> graphs = new HashMap<>();
    private final Map<Episode.ShapeKey, MamlGraph> multiStepGraphs = new HashMap<>();
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
        List<String> perStep = new ArrayList<>();
        if (Boolean.TRUE.equals(config.perStepBatchNorm())) {
            for (String n : network.paramNames()) {
                if (MamlConfig.isBatchNorm(n)) {
                    perStep.add(n);
                }
            }
            if (perStep.isEmpty()) {
                throw new IllegalArgumentException("perStepBatchNorm needs batch-norm tensors (names ending in "
                        + MamlConfig.BATCH_NORM_SUFFIXES + "); the network's tensors: " + network.paramNames());
            }
        }
        this.perStepTensors = List.copyOf(perStep);
        Map<String, long[]> adapted = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : network.paramSpecs().entrySet()) {
            if (update.adapts(e.getKey()) && !perStepTensors.contains(e.getKey())) {
                adapted.put(e.getKey(), e.getValue());
            }
        }
        if (adapted.isEmpty()) {
            throw new IllegalArgumentException("inner update " + update + " adapts none of the network's tensors "
                    + network.paramNames() + (perStepTensors.isEmpty() ? "" : " besides the per-step batch norm"));
        }
        this.effective = perStepTensors.isEmpty() ? update : update.adapting(List.copyOf(adapted.keySet()));
        List<MetaParameter> declared = new ArrayList<>(effective.metaParameters(adapted, config.innerSteps()));
        Set<String> names = new HashSet<>(network.paramNames());
        for (MetaParameter m : declared) {
            if (!names.add(m.name())) {
                throw new IllegalArgumentException("inner update " + update + " declares meta-parameter '"
                        + m.name() + "', a name already in theta");
            }
        }
        this.metaParameters = List.copyOf(declared);
        List<String> sets = new ArrayList<>();
        for (int j = 1; j < config.innerSteps(); j++) {
            for (String t : perStepTensors) {
                sets.add(MamlGraph.perStepName(j, t));
                if (!names.add(MamlGraph.perStepName(j, t))) {
                    throw new IllegalArgumentException("per-step batch-norm tensor '" + MamlGraph.perStepName(j, t)
                            + "' is a name already in theta");
                }
            }
        }
        this.perStepSets = List.copyOf(sets);
        this.inner = new InnerLoop(network, true);
        this.adaptation = new InnerLoop(network, false);
    }

    /**
     * The learner's state when a MAML++ schedule is on (multi-step loss, derivative-order annealing): the number of
     * completed outer iterations, which decides the per-step loss weights and the derivative order
     * ({@link MamlConfig#stepLossWeights}, {@link MamlConfig#firstOrderAt}). Checkpoints hold it, so a resumed run
     * continues the schedule where it stopped. {@link LearnerState#NONE} counts as 0.
     *
     * @param iterations completed outer iterations, &gt;= 0
     */
    public record Progress(int iterations) implements LearnerState {
        /**
         * @throws IllegalArgumentException if iterations is negative
         */
        public Progress {
            if (iterations < 0) {
                throw new IllegalArgumentException("MAML's completed iterations must be >= 0, got " + iterations);
            }
        }
    }

    /**
     * @param state a training state's learner state
     * @return the completed iterations it records (0 for {@link LearnerState#NONE})
     * @throws IllegalArgumentException if it is another learner's state
     */
    public static int iterations(LearnerState state) {
        if (state == LearnerState.NONE) {
            return 0;
        }
        if (state instanceof Progress p) {
            return p.iterations();
        }
        throw new IllegalArgumentException("MAML's state must be a Maml.Progress, got " + state);
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

    /** @return the tensors with one set per inner step (MAML++'s per-step batch norm), empty without them */
    public List<String> perStepTensors() {
        return perStepTensors;
    }

    @Override
    public int innerSteps() {
        return config.innerSteps();
    }

    /**
     * Theta: the network's seeded parameters, then the inner update's meta-parameters at their initial values, then
     * the per-step batch-norm sets 1..K-1, each a copy of the network's initial tensor.
     */
    @Override
    public ParamSet initialise(long seed, DataType dataType) {
        ParamSet net = network.initialise(seed, dataType);
        if (metaParameters.isEmpty() && perStepSets.isEmpty()) {
            return net;
        }
        Map<String, INDArray> all = new LinkedHashMap<>(net.views());
        for (MetaParameter m : metaParameters) {
            all.put(m.name(), Nd4j.valueArrayOf(m.shape(), m.initialValue(), dataType));
        }
        for (int j = 1; j < config.innerSteps(); j++) {
            for (String t : perStepTensors) {
                all.put(MamlGraph.perStepName(j, t), net.get(t).dup());
            }
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
        for (String n : perStepSets) {
            if (!theta.contains(n)) {
                throw new IllegalArgumentException("theta lacks per-step batch-norm tensor '" + n
                        + "' (create theta with initialise())");
            }
        }
    }

    @Override
    public ParamSet adapt(ParamSet theta, INDArray supportX, INDArray supportY, int steps) {
        requireTheta(theta);
        inner.requireAdaptation(theta, supportX, supportY, steps);
        return adaptation.adapt(theta, supportX, supportY, steps, effective, config.innerSteps(), perStepTensors,
                null);
    }

    /** @return {@link Progress}(0) when a MAML++ schedule is on, else {@link LearnerState#NONE} */
    @Override
    public LearnerState initialState() {
        return config.scheduled() ? new Progress(0) : LearnerState.NONE;
    }

    /** With a MAML++ schedule, {@link Progress}(iteration); otherwise the state unchanged. */
    @Override
    public LearnerState afterIteration(LearnerState state, int iteration, double metaGradientNorm) {
        return config.scheduled() ? new Progress(iteration) : state;
    }

    /** The meta-gradient at the start of training (0 completed iterations). */
    @Override
    public MetaGradient metaGradient(ParamSet theta, Episode episode, boolean preAdaptationMetrics) {
        return metaGradient(theta, LearnerState.NONE, episode, preAdaptationMetrics);
    }

    /**
     * The meta-gradient of the objective at the state's iteration: first or second order as
     * {@link MamlConfig#firstOrderAt} says, of sum_j w_j L_query(phi_{j+1}) with {@link MamlConfig#stepLossWeights}
     * (L_query(phi_K) when they are null).
     */
    @Override
    public MetaGradient metaGradient(ParamSet theta, LearnerState state, Episode episode,
                                     boolean preAdaptationMetrics) {
        int it = iterations(state);
        requireTheta(theta);
        inner.requireEpisode(theta, episode);
        double[] before = inner.queryAtTheta(theta, episode, preAdaptationMetrics);
        double[] weights = config.stepLossWeights(it);
        return config.firstOrderAt(it) ? firstOrder(theta, episode, before, weights)
                : secondOrder(theta, episode, before, weights);
    }

    /**
     * The unrolled graph this learner's second-order meta-gradient runs for an episode shape, built on first use.
     *
     * @param key the episode shape
     * @return the graph
     */
    MamlGraph graph(Episode.ShapeKey key) {
        return graph(key, false);
    }

    private MamlGraph graph(Episode.ShapeKey key, boolean multiStep) {
        return (multiStep ? multiStepGraphs : graphs).computeIfAbsent(key, k -> new MamlGraph(network, k,
                config.innerSteps(), effective, false, perStepTensors, multiStep));
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
    private MetaGradient secondOrder(ParamSet theta, Episode e, double[] before, double[] weights) {
        MamlGraph.Result r = config.memoryMode() == SecondOrderMemory.RECOMPUTE
                ? recomputedGraph(e.shapeKey()).run(theta, e) : graph(e.shapeKey(), weights != null).run(theta, e, weights);
        TaskMetrics m = new TaskMetrics(r.supportLossBefore(), before[0], before[1], r.queryLossAfter(),
                inner.accuracy(r.queryOutputAfter(), e.queryY()));
        return new MetaGradient(r.gradient(), m);
    }

    /**
     * First order: every support gradient is a constant, so the meta-gradient of sum_j w_j L_query(phi_{j+1}) is
     * sum_j w_j v_j, v_j = grad L_query(phi_{j+1}), on each tensor that phi_{j+1} takes from theta (all but the
     * per-step sets, whose term j goes to the set that phi_{j+1} uses), plus, for the update's meta-parameters, the
     * first-order gradients of steps 0..j with w_j v_j.
     *
     * @param before query loss and accuracy at theta, from {@link InnerLoop#queryAtTheta}
     * @param weights the per-step weights, or null for L_query(phi_K) alone
     */
    private MetaGradient firstOrder(ParamSet theta, Episode e, double[] before, double[] weights) {
        boolean learned = !metaParameters.isEmpty();
        int k = config.innerSteps();
        boolean multi = weights != null;
        InnerLoop.Trace trace = new InnerLoop.Trace(new ArrayList<>(), learned ? new ArrayList<>() : null,
                learned || multi ? new ArrayList<>() : null);
        ParamSet phi = inner.adapt(theta, e.supportX(), e.supportY(), k, effective, k, perStepTensors, trace);
        LossGradGraph query = inner.graph(e.queryX().size(0), theta.dataType());
        double supportBefore = trace.losses().get(0);
        // plain first-order MAML: the query gradient at phi_K (the network's tensors in network order, the graph's
        // gradient layout) is the meta-gradient itself, kept instead of added tensor by tensor into a zero set (one
        // parameter-sized allocation and 18 additions fewer per task)
        boolean plain = !multi && !learned && perStepTensors.isEmpty() && theta.names().equals(network.paramNames());
        ParamSet grad = plain ? null : theta.zerosLike();
        Set<String> reached = new HashSet<>();
        LossGradGraph.Result after = null;
        for (int j = multi ? 0 : k - 1; j < k; j++) {
            double w = multi ? weights[j] : 1.0;
            LossGradGraph.Result r = j == k - 1 ? query.run(phi, e.queryX(), e.queryY(), true)
                    : query.run(trace.iterates().get(j + 1), e.queryX(), e.queryY(), true);
            if (j == k - 1) {
                after = r;
            }
            try {
                if (w == 0) {
                    continue;
                }
                if (plain) {
                    grad = r.gradient();
                    continue;
                }
                ParamSet v = w == 1.0 ? r.gradient() : r.gradient().scalei(w);
                for (String n : network.paramNames()) {
                    String target = perStepTensors.contains(n) ? MamlGraph.perStepSource(j + 1, k, n) : n;
                    grad.get(target).addi(v.get(n));
                }
                if (!learned) {
                    continue;
                }
                for (int s = 0; s <= j; s++) {
                    Map<String, INDArray> phiS = trace.iterates().get(s);
                    ParamSet gS = trace.gradients().get(s);
                    for (String n : network.paramNames()) {
                        if (!effective.adapts(n)) {
                            continue;
                        }
                        UpdateStep<INDArray> step = new UpdateStep<>(s, k, n, theta.get(n), phiS.get(n), gS.get(n),
                                theta::get);
                        for (Map.Entry<String, INDArray> c
                                : effective.firstOrderGradient(step, v.get(n)).entrySet()) {
                            grad.get(c.getKey()).addi(c.getValue());
                            reached.add(c.getKey());
                        }
                    }
                }
            } finally {
                release(r, after, grad);
            }
        }
        if (learned) {
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
        // everything made here but the meta-gradient goes back now: phi_K, the kept iterates and gradients, the
        // output the accuracy was read from (theta's tensors are views of theta and never closed)
        List<INDArray> done = new ArrayList<>(List.of(phi.flat(), after.output()));
        if (trace.iterates() != null) {
            trace.iterates().forEach(it -> done.addAll(it.values()));
        }
        if (trace.gradients() != null) {
            trace.gradients().forEach(g -> done.add(g.flat()));
        }
        NativeArrays.close(done, List.of(theta.flat()));
        return new MetaGradient(grad, m);
    }

    /**
     * Closes a query run's gradient unless it is {@code kept} (plain first-order MAML's meta-gradient), and its output
     * unless it is the final run's (read for the accuracy).
     */
    private static void release(LossGradGraph.Result r, LossGradGraph.Result last, ParamSet kept) {
        if (r.gradient() != kept) {
            r.gradient().release();
        }
        if (r != last) {
            NativeArrays.close(List.of(r.output()), List.of());
        }
    }

    /**
     * Saves and restores MAML as {@code maml}: its {@link MamlConfig}; first-order MAML is the alias {@code fomaml}
     * ({@code firstOrder} set), MAML++ the alias {@code maml++} ({@link MamlConfig#mamlPlusPlus}'s options; the
     * inner steps and step size come from the caller, the paper's are 5 and 0.1).
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
            MamlConfig plus = MamlConfig.mamlPlusPlus(2, 0.1);
            return Map.of("fomaml", Map.of("firstOrder", true),
                    "maml++", Map.of("learnInnerStepSizes", true, "perStepBatchNorm", true,
                            "multiStepLossEpochs", plus.multiStepLossEpochs(),
                            "epochIterations", plus.epochIterations(),
                            "firstOrderIterations", plus.firstOrderIterations()));
        }

        /** {@link Progress}: the completed iterations, for the multi-step loss and derivative-order annealing. */
        @Override
        public Class<? extends LearnerState> stateClass() {
            return Progress.class;
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
