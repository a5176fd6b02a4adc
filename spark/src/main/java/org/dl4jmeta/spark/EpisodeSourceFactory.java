package org.dl4jmeta.spark;

import java.io.Serializable;
import org.dl4jmeta.task.EpisodeSource;

/**
 * A serializable description of a training episode stream, from which each Spark executor builds its own
 * {@link EpisodeSource} (once per executor JVM): e.g. a data set's path, split, ways, shots, queries, seed and data
 * type. The source it creates must give the same episode {@code i} as the driver's, which holds when both are the
 * same pure function of (seed, split, index) over the same data.
 *
 * <p>{@link #toString} is used in error messages, so a record naming its path is a good implementation.
 */
@FunctionalInterface
public interface EpisodeSourceFactory extends Serializable {

    /**
     * Builds the episode stream on the machine that calls it.
     *
     * @return the episodes
     * @throws Exception if the data cannot be read there (the message should name the path)
     */
    EpisodeSource create() throws Exception;
}
