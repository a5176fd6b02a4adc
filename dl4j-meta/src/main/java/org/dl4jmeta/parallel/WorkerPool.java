package org.dl4jmeta.parallel;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * Runs independent tasks (the tasks of a meta-batch, evaluation episodes) on T workers, each owning its own
 * context, typically a meta-learner with its own compiled graphs, since learners are not thread-safe. Worker 0
 * runs on the calling thread and worker k &gt; 0 always on the same dedicated daemon thread, so a context is only
 * ever used by one thread. Results come back in task order whatever worker computed them, so a caller that
 * reduces them in that order gets the same numbers as a sequential loop. With one worker there is no executor
 * and tasks run inline: an idle pool costs nothing.
 *
 * <p>With T &gt; 1 workers each runs its native ops with cores / T OpenMP threads (see {@link NativeThreads}): the
 * dedicated threads from their start, the calling thread for the duration of {@link #map}, after which its own
 * count is restored. One worker keeps the calling thread's count (OMP_NUM_THREADS, or all cores).
 *
 * <p>Call order: construct, {@link #map} any number of times from one thread, {@link #close}. Not for concurrent
 * {@code map} calls.
 *
 * @param <W> the per-worker context
 */
public final class WorkerPool<W> implements AutoCloseable {

    private final List<W> workers;
    private final List<ExecutorService> threads = new ArrayList<>();

    /**
     * Creates the workers' contexts now, on the calling thread.
     *
     * @param factory creates one context per worker
     * @param workers T, &gt;= 1
     * @throws IllegalArgumentException if workers &lt; 1
     */
    public WorkerPool(Supplier<? extends W> factory, int workers) {
        Objects.requireNonNull(factory, "factory");
        if (workers < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + workers);
        }
        List<W> w = new ArrayList<>(workers);
        for (int i = 0; i < workers; i++) {
            w.add(Objects.requireNonNull(factory.get(), "the factory returned null"));
        }
        this.workers = List.copyOf(w);
    }

    /** @return the number of workers T */
    public int size() {
        return workers.size();
    }

    /** @return every worker's context, worker 0 (the calling thread's) first */
    public List<W> contexts() {
        return workers;
    }

    /** @return worker 0's context, the one used on the calling thread */
    public W primary() {
        return workers.get(0);
    }

    /**
     * Computes {@code task(context, i)} for i = 0..n-1, spreading the indices over the workers (each takes the next
     * free index), and returns the results in index order.
     *
     * @param n the number of tasks, &gt;= 0
     * @param task the task; it must only read shared state
     * @param <R> the result type
     * @return the n results in index order
     * @throws RuntimeException the exception of the lowest-indexed task that failed (after all workers stopped)
     */
    public <R> List<R> map(int n, BiFunction<? super W, Integer, ? extends R> task) {
        Objects.requireNonNull(task, "task");
        List<R> out = new ArrayList<>(n);
        if (workers.size() == 1 || n <= 1) {
            W w = workers.get(0);
            for (int i = 0; i < n; i++) {
                out.add(task.apply(w, i));
            }
            return out;
        }
        Object[] results = new Object[n];
        Throwable[] errors = new Throwable[n];
        AtomicInteger next = new AtomicInteger();
        AtomicBoolean failed = new AtomicBoolean();
        int used = Math.min(workers.size(), n);
        List<Future<?>> futures = new ArrayList<>(used - 1);
        for (int k = 1; k < used; k++) {
            W w = workers.get(k);
            futures.add(thread(k).submit(() -> drain(w, n, task, next, failed, results, errors)));
        }
        atWorkerThreads(() -> {
            drain(workers.get(0), n, task, next, failed, results, errors);
            return null;
        });
        boolean interrupted = false;
        for (Future<?> f : futures) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    // drain catches everything; an ExecutionException would be a bug of the pool itself
                    throw new IllegalStateException("worker failed outside a task", e.getCause());
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        for (Throwable t : errors) {
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t != null) {
                throw new IllegalStateException(t);
            }
        }
        for (Object r : results) {
            @SuppressWarnings("unchecked")
            R cast = (R) r;
            out.add(cast);
        }
        return out;
    }

    /**
     * Runs {@code work} on the calling thread with the native thread count of a worker ({@link #map}'s count: cores
     * / T for T &gt; 1 workers; the caller's own for one worker), then restores the caller's count.
     *
     * <p>For the caller's own native work between two {@link #map} calls, such as a meta-batch's outer update: run
     * with the caller's full count, that work's parallel regions leave OpenMP team threads spin-waiting for new
     * work after they end (libgomp spins for a while before it sleeps unless {@code OMP_WAIT_POLICY=passive}), on
     * the cores the workers of the next {@code map} need. Measured (Omniglot Conv-4, first-order MAML, meta-batch
     * 4, 2 workers on 2 cores, alternating in one process): three meta-steps 314-335 ms with the update at one
     * native thread against 377-453 ms at two.
     *
     * @param work the caller's work
     * @param <R> its result type
     * @return what {@code work} returned
     */
    public <R> R atWorkerThreads(Supplier<? extends R> work) {
        Objects.requireNonNull(work, "work");
        if (workers.size() == 1) {
            return work.get();
        }
        int callerThreads = NativeThreads.get();
        NativeThreads.set(NativeThreads.perWorker(workers.size()));
        try {
            return work.get();
        } finally {
            NativeThreads.set(callerThreads);
        }
    }

    private static <W, R> void drain(W w, int n, BiFunction<? super W, Integer, ? extends R> task, AtomicInteger next,
                                     AtomicBoolean failed, Object[] results, Throwable[] errors) {
        for (int i; !failed.get() && (i = next.getAndIncrement()) < n; ) {
            try {
                results[i] = task.apply(w, i);
            } catch (RuntimeException | Error e) {
                errors[i] = e;
                failed.set(true);
            }
        }
    }

    private ExecutorService thread(int k) {
        while (threads.size() < k) {
            int id = threads.size() + 1;
            int nativeThreads = NativeThreads.perWorker(workers.size());
            threads.add(Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(() -> {
                    NativeThreads.set(nativeThreads);
                    r.run();
                }, "dl4j-meta-worker-" + id);
                t.setDaemon(true);
                return t;
            }));
        }
        return threads.get(k - 1);
    }

    /** Stops the worker threads. Idempotent. */
    @Override
    public void close() {
        threads.forEach(ExecutorService::shutdownNow);
        threads.clear();
    }

    @Override
    public String toString() {
        return "WorkerPool[" + workers.size() + " workers, " + threads.size() + " threads started]";
    }
}
