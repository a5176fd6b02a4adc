package org.dl4jmeta.algorithm;

import java.util.Map;
import java.util.Objects;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.update.ElementwiseStepSizes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Meta-SGD (Li, Zhou, Chen, Li 2017, "Meta-SGD: learning to learn quickly for few-shot learning", eq. 3-4): MAML
 * whose inner step is phi_{k+1} = phi_k - alpha (element-wise) grad L_support(phi_k) with a learned step size alpha
 * per parameter element ({@link ElementwiseStepSizes}: one tensor of theta's shape per parameter tensor, shared by
 * the inner steps), meta-learned together with theta by the outer optimiser: both are in theta, so model files and
 * checkpoints save them and a resumed run continues them exactly. Every element starts at
 * {@link Config#initialStepSize} (the paper draws them from U[0.005, 0.1]; a constant start makes the first inner
 * loop MAML's).
 *
 * <p>Second order differentiates through the unrolled steps (exact, by finite-difference checks); first order treats
 * the support gradients as constants, giving dL/dalpha = -sum_k v g_k element-wise with v = grad L_query(phi_K).
 * Not thread-safe (graph caches): one instance per thread.
 */
public final class MetaSgd implements MetaLearner {

    /**
     * Meta-SGD's settings.
     *
     * @param innerSteps K, &gt;= 1 (the paper: 1)
     * @param initialStepSize the initial value of every step size, &gt; 0 and finite
     * @param firstOrder whether the meta-gradient is first order
     */
    public record Config(int innerSteps, double initialStepSize, boolean firstOrder) {
        /**
         * @throws IllegalArgumentException naming a bad count or step size
         */
        public Config {
            new MamlConfig(innerSteps, initialStepSize, firstOrder, false);
            new ElementwiseStepSizes(initialStepSize);
        }
    }

    private final Network network;
    private final Config config;
    private final Maml maml;

    /**
     * @param network the network
     * @param config Meta-SGD's settings
     */
    public MetaSgd(Network network, Config config) {
        this.network = Objects.requireNonNull(network, "network");
        this.config = Objects.requireNonNull(config, "config");
        this.maml = new Maml(network, new MamlConfig(config.innerSteps(), config.initialStepSize(),
                config.firstOrder(), false), new ElementwiseStepSizes(config.initialStepSize()));
    }

    /**
     * @param tensor a network parameter name
     * @return the name in theta of its step sizes ({@link ElementwiseStepSizes#name})
     */
    public static String stepSizeName(String tensor) {
        return ElementwiseStepSizes.name(tensor);
    }

    /** @return the configuration */
    public Config config() {
        return config;
    }

    @Override
    public String id() {
        return "metasgd";
    }

    @Override
    public Network network() {
        return network;
    }

    @Override
    public int innerSteps() {
        return config.innerSteps();
    }

    /** The network's seeded parameters, then every step-size tensor filled with the initial step size. */
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

    /** Saves and restores Meta-SGD as {@code metasgd}: its {@link Config}. */
    public static final class Type implements LearnerType<Config, MetaSgd> {

        @Override
        public String id() {
            return "metasgd";
        }

        @Override
        public Map<String, Map<String, Object>> aliases() {
            return Map.of("fometasgd", Map.of("firstOrder", true));
        }

        @Override
        public Class<Config> configClass() {
            return Config.class;
        }

        @Override
        public Class<MetaSgd> learnerClass() {
            return MetaSgd.class;
        }

        /** Second order, every step size starting at the given one. */
        @Override
        public Config defaultConfig(int innerSteps, double innerStepSize) {
            return new Config(innerSteps, innerStepSize, false);
        }

        @Override
        public MetaSgd create(Network network, Config config) {
            return new MetaSgd(network, config);
        }

        @Override
        public Config config(MetaSgd learner) {
            return learner.config();
        }
    }
}
