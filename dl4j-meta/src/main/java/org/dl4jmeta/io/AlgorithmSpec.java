package org.dl4jmeta.io;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.dl4jmeta.algorithm.BiMaml;
import org.dl4jmeta.algorithm.BiMamlConfig;
import org.dl4jmeta.algorithm.HfMaml;
import org.dl4jmeta.algorithm.HfMamlConfig;
import org.dl4jmeta.algorithm.Imaml;
import org.dl4jmeta.algorithm.ImamlConfig;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.algorithm.Reptile;
import org.dl4jmeta.algorithm.ReptileConfig;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.train.IterationMetrics;
import org.nd4j.shade.jackson.core.type.TypeReference;

/**
 * A meta-learner as data: its type and the fields of its configuration record, so a model file rebuilds the learner
 * (MAML and first-order MAML, Finn et al. 2017; Reptile, Nichol et al. 2018; iMAML, Rajeswaran et al. 2019;
 * HF-MAML, Fallah et al. 2020; BI-MAML) and test-time adaptation uses the step sizes it was meta-trained with.
 *
 * @param type {@code maml} (first order is a field of its config), {@code reptile}, {@code imaml}, {@code hfmaml}
 *     or {@code bimaml}
 * @param config the configuration record's fields by name
 */
public record AlgorithmSpec(String type, Map<String, Object> config) {

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };

    /**
     * @throws NullPointerException if a field is null
     */
    public AlgorithmSpec {
        Objects.requireNonNull(type, "type");
        config = Map.copyOf(Objects.requireNonNull(config, "config"));
    }

    /**
     * Describes a learner.
     *
     * @param learner the learner
     * @return its spec
     * @throws IllegalArgumentException if the learner type cannot be described, naming it
     */
    public static AlgorithmSpec of(MetaLearner learner) {
        if (learner instanceof Maml m) {
            return new AlgorithmSpec("maml", fields(m.config()));
        } else if (learner instanceof Reptile r) {
            return new AlgorithmSpec("reptile", fields(r.config()));
        } else if (learner instanceof Imaml i) {
            return new AlgorithmSpec("imaml", fields(i.config()));
        } else if (learner instanceof HfMaml h) {
            return new AlgorithmSpec("hfmaml", fields(h.config()));
        } else if (learner instanceof BiMaml b) {
            return new AlgorithmSpec("bimaml", fields(b.config()));
        }
        throw new IllegalArgumentException("meta-learner " + learner.getClass().getName() + " ('" + learner.id()
                + "') cannot be saved in a model file; supported: Maml, Reptile, Imaml, HfMaml, BiMaml");
    }

    private static Map<String, Object> fields(Record config) {
        return new LinkedHashMap<>(Json.mapper().convertValue(config, MAP));
    }

    /**
     * Builds a fresh learner (with empty graph caches) for a network: call once per thread.
     *
     * @param network the network it meta-learns
     * @return the learner
     * @throws IllegalArgumentException if the type is unknown or a configuration field is missing or invalid (the
     *     record's own validation names the value)
     */
    public MetaLearner create(Network network) {
        return switch (type) {
            case "maml" -> new Maml(network, config(MamlConfig.class));
            case "reptile" -> new Reptile(network, config(ReptileConfig.class));
            case "imaml" -> new Imaml(network, config(ImamlConfig.class));
            case "hfmaml" -> new HfMaml(network, config(HfMamlConfig.class));
            case "bimaml" -> new BiMaml(network, config(BiMamlConfig.class));
            default -> throw new IllegalArgumentException("unknown algorithm type '" + type
                    + "'; known: maml, reptile, imaml, hfmaml, bimaml");
        };
    }

    private <T> T config(Class<T> c) {
        try {
            return Json.mapper().convertValue(config, c);
        } catch (IllegalArgumentException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new IllegalArgumentException("invalid " + type + " configuration " + config + ": "
                    + root.getMessage(), e);
        }
    }

    /**
     * The state a learner keeps between iterations, for checkpoints: BI-MAML's phase and switch iteration; empty for
     * stateless learners.
     *
     * @param learner the learner
     * @return name to value
     */
    public static Map<String, Object> learnerState(MetaLearner learner) {
        if (learner instanceof BiMaml b) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("phase", b.phase());
            m.put("switchIteration", b.switchIteration());
            return m;
        }
        return Map.of();
    }

    /**
     * Restores what {@link #learnerState} saved into a freshly built learner.
     *
     * @param learner a learner built by {@link #create}, before training resumes
     * @param state the saved state
     * @throws IllegalArgumentException if the state does not fit the learner
     */
    public static void restoreLearnerState(MetaLearner learner, Map<String, Object> state) {
        if (!(learner instanceof BiMaml b)) {
            if (!state.isEmpty()) {
                throw new IllegalArgumentException("learner '" + learner.id() + "' keeps no state, got " + state);
            }
            return;
        }
        int phase = ((Number) state.getOrDefault("phase", 1)).intValue();
        int switchIteration = ((Number) state.getOrDefault("switchIteration", -1)).intValue();
        if (phase == 2 && b.phase() == 1) {
            // BI-MAML switches when an iteration's gradient norm falls below epsilon0; replaying that observation
            // at the saved iteration restores phase and switch iteration through its public contract.
            b.iterationDone(new IterationMetrics(switchIteration, 0, 0, 0, 0, 0, 0, 0), null);
        }
        if (b.phase() != phase || b.switchIteration() != switchIteration) {
            throw new IllegalArgumentException("cannot restore BI-MAML to phase " + phase + " (switched at "
                    + switchIteration + "); the learner is in phase " + b.phase() + " (epsilon0 = "
                    + b.config().epsilon0() + ")");
        }
    }
}
