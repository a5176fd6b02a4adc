package com.example.userext;

import java.util.ArrayList;
import java.util.List;
import org.dl4jmeta.algorithm.InnerLoop;
import org.dl4jmeta.update.InnerUpdate;
import org.dl4jmeta.algorithm.LearnerState;
import org.dl4jmeta.algorithm.LearnerType;
import org.dl4jmeta.algorithm.MetaGradient;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.algorithm.TaskMetrics;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A user's own learner, written outside the library's packages with its public API only: Reptile (Nichol et al.
 * 2018) whose inner step size decays with the outer iterations, alpha_t = alpha * decay^t. The iteration count t is
 * its {@link State}, kept in the training state and checkpoints like BI-MAML's phase; test-time adaptation uses
 * alpha. Registered in code by the test ({@code LearnerTypes.register(new ScheduledReptile.Type())}).
 */
public final class ScheduledReptile implements MetaLearner {

    /**
     * @param innerSteps K, &gt;= 1
     * @param innerStepSize alpha, &gt; 0
     * @param decay the factor per outer iteration, in (0, 1]
     */
    public record Config(int innerSteps, double innerStepSize, double decay) {
        /**
         * @throws IllegalArgumentException naming the bad value
         */
        public Config {
            if (innerSteps < 1) {
                throw new IllegalArgumentException("innerSteps must be >= 1, got " + innerSteps);
            }
            if (!(innerStepSize > 0)) {
                throw new IllegalArgumentException("innerStepSize must be > 0, got " + innerStepSize);
            }
            if (!(decay > 0 && decay <= 1)) {
                throw new IllegalArgumentException("decay must be in (0, 1], got " + decay);
            }
        }
    }

    /** @param iterations outer iterations completed, &gt;= 0 */
    public record State(int iterations) implements LearnerState {
    }

    private final Network network;
    private final Config config;
    private final InnerLoop inner;

    /**
     * @param network the network
     * @param config the settings
     */
    public ScheduledReptile(Network network, Config config) {
        this.network = network;
        this.config = config;
        this.inner = new InnerLoop(network, false);
    }

    private static int iterations(LearnerState s) {
        return s instanceof State st ? st.iterations() : 0;
    }

    @Override
    public String id() {
        return "scheduled-reptile";
    }

    @Override
    public Network network() {
        return network;
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
    public ParamSet adapt(ParamSet theta, INDArray x, INDArray y, int steps) {
        inner.requireAdaptation(theta, x, y, steps);
        return inner.adapt(theta, x, y, steps, InnerUpdate.sgd(config.innerStepSize()), steps, null);
    }

    @Override
    public LearnerState initialState() {
        return new State(0);
    }

    @Override
    public MetaGradient metaGradient(ParamSet theta, Episode e, boolean preAdaptationMetrics) {
        return metaGradient(theta, initialState(), e, preAdaptationMetrics);
    }

    @Override
    public MetaGradient metaGradient(ParamSet theta, LearnerState state, Episode e, boolean preAdaptationMetrics) {
        network.requireParams(theta, "theta");
        inner.requireEpisode(theta, e);
        double rate = config.innerStepSize() * Math.pow(config.decay(), iterations(state));
        List<Double> losses = new ArrayList<>();
        ParamSet phi = inner.adapt(theta, e.supportX(), e.supportY(), config.innerSteps(),
                InnerUpdate.sgd(rate), config.innerSteps(), new InnerLoop.Trace(losses, null, null));
        ParamSet grad = theta.copy().axpyi(-1.0, phi);
        double[] before = inner.queryAtTheta(theta, e, preAdaptationMetrics);
        LossGradGraph.Result after = inner.graph(e.queryX().size(0), theta.dataType())
                .run(phi, e.queryX(), e.queryY(), false);
        return new MetaGradient(grad, new TaskMetrics(losses.get(0), before[0], before[1], after.loss(),
                inner.accuracy(after.output(), e.queryY())));
    }

    @Override
    public LearnerState afterIteration(LearnerState state, int iteration, double metaGradientNorm) {
        return new State(iterations(state) + 1);
    }

    /** Saves and restores the learner as {@code scheduled-reptile}: its {@link Config} and {@link State}. */
    public static final class Type implements LearnerType<Config, ScheduledReptile> {

        @Override
        public String id() {
            return "scheduled-reptile";
        }

        @Override
        public Class<Config> configClass() {
            return Config.class;
        }

        @Override
        public Class<ScheduledReptile> learnerClass() {
            return ScheduledReptile.class;
        }

        @Override
        public Config defaultConfig(int innerSteps, double innerStepSize) {
            return new Config(innerSteps, innerStepSize, 0.9);
        }

        @Override
        public ScheduledReptile create(Network network, Config config) {
            return new ScheduledReptile(network, config);
        }

        @Override
        public Config config(ScheduledReptile learner) {
            return learner.config;
        }

        @Override
        public Class<State> stateClass() {
            return State.class;
        }
    }
}
