package org.dl4jmeta.io;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.optim.OuterOptimizer;
import org.dl4jmeta.optim.TrainingState;
import org.dl4jmeta.provenance.Provenance;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The content of a model file ({@link ModelFile}): what network, which meta-learner, which parameters, the job's
 * configuration and provenance, and for checkpoints the outer optimiser and training progress.
 *
 * <p>Three kinds: a meta-model (meta-parameters theta, to be adapted to new tasks), an adapted model (task
 * parameters phi after fine-tuning on a support set, with the class names of its outputs) and a checkpoint (a
 * meta-model plus everything needed to resume meta-training exactly).
 *
 * @param kind meta, adapted or checkpoint
 * @param network the architecture
 * @param algorithm the meta-learner and its configuration
 * @param parameters theta (meta, checkpoint) or phi (adapted)
 * @param config the job's configuration (e.g. data set, ways, shots; free-form)
 * @param provenance where the parameters came from
 * @param classNames the name of each output class (adapted models; empty otherwise)
 * @param optimizer the outer optimiser (checkpoints; null otherwise)
 * @param progress the training progress (checkpoints; null otherwise)
 */
public record SavedModel(Kind kind, NetworkSpec network, AlgorithmSpec algorithm, ParamSet parameters,
                         Map<String, Object> config, Provenance provenance, List<String> classNames,
                         OptimizerSnapshot optimizer, TrainingProgress progress) {

    /** What a model file holds. */
    public enum Kind {
        /** meta-parameters to adapt from */
        META,
        /** parameters fine-tuned to one task */
        ADAPTED,
        /** meta-parameters with optimiser and progress, to resume training */
        CHECKPOINT;

        /** @return the lower-case name used in the manifest */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * @param id meta, adapted or checkpoint
         * @return the kind
         * @throws IllegalArgumentException if id names no kind
         */
        public static Kind fromId(String id) {
            for (Kind k : values()) {
                if (k.id().equals(id)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("model kind must be meta, adapted or checkpoint, got '" + id + "'");
        }
    }

    /**
     * The outer optimiser's configuration and state (e.g. Adam's moment estimates).
     *
     * @param updater ND4J's updater configuration
     * @param state the updater state, or null for a stateless updater such as SGD
     */
    public record OptimizerSnapshot(IUpdater updater, INDArray state) {
        /**
         * @throws NullPointerException if updater is null
         */
        public OptimizerSnapshot {
            Objects.requireNonNull(updater, "updater");
        }
    }

    /**
     * How far meta-training got. Iteration t (0-based) of {@code MetaTrainer.fit} uses episodes
     * [t B, (t+1) B) of a stream whose episode i is a pure function of (seed, i), so {@code iteration} and
     * {@code seed} are the complete state of the episode stream.
     *
     * @param iteration completed outer iterations
     * @param metaBatchSize B
     * @param seed the seed of the training episode stream
     * @param episodesConsumed iteration times B: the index of the next training episode
     * @param learnerState the learner's own state (e.g. BI-MAML's phase) as {@link AlgorithmSpec#saveState}
     *     stores it; empty for learners that keep none
     * @param extras job state, e.g. the best validation accuracy so far
     */
    public record TrainingProgress(int iteration, int metaBatchSize, long seed, long episodesConsumed,
                                   Map<String, Object> learnerState, Map<String, Object> extras) {
        /**
         * @throws IllegalArgumentException if a count is negative or episodesConsumed is not iteration times B
         */
        public TrainingProgress {
            if (iteration < 0) {
                throw new IllegalArgumentException("iteration must be >= 0, got " + iteration);
            }
            if (metaBatchSize < 1) {
                throw new IllegalArgumentException("metaBatchSize must be >= 1, got " + metaBatchSize);
            }
            if (episodesConsumed != (long) iteration * metaBatchSize) {
                throw new IllegalArgumentException("episodesConsumed must be iteration * metaBatchSize = "
                        + (long) iteration * metaBatchSize + ", got " + episodesConsumed);
            }
            learnerState = Map.copyOf(learnerState == null ? Map.of() : learnerState);
            extras = Map.copyOf(extras == null ? Map.of() : extras);
        }
    }

    /**
     * Validates the combination of fields.
     *
     * @throws IllegalArgumentException if a checkpoint lacks optimiser or progress, another kind has them, or the
     *     class names do not match the network's outputs
     * @throws NullPointerException if a required field is null
     */
    public SavedModel {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(parameters, "parameters");
        Objects.requireNonNull(provenance, "provenance");
        config = config == null ? Map.of() : java.util.Collections.unmodifiableMap(
                new java.util.LinkedHashMap<>(config));
        classNames = List.copyOf(classNames == null ? List.of() : classNames);
        if (kind == Kind.CHECKPOINT && (optimizer == null || progress == null)) {
            throw new IllegalArgumentException("a checkpoint needs the optimiser state and the training progress");
        }
        if (kind != Kind.CHECKPOINT && (optimizer != null || progress != null)) {
            throw new IllegalArgumentException("only checkpoints hold optimiser state and progress, got kind " + kind);
        }
    }

    /**
     * @param learner the meta-learner
     * @param theta its meta-parameters
     * @param config the job's configuration
     * @param provenance where theta came from
     * @return a meta-model
     */
    public static SavedModel meta(MetaLearner learner, ParamSet theta, Map<String, Object> config,
                                  Provenance provenance) {
        return new SavedModel(Kind.META, NetworkSpec.of(learner.network()), AlgorithmSpec.of(learner), theta,
                config, provenance, List.of(), null, null);
    }

    /**
     * @param learner the meta-learner that adapted
     * @param phi the adapted network parameters
     * @param classNames the name of each output, in output order
     * @param config the job's configuration
     * @param provenance where phi came from
     * @return an adapted model
     * @throws IllegalArgumentException if the number of class names is not the network's outputs
     */
    public static SavedModel adapted(MetaLearner learner, ParamSet phi, List<String> classNames,
                                     Map<String, Object> config, Provenance provenance) {
        if (classNames.size() != learner.network().outputs()) {
            throw new IllegalArgumentException("an adapted model needs one class name per output ("
                    + learner.network().outputs() + "), got " + classNames.size());
        }
        return new SavedModel(Kind.ADAPTED, NetworkSpec.of(learner.network()), AlgorithmSpec.of(learner), phi,
                config, provenance, classNames, null, null);
    }

    /**
     * Everything needed to resume meta-training exactly.
     *
     * @param learner the meta-learner
     * @param state theta, optimiser, iteration and the learner's state (e.g. BI-MAML's phase)
     * @param metaBatchSize B
     * @param seed the training episode stream's seed
     * @param config the job's configuration
     * @param provenance the job's provenance
     * @param extras job state to keep, e.g. the best validation accuracy
     * @return a checkpoint (theta and optimiser state are copied)
     */
    public static SavedModel checkpoint(MetaLearner learner, TrainingState state, int metaBatchSize, long seed,
                                        Map<String, Object> config, Provenance provenance,
                                        Map<String, Object> extras) {
        OuterOptimizer opt = state.optimizer();
        AlgorithmSpec algorithm = AlgorithmSpec.of(learner);
        TrainingProgress p = new TrainingProgress(state.iteration(), metaBatchSize, seed,
                (long) state.iteration() * metaBatchSize, algorithm.saveState(state.learnerState()), extras);
        return new SavedModel(Kind.CHECKPOINT, NetworkSpec.of(learner.network()), algorithm,
                state.theta().copy(), config, provenance, List.of(), new OptimizerSnapshot(opt.config(), opt.state()),
                p);
    }

    /** @return the network this model's parameters belong to */
    public Network buildNetwork() {
        return network.toNetwork();
    }

    /**
     * @return a fresh learner for this model (one per thread; learners keep no training state, a checkpoint's
     *     learner state is in {@link #restoreTrainingState})
     * @throws IllegalArgumentException if the algorithm cannot be rebuilt
     */
    public MetaLearner createLearner() {
        return algorithm.create(buildNetwork());
    }

    /**
     * @return the training state of a checkpoint: a copy of theta, the restored optimiser, the iteration and the
     *     learner's state
     * @throws IllegalStateException if this is not a checkpoint
     * @throws IllegalArgumentException if the saved learner state does not fit the learner type
     */
    public TrainingState restoreTrainingState() {
        if (kind != Kind.CHECKPOINT) {
            throw new IllegalStateException("only a checkpoint can resume training; this model file is " + kind.id());
        }
        ParamSet theta = parameters.copy();
        OuterOptimizer opt = OuterOptimizer.restore(optimizer.updater(), theta.length(), optimizer.state());
        return new TrainingState(theta, opt, progress.iteration(), algorithm.restoreState(progress.learnerState()));
    }

    /**
     * @return this model as a meta-model with the same parameters, configuration and provenance (a checkpoint's
     *     optimiser state and progress are dropped)
     * @throws IllegalStateException if this is an adapted model
     */
    public SavedModel asMeta() {
        if (kind == Kind.ADAPTED) {
            throw new IllegalStateException("an adapted model holds task parameters, not meta-parameters");
        }
        return new SavedModel(Kind.META, network, algorithm, parameters, config, provenance, List.of(), null, null);
    }
}
