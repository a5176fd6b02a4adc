package org.dl4jmeta.algorithm;

import java.util.List;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.model.NativeArrays;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Biphasic MAML (Xu, Chen, Karbasi, BI-MAML). Phase 1: the meta-gradient of a task is grad f_i(theta), the
 * gradient of its query loss without adaptation (first-order cost). When the averaged gradient's norm of an
 * iteration drops below epsilon0 the learner switches to phase 2, exact MAML ({@link Maml}), and records the
 * iteration; training stops once the MAML meta-gradient's norm is at most epsilon.
 *
 * <p>The phase is a {@link State} in the training state, not in the learner: the trainer passes it to
 * {@link #metaGradient(ParamSet, LearnerState, Episode, boolean)} and replaces it with {@link #afterIteration}, and
 * checkpoints hold it. {@link LearnerState#NONE} counts as phase 1. Not thread-safe (graph caches): one instance per
 * thread.
 */
public final class BiMaml implements MetaLearner {

    /**
     * BI-MAML's state.
     *
     * @param phase 1 (plain gradient descent on f) or 2 (MAML on F)
     * @param switchIteration the iteration at whose end phase 2 began, or -1 while in phase 1
     */
    public record State(int phase, int switchIteration) implements LearnerState {
        /** Phase 1, not switched. */
        public static final State INITIAL = new State(1, -1);

        /**
         * @throws IllegalArgumentException if the phase is not 1 or 2, or the switch iteration does not fit it
         */
        public State {
            if (phase != 1 && phase != 2) {
                throw new IllegalArgumentException("BI-MAML phase must be 1 or 2, got " + phase);
            }
            if (phase == 1 ? switchIteration != -1 : switchIteration < 0) {
                throw new IllegalArgumentException("BI-MAML in phase " + phase + " needs switchIteration "
                        + (phase == 1 ? "-1" : ">= 0") + ", got " + switchIteration);
            }
        }
    }

    private final Network network;
    private final BiMamlConfig config;
    private final Maml maml;
    private final InnerLoop inner;

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

    /**
     * @param state a training state's learner state
     * @return it as BI-MAML's state ({@link LearnerState#NONE} is phase 1)
     * @throws IllegalArgumentException if it is another learner's state
     */
    public static State state(LearnerState state) {
        if (state == LearnerState.NONE) {
            return State.INITIAL;
        }
        if (state instanceof State s) {
            return s;
        }
        throw new IllegalArgumentException("BI-MAML's state must be a BiMaml.State, got " + state);
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
    public LearnerState initialState() {
        return State.INITIAL;
    }

    /** The meta-gradient of phase 1 (the initial state). */
    @Override
    public MetaGradient metaGradient(ParamSet theta, Episode e, boolean preAdaptationMetrics) {
        return metaGradient(theta, State.INITIAL, e, preAdaptationMetrics);
    }

    @Override
    public MetaGradient metaGradient(ParamSet theta, LearnerState state, Episode e, boolean preAdaptationMetrics) {
        if (state(state).phase() == 2) {
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
        r.gradient().release();
        NativeArrays.close(List.of(r.output()), List.of());
        return new MetaGradient(g, new TaskMetrics(supportLoss, r.loss(), acc, r.loss(), acc));
    }

    /** Phase 1 ends after the first iteration whose averaged gradient's norm is below epsilon0. */
    @Override
    public LearnerState afterIteration(LearnerState state, int iteration, double metaGradientNorm) {
        State s = state(state);
        return s.phase() == 1 && metaGradientNorm < config.epsilon0() ? new State(2, iteration) : s;
    }

    /** In phase 2, after the switch iteration, once the MAML meta-gradient's norm is at most epsilon. */
    @Override
    public boolean reachedGoal(LearnerState state, int iteration, double metaGradientNorm) {
        State s = state(state);
        return s.phase() == 2 && iteration > s.switchIteration() && metaGradientNorm <= config.epsilon();
    }

    /** Saves and restores BI-MAML as {@code bimaml}: its {@link BiMamlConfig} and its {@link State}. */
    public static final class Type implements LearnerType<BiMamlConfig, BiMaml> {

        @Override
        public String id() {
            return "bimaml";
        }

        @Override
        public Class<BiMamlConfig> configClass() {
            return BiMamlConfig.class;
        }

        @Override
        public Class<BiMaml> learnerClass() {
            return BiMaml.class;
        }

        /** Second-order MAML in phase 2; epsilon0 and epsilon 0 (phase 1 never ends, no early stop). */
        @Override
        public BiMamlConfig defaultConfig(int innerSteps, double innerStepSize) {
            return new BiMamlConfig(MamlConfig.secondOrder(innerSteps, innerStepSize), 0, 0);
        }

        @Override
        public BiMaml create(Network network, BiMamlConfig config) {
            return new BiMaml(network, config);
        }

        @Override
        public BiMamlConfig config(BiMaml learner) {
            return learner.config();
        }

        @Override
        public Class<State> stateClass() {
            return State.class;
        }
    }
}
