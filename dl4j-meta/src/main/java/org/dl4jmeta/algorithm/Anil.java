package org.dl4jmeta.algorithm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.dl4jmeta.model.Network;
import org.nd4j.shade.jackson.annotation.JsonInclude;

/**
 * ANIL, Almost No Inner Loop (Raghu, Raghu, Bengio, Vinyals 2020, "Rapid learning or feature reuse?", section 4):
 * MAML whose inner loop adapts the head only, phi_{k+1}(head) = phi_k(head) - alpha grad_head L_support(phi_k),
 * while the body keeps theta; the meta-objective is still L_query(phi_K), so the body gets the outer gradient through
 * the adapted head (second order: through the head's inner gradients, which depend on the body's features; first
 * order: grad L_query(phi_K) of every tensor).
 *
 * <p>Built on {@link Maml} with the inner update masked to the head ({@link org.dl4jmeta.update.Masked}). The head
 * is the last layer's parameters by default (the tensors sharing the layer prefix of the network's last parameter,
 * {@code head/} in Conv-4) or every tensor whose name starts with {@link Config#headPrefix}. Cost: the executed inner
 * loop (first order, test-time adaptation) computes only the head's gradient, so it runs no backward pass through
 * the body; the unrolled second-order graph holds no update ops for the body and its execution plan runs only the
 * ops the meta-gradient needs. The body's forward pass is still recomputed at every inner step (the graphs are the
 * network's, which does not expose its body's features separately).
 *
 * <p>Not thread-safe (graph caches): one instance per thread.
 */
public final class Anil extends MamlVariant {

    /**
     * ANIL's settings.
     *
     * @param innerSteps K, &gt;= 1
     * @param innerStepSize alpha of the head's inner steps, &gt; 0 and finite
     * @param firstOrder whether the meta-gradient is first order
     * @param headPrefix the name prefix of the tensors that adapt, e.g. {@code head/}; null for the last layer's
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Config(int innerSteps, double innerStepSize, boolean firstOrder, String headPrefix) {
        /**
         * @throws IllegalArgumentException naming a bad count, step size or a blank prefix
         */
        public Config {
            new MamlConfig(innerSteps, innerStepSize, firstOrder, false);
            if (headPrefix != null && headPrefix.isBlank()) {
                throw new IllegalArgumentException("ANIL headPrefix must be a tensor-name prefix such as 'head/', or "
                        + "absent for the last layer, got '" + headPrefix + "'");
            }
        }
    }

    private final Config config;

    /**
     * @param network the network
     * @param config ANIL's settings
     * @throws IllegalArgumentException if no tensor has the head prefix, or every tensor has it
     */
    public Anil(Network network, Config config) {
        super(new Maml(Objects.requireNonNull(network, "network"), new MamlConfig(
                Objects.requireNonNull(config, "config").innerSteps(), config.innerStepSize(), config.firstOrder(),
                false).adapting(head(network, config.headPrefix()))));
        this.config = config;
    }

    /**
     * The tensors ANIL adapts.
     *
     * @param network the network
     * @param prefix a tensor-name prefix, or null for the last layer's tensors (those sharing the prefix up to the
     *     last '/' of the network's last parameter name)
     * @return their names, in network order
     * @throws IllegalArgumentException if none has the prefix or all have it (naming it and the network's tensors)
     */
    public static List<String> head(Network network, String prefix) {
        List<String> names = network.paramNames();
        String p = prefix;
        if (p == null) {
            String last = names.get(names.size() - 1);
            p = last.substring(0, last.lastIndexOf('/') + 1);
        }
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (n.startsWith(p)) {
                out.add(n);
            }
        }
        if (out.isEmpty() || out.size() == names.size()) {
            throw new IllegalArgumentException("ANIL head prefix '" + p + "' matches " + (out.isEmpty() ? "none"
                    : "all") + " of the network's tensors " + names + "; give a prefix of the head's tensors only");
        }
        return List.copyOf(out);
    }

    /** @return the configuration */
    public Config config() {
        return config;
    }

    /** @return the names of the tensors that adapt */
    public List<String> head() {
        return maml().config().adaptedTensors();
    }

    @Override
    public String id() {
        return "anil";
    }

    /** Saves and restores ANIL as {@code anil}: its {@link Config}; {@code foanil} is first-order ANIL. */
    public static final class Type implements LearnerType<Config, Anil> {

        @Override
        public String id() {
            return "anil";
        }

        @Override
        public Map<String, Map<String, Object>> aliases() {
            return Map.of("foanil", Map.of("firstOrder", true));
        }

        @Override
        public Class<Config> configClass() {
            return Config.class;
        }

        @Override
        public Class<Anil> learnerClass() {
            return Anil.class;
        }

        /** Second order, the last layer adapting. */
        @Override
        public Config defaultConfig(int innerSteps, double innerStepSize) {
            return new Config(innerSteps, innerStepSize, false, null);
        }

        @Override
        public Anil create(Network network, Config config) {
            return new Anil(network, config);
        }

        @Override
        public Config config(Anil learner) {
            return learner.config();
        }
    }
}
