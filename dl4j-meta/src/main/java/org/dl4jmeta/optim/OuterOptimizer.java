package org.dl4jmeta.optim;

import java.util.Objects;
import org.dl4jmeta.model.ParamSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The outer (meta) optimiser: one of ND4J's own updaters ({@code Adam}, {@code Sgd}, ...) applied to the flat
 * meta-gradient, as optax separates the optimiser from the learner. theta &lt;- theta - update(g, state, t).
 *
 * <p>Holds the updater's state (e.g. Adam's moment estimates) in one array so it can be checkpointed and
 * restored. Call order: construct (or {@link #restore}), then {@link #step} once per iteration with increasing
 * iteration numbers. Not thread-safe.
 */
public final class OuterOptimizer {

    private final IUpdater config;
    private final long numParams;
    private final INDArray state;
    private final GradientUpdater<?> updater;
    /**
     * The step's working arrays, made by the first step and reused: the state's copy taken before the update (to
     * put back if the update comes out non-finite) and the update itself. A fresh copy of Adam's state per step
     * was a new native allocation of twice theta's size, page-faulted every meta-step.
     */
    private INDArray backup;
    private INDArray update;

    /**
     * A fresh optimiser.
     *
     * @param config the ND4J updater configuration, e.g. {@code new Adam(1e-3)}
     * @param numParams number of scalars in theta
     * @param dataType data type of theta
     */
    public OuterOptimizer(IUpdater config, long numParams, DataType dataType) {
        this(config, numParams, config.stateSize(numParams) == 0 ? null
                : Nd4j.zeros(dataType, 1, config.stateSize(numParams)), true);
    }

    private OuterOptimizer(IUpdater config, long numParams, INDArray state, boolean initialise) {
        this.config = Objects.requireNonNull(config, "config").clone();
        if (numParams < 1) {
            throw new IllegalArgumentException("numParams must be >= 1, got " + numParams);
        }
        this.numParams = numParams;
        this.state = state;
        this.updater = this.config.instantiate(state, initialise);
    }

    /**
     * Restores an optimiser from a saved state.
     *
     * @param config the updater configuration it was created with
     * @param numParams number of scalars in theta
     * @param state the saved state (copied), or null for a stateless updater
     * @return the optimiser
     * @throws IllegalArgumentException if the state length does not match the configuration
     */
    public static OuterOptimizer restore(IUpdater config, long numParams, INDArray state) {
        long want = config.stateSize(numParams);
        long got = state == null ? 0 : state.length();
        if (want != got) {
            throw new IllegalArgumentException("optimiser state must have " + want + " elements for "
                    + config.getClass().getSimpleName() + " over " + numParams + " parameters, got " + got);
        }
        return new OuterOptimizer(config, numParams, state == null ? null : state.dup().reshape(1, got), false);
    }

    /**
     * Applies one update in place.
     *
     * @param theta meta-parameters, updated in place
     * @param gradient the meta-gradient, compatible with theta (not modified)
     * @param iteration the iteration number (used by bias correction and schedules)
     * @return false, with theta and the optimiser state unchanged, if the update came out non-finite; true once
     *     applied
     * @throws IllegalArgumentException if the layout differs from the one the optimiser was created for
     */
    public boolean step(ParamSet theta, ParamSet gradient, int iteration) {
        theta.requireCompatible(gradient, "meta-gradient");
        if (theta.length() != numParams) {
            throw new IllegalArgumentException("optimiser was created for " + numParams + " parameters, theta has "
                    + theta.length());
        }
        if (update == null) {
            update = gradient.flat().dup();
            backup = state == null ? null : state.dup();
        } else {
            update.assign(gradient.flat());
            if (backup != null) {
                backup.assign(state);
            }
        }
        updater.applyUpdater(update, iteration, 0);
        boolean finite = org.dl4jmeta.model.NativeArrays.allFinite(update);
        if (!finite && backup != null) {
            state.assign(backup);
        }
        if (finite) {
            theta.flat().subi(update);
        }
        return finite;
    }

    /** @return a copy of the updater state (null for stateless updaters such as SGD) */
    public INDArray state() {
        return state == null ? null : state.dup();
    }

    /** @return the updater configuration (a copy) */
    public IUpdater config() {
        return config.clone();
    }
}
