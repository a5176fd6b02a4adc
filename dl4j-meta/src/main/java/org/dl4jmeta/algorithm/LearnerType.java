package org.dl4jmeta.algorithm;

import java.util.Map;
import org.dl4jmeta.model.Network;

/**
 * How one kind of {@link MetaLearner} is named, configured, built, saved and resumed: its id, its configuration
 * record, a configuration from the two settings every inner loop has, the learner from a network and a
 * configuration, and the class of its {@link LearnerState}. Model files store a learner as its id and its
 * configuration record's fields; checkpoints add its state's fields.
 *
 * <p>Found by {@link LearnerTypes}: list the implementing class in
 * {@code META-INF/services/org.dl4jmeta.algorithm.LearnerType}, or call {@link LearnerTypes#register}. An
 * implementation needs a public no-argument constructor for the service file and is stateless.
 *
 * @param <C> the configuration record (immutable, validated in its constructor, fields that are JSON values)
 * @param <L> the learner class
 */
public interface LearnerType<C extends Record, L extends MetaLearner> {

    /** @return the id stored in model files and given to {@code train --algo}, e.g. {@code maml} */
    String id();

    /**
     * Other names for preset configurations of this learner, e.g. MAML's {@code fomaml}: first-order MAML is MAML
     * with {@code firstOrder} set, so model files store it as {@code maml}.
     *
     * @return alias to the configuration fields it sets (over {@link #defaultConfig}); empty by default
     */
    default Map<String, Map<String, Object>> aliases() {
        return Map.of();
    }

    /** @return the configuration record class */
    Class<C> configClass();

    /** @return the learner class this type saves (exactly this class) */
    Class<L> learnerClass();

    /**
     * The learner's configuration with its defaults, given the two settings every inner loop has.
     *
     * @param innerSteps inner steps in meta-training, &gt;= 1
     * @param innerStepSize the inner step size alpha, &gt; 0
     * @return the configuration
     * @throws IllegalArgumentException if the learner cannot take these values (naming them)
     */
    C defaultConfig(int innerSteps, double innerStepSize);

    /**
     * @param network the network to meta-learn
     * @param config the configuration
     * @return a fresh learner (one per thread: learners cache graphs and are not thread-safe)
     */
    L create(Network network, C config);

    /**
     * @param learner a learner of {@link #learnerClass()}
     * @return its configuration
     */
    C config(L learner);

    /**
     * @return the record class of this learner's {@link LearnerState}; {@link LearnerState.None} (the default) for
     *     a learner that keeps none
     */
    default Class<? extends LearnerState> stateClass() {
        return LearnerState.None.class;
    }
}
