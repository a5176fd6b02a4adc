package org.dl4jmeta.train;

/**
 * Thrown when a task's loss or meta-gradient is NaN or infinite. The update of that iteration is not applied, so
 * the training state still holds the last good parameters.
 */
public final class NonFiniteLossException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int iteration;
    private final long episode;

    /**
     * @param iteration the 1-based iteration that failed
     * @param episode the index of the offending episode in the source
     * @param message what was non-finite
     */
    public NonFiniteLossException(int iteration, long episode, String message) {
        super("iteration " + iteration + ", episode " + episode + ": " + message
                + "; the update was not applied (lower the meta or inner learning rate, or use DOUBLE)");
        this.iteration = iteration;
        this.episode = episode;
    }

    /** @return the iteration that failed */
    public int iteration() {
        return iteration;
    }

    /** @return the offending episode index */
    public long episode() {
        return episode;
    }
}
