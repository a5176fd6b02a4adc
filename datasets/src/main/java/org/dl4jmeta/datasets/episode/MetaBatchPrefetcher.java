package org.dl4jmeta.datasets.episode;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.EpisodeSource;

/**
 * Prepares meta-batches ahead of time on a background daemon thread, so that meta-training never waits for data.
 * Meta-batch {@code t} is episodes {@code [t*B, (t+1)*B)} of the source ({@link #metaBatch}), exactly what direct
 * sampling gives, so prefetching never changes results.
 *
 * <p>Call order: construct (the thread starts at {@code firstIteration}); call {@link #next()} once per meta-training
 * iteration, which returns iterations {@code firstIteration, firstIteration+1, ...} in order; {@link #close()} when
 * done (try-with-resources), which stops the thread. At most {@code queueCapacity} meta-batches wait in memory.
 * If the source throws, {@code next()} throws an {@link IllegalStateException} naming the meta-batch, with the
 * source's exception as its cause, at the position of the failed meta-batch and on every later call.
 *
 * <p>{@code next()} is meant for one consumer thread.
 */
public final class MetaBatchPrefetcher implements AutoCloseable {

    private static final long JOIN_MILLIS = 10_000;

    private final EpisodeSource source;
    private final int metaBatchSize;
    private final BlockingQueue<Item> queue;
    private final Thread worker;
    private volatile boolean closed;
    private long nextIteration;
    private RuntimeException failure;

    /** One queue entry: a meta-batch or the error that prevented it. */
    private record Item(long iteration, List<Episode> batch, Throwable error) {
    }

    /**
     * Starts prefetching meta-batches {@code firstIteration, firstIteration+1, ...}.
     *
     * @param source the episodes
     * @param metaBatchSize B, tasks per meta-batch, {@code >= 1}
     * @param firstIteration the first meta-batch index t, {@code >= 0} (non-zero when resuming from a checkpoint)
     * @param queueCapacity meta-batches prepared ahead, {@code >= 1}
     * @throws IllegalArgumentException if metaBatchSize, firstIteration or queueCapacity is out of range
     */
    public MetaBatchPrefetcher(EpisodeSource source, int metaBatchSize, long firstIteration, int queueCapacity) {
        this.source = Objects.requireNonNull(source, "source");
        if (metaBatchSize < 1) {
            throw new IllegalArgumentException("metaBatchSize must be >= 1, got " + metaBatchSize);
        }
        if (firstIteration < 0) {
            throw new IllegalArgumentException("firstIteration must be >= 0, got " + firstIteration);
        }
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity must be >= 1, got " + queueCapacity);
        }
        this.metaBatchSize = metaBatchSize;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.nextIteration = firstIteration;
        this.worker = new Thread(() -> produce(firstIteration), "meta-batch-prefetcher");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /**
     * Starts prefetching from meta-batch 0 with two meta-batches prepared ahead.
     *
     * @param source the episodes
     * @param metaBatchSize B, tasks per meta-batch, {@code >= 1}
     * @throws IllegalArgumentException if metaBatchSize &lt; 1
     */
    public MetaBatchPrefetcher(EpisodeSource source, int metaBatchSize) {
        this(source, metaBatchSize, 0, 2);
    }

    /**
     * Builds meta-batch {@code t} directly: episodes {@code [t*B, (t+1)*B)} of the source.
     *
     * @param source the episodes
     * @param iteration t, {@code >= 0}
     * @param metaBatchSize B, {@code >= 1}
     * @return the B episodes, in index order (unmodifiable)
     * @throws IllegalArgumentException if iteration &lt; 0 or metaBatchSize &lt; 1
     */
    public static List<Episode> metaBatch(EpisodeSource source, long iteration, int metaBatchSize) {
        if (iteration < 0) {
            throw new IllegalArgumentException("iteration must be >= 0, got " + iteration);
        }
        if (metaBatchSize < 1) {
            throw new IllegalArgumentException("metaBatchSize must be >= 1, got " + metaBatchSize);
        }
        List<Episode> batch = new ArrayList<>(metaBatchSize);
        long first = Math.multiplyExact(iteration, (long) metaBatchSize);
        for (int b = 0; b < metaBatchSize; b++) {
            batch.add(source.episode(first + b));
        }
        return Collections.unmodifiableList(batch);
    }

    private void produce(long firstIteration) {
        long t = firstIteration;
        try {
            while (!closed) {
                Item item;
                try {
                    item = new Item(t, metaBatch(source, t, metaBatchSize), null);
                } catch (RuntimeException | Error e) {
                    item = new Item(t, null, e);
                }
                queue.put(item);
                if (item.error() != null) {
                    return;
                }
                t++;
            }
        } catch (InterruptedException e) {
            // close() interrupts a put() that waits for room: the normal way to stop.
            Thread.currentThread().interrupt();
        }
    }

    /** @return the meta-batch index t that the next call to {@link #next()} returns */
    public long nextIteration() {
        return nextIteration;
    }

    /**
     * Returns the next meta-batch, waiting if it is not ready yet.
     *
     * @return the B episodes of meta-batch {@link #nextIteration()}, in index order
     * @throws InterruptedException if the calling thread is interrupted while waiting
     * @throws IllegalStateException if the prefetcher is closed, or the source failed on this or an earlier
     *     meta-batch (the source's exception is the cause)
     */
    public List<Episode> next() throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("meta-batch prefetcher is closed");
        }
        if (failure != null) {
            throw failure;
        }
        Item item = queue.take();
        if (item.error() != null) {
            long first = item.iteration() * metaBatchSize;
            failure = new IllegalStateException("episode source failed while preparing meta-batch "
                    + item.iteration() + " (episodes " + first + ".." + (first + metaBatchSize - 1) + "): "
                    + item.error(), item.error());
            throw failure;
        }
        nextIteration = item.iteration() + 1;
        return item.batch();
    }

    /**
     * Stops the background thread and drops prepared meta-batches. Idempotent.
     *
     * @throws IllegalStateException if the thread does not stop within 10 seconds (a source that blocks forever)
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        worker.interrupt();
        try {
            worker.join(JOIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        queue.clear();
        if (worker.isAlive()) {
            throw new IllegalStateException("meta-batch prefetcher thread did not stop within "
                    + TimeUnit.MILLISECONDS.toSeconds(JOIN_MILLIS) + " s; the episode source seems blocked");
        }
    }
}
