package org.dl4jmeta.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * The worker pool: each context stays on one thread, results come back in task order, workers share the cores'
 * native threads and the caller gets its own count back, and the lowest-indexed failure is the one reported.
 */
class WorkerPoolTest {

    @Test
    void workersUseTheirOwnLearnerOnTheirOwnThread() {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        List<Object> created = new ArrayList<>();
        try (WorkerPool<Object> pool = new WorkerPool<>(() -> {
            Object o = new Object();
            created.add(o);
            return o;
        }, 3)) {
            for (int round = 0; round < 3; round++) {
                List<Integer> r = pool.map(12, (w, i) -> {
                    seen.add(System.identityHashCode(w) + "@" + Thread.currentThread().getName());
                    return i * i;
                });
                for (int i = 0; i < 12; i++) {
                    assertEquals(i * i, r.get(i));
                }
            }
        }
        assertEquals(3, created.size());
        // each context is bound to one thread: at most one thread name per context
        assertTrue(seen.stream().map(s -> s.substring(0, s.indexOf('@'))).distinct().count() == seen.size(),
                seen.toString());
    }

    @Test
    void workersShareTheCoresAndTheCallerGetsItsNativeThreadsBack() {
        int cores = Runtime.getRuntime().availableProcessors();
        int before = NativeThreads.get();
        NativeThreads.set(cores + 1); // a count no worker of a 2-worker pool gets (cores / 2)
        try (WorkerPool<Object> pool = new WorkerPool<>(Object::new, 2)) {
            for (int round = 0; round < 2; round++) {
                List<Integer> seen = pool.map(6, (w, i) -> NativeThreads.get());
                assertEquals(java.util.Collections.nCopies(6, Math.max(1, cores / 2)), seen);
                assertEquals(cores + 1, NativeThreads.get());
            }
            // the caller's own work between maps at a worker's count, its own count back afterwards
            assertEquals(Math.max(1, cores / 2), pool.atWorkerThreads(NativeThreads::get));
            assertEquals(cores + 1, NativeThreads.get());
            try (WorkerPool<Object> single = new WorkerPool<>(Object::new, 1)) {
                assertEquals(List.of(cores + 1, cores + 1), single.map(2, (w, i) -> NativeThreads.get()));
                assertEquals(cores + 1, single.atWorkerThreads(NativeThreads::get));
            }
        } finally {
            NativeThreads.set(before);
        }
    }

    @Test
    void theLowestIndexedFailureIsReported() {
        try (WorkerPool<Object> pool = new WorkerPool<>(Object::new, 2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.map(8, (w, i) -> {
                if (i == 3 || i == 6) {
                    throw new IllegalStateException("task " + i);
                }
                return i;
            }));
            assertEquals("task 3", e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new WorkerPool<>(Object::new, 0));
    }
}
