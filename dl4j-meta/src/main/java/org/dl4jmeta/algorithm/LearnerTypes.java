package org.dl4jmeta.algorithm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.dl4jmeta.registry.Registry;

/**
 * The registry of {@link LearnerType}s: the built-in learners' (MAML with first-order MAML and MAML++ as its aliases
 * {@code fomaml} and {@code maml++}, Reptile, iMAML, HF-MAML, BI-MAML, ANIL, Meta-SGD; listed in this library's
 * {@code META-INF/services/org.dl4jmeta.algorithm.LearnerType}) and any a user adds by a service file or
 * {@link #register}. Model files, checkpoints and the app's {@code train}, {@code eval}, {@code bench} and
 * {@code reproduce} find learners through it. Thread-safe.
 */
public final class LearnerTypes {

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static final Registry<LearnerType<?, ?>> REGISTRY = new Registry<LearnerType<?, ?>>((Class) LearnerType.class,
            "learner type", LearnerType::id);

    private LearnerTypes() {
    }

    /**
     * A learner name as a user gives it: a learner type's id or one of its aliases.
     *
     * @param type the learner type
     * @param name the name given
     * @param preset the configuration fields the alias sets (empty for the id itself)
     */
    public record Named(LearnerType<?, ?> type, String name, Map<String, Object> preset) {
        /**
         * @throws NullPointerException if a field is null
         */
        public Named {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(name, "name");
            preset = Map.copyOf(preset);
        }
    }

    /**
     * Registers a learner type in code (an alternative to a service file).
     *
     * @param type the type
     * @throws IllegalArgumentException if its id is taken by another type
     */
    public static void register(LearnerType<?, ?> type) {
        REGISTRY.register(type);
    }

    /**
     * @param id a learner type id, e.g. from a model file
     * @return the type
     * @throws IllegalArgumentException naming the id and the learner types found
     */
    public static LearnerType<?, ?> get(String id) {
        return REGISTRY.get(id);
    }

    /**
     * @param name a learner type id or alias, e.g. {@code fomaml}
     * @return the type and the alias's preset
     * @throws IllegalArgumentException naming the name and every id and alias found
     */
    public static Named named(String name) {
        for (LearnerType<?, ?> t : REGISTRY.all()) {
            if (t.id().equals(name)) {
                return new Named(t, name, Map.of());
            }
            Map<String, Object> preset = t.aliases().get(name);
            if (preset != null) {
                return new Named(t, name, preset);
            }
        }
        throw new IllegalArgumentException("unknown learner '" + name + "'; learners found: "
                + String.join(", ", names()) + " (providers in META-INF/services/" + LearnerType.class.getName()
                + " or registered in code)");
    }

    /** @return every learner type id, sorted */
    public static List<String> ids() {
        return REGISTRY.ids();
    }

    /** @return every learner type id and alias, sorted: the names {@link #named} accepts */
    public static List<String> names() {
        List<String> n = new ArrayList<>();
        for (LearnerType<?, ?> t : REGISTRY.all()) {
            n.add(t.id());
            n.addAll(t.aliases().keySet());
        }
        Collections.sort(n);
        return List.copyOf(n);
    }

    /**
     * @param learner a learner
     * @return the type that saves its class
     * @throws IllegalArgumentException if no registered type saves that class, naming it and the types found
     */
    public static LearnerType<?, ?> of(MetaLearner learner) {
        for (LearnerType<?, ?> t : REGISTRY.all()) {
            if (t.learnerClass() == learner.getClass()) {
                return t;
            }
        }
        throw new IllegalArgumentException("meta-learner " + learner.getClass().getName() + " ('" + learner.id()
                + "') has no registered learner type, so it cannot be saved in a model file; implement LearnerType "
                + "for it and register it; " + REGISTRY.found());
    }

    /**
     * @param learner a learner
     * @return its configuration, by the type that saves its class
     * @throws IllegalArgumentException if no registered type saves it
     */
    public static Record config(MetaLearner learner) {
        return config(of(learner), learner);
    }

    private static <C extends Record, L extends MetaLearner> C config(LearnerType<C, L> type, MetaLearner learner) {
        return type.config(type.learnerClass().cast(learner));
    }

    /**
     * Builds a learner from a configuration record of its type.
     *
     * @param type the learner type
     * @param network the network
     * @param config an instance of {@code type.configClass()}
     * @return a fresh learner
     * @throws IllegalArgumentException if the configuration is of another class
     */
    public static MetaLearner create(LearnerType<?, ?> type, org.dl4jmeta.model.Network network, Record config) {
        return createTyped(type, network, config);
    }

    private static <C extends Record, L extends MetaLearner> L createTyped(LearnerType<C, L> type,
                                                                          org.dl4jmeta.model.Network network,
                                                                          Record config) {
        if (!type.configClass().isInstance(config)) {
            throw new IllegalArgumentException("learner type " + type.id() + " takes a "
                    + type.configClass().getSimpleName() + ", got " + config.getClass().getName());
        }
        return type.create(network, type.configClass().cast(config));
    }
}
