package org.dl4jmeta.task;

/**
 * A deterministic, indexable stream of episodes: {@code episode(i)} is a pure function of the source's seed and
 * {@code i}, whatever the thread or the order of requests, so that every algorithm sees identical tasks
 * (training runs are reproducible and test episodes are shared between compared models).
 *
 * <p>Implementations must be safe to call from several threads at once.
 */
@FunctionalInterface
public interface EpisodeSource {

    /**
     * @param index episode index, {@code >= 0}
     * @return episode number {@code index}
     * @throws IllegalArgumentException if index is negative
     */
    Episode episode(long index);
}
