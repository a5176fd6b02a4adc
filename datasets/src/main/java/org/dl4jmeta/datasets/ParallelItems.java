package org.dl4jmeta.datasets;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs items 0..n-1 on one daemon worker per core, each worker with its own state (e.g. an image decoder that is
 * not thread-safe), as the loaders decode a whole split once. The first failure stops the other workers and is
 * rethrown as the {@link IOException} it was.
 */
public final class ParallelItems {

    private ParallelItems() {
    }

    /**
     * One item's work.
     *
     * @param <S> the worker's state
     */
    @FunctionalInterface
    public interface Work<S> {
        /**
         * @param state the calling worker's state
         * @param item the item index
         * @throws DatasetException if the item cannot be processed (names the file)
         */
        void run(S state, int item) throws DatasetException;
    }

    /**
     * @param what what is processed, for messages (e.g. "Omniglot images")
     * @param items number of items n
     * @param state creates one worker's state
     * @param work the work of one item
     * @param <S> the worker's state type
     * @throws IOException the first item's failure, or an {@link InterruptedIOException} if interrupted
     */
    public static <S> void forEach(String what, int items, Supplier<S> state, Work<S> work) throws IOException {
        int threads = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), items));
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, what + " worker");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (int w = 0; w < threads; w++) {
                jobs.add(pool.submit(() -> {
                    S s = state.get();
                    for (int item; (item = next.getAndIncrement()) < items; ) {
                        try {
                            work.run(s, item);
                        } catch (DatasetException e) {
                            next.set(items);
                            throw new UncheckedIOException(e);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> job : jobs) {
                job.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while decoding " + what);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(what + " decoding failed: " + cause, cause);
        } finally {
            pool.shutdownNow();
        }
    }
}
