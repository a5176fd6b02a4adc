package org.dl4jmeta.train;

import org.dl4jmeta.optim.TrainingState;

/**
 * Lets another thread (e.g. a shutdown hook on SIGTERM or Ctrl-C) end meta-training cleanly: after
 * {@link #request}, {@link MetaTrainer#fit} finishes the iteration in progress and returns, so the caller can write
 * a checkpoint of a consistent state. Thread-safe.
 */
public final class StopSignal implements TrainingListener {

    private volatile boolean requested;

    /** Asks training to stop after the current iteration. */
    public void request() {
        requested = true;
    }

    /** @return whether a stop was requested */
    public boolean requested() {
        return requested;
    }

    @Override
    public void iterationDone(IterationMetrics metrics, TrainingState state) {
        // nothing to observe: the signal only answers shouldStop
    }

    @Override
    public boolean shouldStop(IterationMetrics metrics, TrainingState state) {
        return requested;
    }
}
