package org.dl4jmeta.io;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.dl4jmeta.algorithm.LearnerState;
import org.dl4jmeta.algorithm.LearnerType;
import org.dl4jmeta.algorithm.LearnerTypes;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.model.Network;
import org.nd4j.shade.jackson.core.type.TypeReference;

/**
 * A meta-learner as data: its type id and the fields of its configuration record, so a model file rebuilds the
 * learner and test-time adaptation uses the step sizes it was meta-trained with. Learner types come from the
 * registry ({@link LearnerTypes}), built-in ones (MAML and first-order MAML, Finn et al. 2017; Reptile, Nichol et
 * al. 2018; iMAML, Rajeswaran et al. 2019; HF-MAML, Fallah et al. 2020; BI-MAML) and registered user ones alike.
 * Also converts a learner's {@link LearnerState} to and from the fields checkpoints store.
 *
 * @param type a learner type id, e.g. {@code maml} (first order is a field of its config)
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
     * @throws IllegalArgumentException if no registered learner type saves the learner's class, naming it and the
     *     types found
     */
    public static AlgorithmSpec of(MetaLearner learner) {
        return new AlgorithmSpec(LearnerTypes.of(learner).id(), fields(LearnerTypes.config(learner)));
    }

    /**
     * A learner's configuration from a name and settings, as {@code train} builds it: the type's
     * {@link LearnerType#defaultConfig} for the inner steps and step size, then the alias's preset fields (e.g.
     * {@code fomaml}: firstOrder), then {@code overrides} (configuration record fields by name; nested records as
     * nested maps, merged field by field).
     *
     * @param name a learner type id or alias
     * @param innerSteps inner steps in meta-training
     * @param innerStepSize inner step size alpha
     * @param overrides configuration fields to set
     * @return the validated spec
     * @throws IllegalArgumentException if the name is unknown (naming it and the learners found), a field is unknown
     *     or a value is invalid (the record's own validation names it)
     */
    public static AlgorithmSpec configure(String name, int innerSteps, double innerStepSize,
                                          Map<String, Object> overrides) {
        LearnerTypes.Named n = LearnerTypes.named(name);
        Map<String, Object> fields = fields(n.type().defaultConfig(innerSteps, innerStepSize));
        merge(fields, n.preset());
        merge(fields, overrides);
        AlgorithmSpec spec = new AlgorithmSpec(n.type().id(), fields);
        spec.configRecord();
        return spec;
    }

    @SuppressWarnings("unchecked")
    private static void merge(Map<String, Object> into, Map<String, Object> from) {
        for (Map.Entry<String, Object> e : from.entrySet()) {
            Object old = into.get(e.getKey());
            if (old instanceof Map<?, ?> o && e.getValue() instanceof Map<?, ?> v) {
                Map<String, Object> nested = new LinkedHashMap<>((Map<String, Object>) o);
                merge(nested, (Map<String, Object>) v);
                into.put(e.getKey(), nested);
            } else {
                into.put(e.getKey(), e.getValue());
            }
        }
    }

    private static Map<String, Object> fields(Object config) {
        return new LinkedHashMap<>(Json.mapper().convertValue(config, MAP));
    }

    /** @return the registered learner type of this spec */
    public LearnerType<?, ?> learnerType() {
        return LearnerTypes.get(type);
    }

    /**
     * @return the configuration as its record
     * @throws IllegalArgumentException if the type is unknown or a field is missing, unknown or invalid
     */
    public Record configRecord() {
        Class<? extends Record> c = learnerType().configClass();
        try {
            return Json.mapper().convertValue(config, c);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid " + type + " configuration " + config + ": "
                    + rootMessage(e), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        return m == null ? root.toString() : m.lines().findFirst().orElse(m);
    }

    /**
     * Builds a fresh learner (with empty graph caches) for a network: call once per thread.
     *
     * @param network the network it meta-learns
     * @return the learner
     * @throws IllegalArgumentException if the type is unknown (naming it and the types found) or a configuration
     *     field is missing or invalid (the record's own validation names the value)
     */
    public MetaLearner create(Network network) {
        return LearnerTypes.create(learnerType(), network, configRecord());
    }

    /**
     * A learner state as the fields a checkpoint stores.
     *
     * @param state a state of this spec's learner type ({@link LearnerState#NONE} for none)
     * @return name to value (empty for {@link LearnerState#NONE})
     * @throws IllegalArgumentException if the state is neither NONE nor of the type's state class
     */
    public Map<String, Object> saveState(LearnerState state) {
        if (state == LearnerState.NONE) {
            return Map.of();
        }
        Class<? extends LearnerState> c = learnerType().stateClass();
        if (!c.isInstance(state)) {
            throw new IllegalArgumentException("learner type " + type + " keeps a " + c.getSimpleName()
                    + ", got state " + state);
        }
        return fields(state);
    }

    /**
     * Restores what {@link #saveState} stored.
     *
     * @param saved the stored fields (empty: {@link LearnerState#NONE}, which a learner reads as its initial state)
     * @return the state
     * @throws IllegalArgumentException if the fields do not make a state of this type (naming them)
     */
    public LearnerState restoreState(Map<String, Object> saved) {
        if (saved.isEmpty()) {
            return LearnerState.NONE;
        }
        Class<? extends LearnerState> c = learnerType().stateClass();
        if (c == LearnerState.None.class) {
            throw new IllegalArgumentException("learner type " + type + " keeps no state, got " + saved);
        }
        try {
            return Json.mapper().convertValue(saved, c);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid " + type + " learner state " + saved + ": "
                    + rootMessage(e), e);
        }
    }
}
