package org.dl4jmeta.datasets.episode;

import java.util.List;
import java.util.Objects;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.EpisodeSource;

/**
 * An {@link EpisodeSource} that serves meta-batches prepared ahead by a {@link MetaBatchPrefetcher}, for a consumer
 * that asks for episodes in meta-batch order ({@code MetaTrainer.fit} asks for tB .. tB+B-1 at iteration t), so
 * training never waits for data. Requests out of that order are answered by the wrapped source directly; since an
 * episode is a pure function of its index, the answer is the same either way.
 *
 * <p>Call order: construct (which starts the prefetcher at a given iteration), request episodes from one consumer
 * thread, {@link #close()}. Not for several consumer threads.
 */
public final class PrefetchingEpisodeSource implements EpisodeSource, AutoCloseable {

    private final EpisodeSource source;
    private final int metaBatchSize;
    private final MetaBatchPrefetcher prefetcher;
    private long currentFirst = -1;
    private List<Episode> current = List.of();

    /**
     * @param source the episodes
     * @param metaBatchSize B, {@code >= 1}
     * @param firstIteration the first meta-batch the consumer will ask for, {@code >= 0} (the resumed iteration)
     * @param ahead meta-batches prepared ahead, {@code >= 1}
     * @throws IllegalArgumentException on an out-of-range argument
     */
    public PrefetchingEpisodeSource(EpisodeSource source, int metaBatchSize, long firstIteration, int ahead) {
        this.source = Objects.requireNonNull(source, "source");
        this.metaBatchSize = metaBatchSize;
        this.prefetcher = new MetaBatchPrefetcher(source, metaBatchSize, firstIteration, ahead);
    }

    @Override
    public Episode episode(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("episode index must be >= 0, got " + index);
        }
        if (current.isEmpty() || index < currentFirst || index >= currentFirst + current.size()) {
            long iteration = index / metaBatchSize;
            if (index % metaBatchSize != 0 || iteration != prefetcher.nextIteration()) {
                return source.episode(index);
            }
            try {
                current = prefetcher.next();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for meta-batch " + iteration, e);
            }
            currentFirst = iteration * metaBatchSize;
        }
        return current.get((int) (index - currentFirst));
    }

    /** Stops the background thread. Idempotent. */
    @Override
    public void close() {
        prefetcher.close();
    }
}
