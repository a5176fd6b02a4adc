package org.dl4jmeta.algorithm;

import java.util.Map;
import java.util.Objects;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.update.ElementwiseStepSizes;

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
public final class MetaSgd extends MamlVariant {

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

    private final Config config;

    /**
     * @param network the network
     * @param config Meta-SGD's settings
     */
    public MetaSgd(Network network, Config config) {
        super(new Maml(Objects.requireNonNull(network, "network"), new MamlConfig(
                Objects.requireNonNull(config, "config").innerSteps(), config.initialStepSize(), config.firstOrder(),
                false), new ElementwiseStepSizes(config.initialStepSize())));
        this.config = config;
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
