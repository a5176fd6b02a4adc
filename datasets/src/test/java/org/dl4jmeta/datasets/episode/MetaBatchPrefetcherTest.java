package org.dl4jmeta.datasets.episode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.EpisodeSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class MetaBatchPrefetcherTest {

    private static final EpisodeSampler SAMPLER =
            new EpisodeSampler(SyntheticImages.of("synthetic/train", 10, 6), SamplerConfig.of(3, 1, 2, 5));

    private static void assertSameBatch(List<Episode> expected, List<Episode> actual) {
        assertEquals(expected.size(), actual.size());
        for (int b = 0; b < expected.size(); b++) {
            assertEquals(expected.get(b).supportX(), actual.get(b).supportX());
            assertEquals(expected.get(b).queryX(), actual.get(b).queryX());
            assertEquals(expected.get(b).supportY(), actual.get(b).supportY());
            assertEquals(expected.get(b).queryY(), actual.get(b).queryY());
        }
    }

    @Test
    void yieldsTheSameMetaBatchesAsDirectSampling() throws InterruptedException {
        try (MetaBatchPrefetcher p = new MetaBatchPrefetcher(SAMPLER, 4)) {
            for (long t = 0; t < 6; t++) {
                assertEquals(t, p.nextIteration());
                assertSameBatch(MetaBatchPrefetcher.metaBatch(SAMPLER, t, 4), p.next());
            }
        }
        // Meta-batch t is episodes [t*B, (t+1)*B).
        assertSameBatch(List.of(SAMPLER.episode(8), SAMPLER.episode(9)),
                MetaBatchPrefetcher.metaBatch(SAMPLER, 4, 2));
    }

    @Test
    void resumesAtAGivenIteration() throws InterruptedException {
        try (MetaBatchPrefetcher p = new MetaBatchPrefetcher(SAMPLER, 3, 7, 1)) {
            assertSameBatch(MetaBatchPrefetcher.metaBatch(SAMPLER, 7, 3), p.next());
            assertEquals(8, p.nextIteration());
        }
    }

    @Test
    void sourceErrorsReachTheConsumerAtTheFailedBatch() throws InterruptedException {
        IllegalArgumentException boom = new IllegalArgumentException("Omniglot image x.png is corrupt");
        EpisodeSource failing = index -> {
            if (index == 6) {
                throw boom;
            }
            return SAMPLER.episode(index);
        };
        try (MetaBatchPrefetcher p = new MetaBatchPrefetcher(failing, 4)) {
            p.next();
            IllegalStateException e = assertThrows(IllegalStateException.class, p::next);
            assertSame(boom, e.getCause());
            assertTrue(e.getMessage().contains("meta-batch 1 (episodes 4..7)"), e.getMessage());
            assertTrue(e.getMessage().contains("Omniglot image x.png is corrupt"), e.getMessage());
            assertSame(e, assertThrows(IllegalStateException.class, p::next));
        }
    }

    @Test
    void staysBoundedAndStopsOnClose() throws InterruptedException {
        AtomicLong calls = new AtomicLong();
        EpisodeSource counting = index -> {
            calls.incrementAndGet();
            return SAMPLER.episode(index);
        };
        MetaBatchPrefetcher p = new MetaBatchPrefetcher(counting, 2, 0, 2);
        p.next();
        Thread.sleep(300);
        // One batch taken, two queued, at most one being built: at most 4 batches of 2 episodes.
        assertTrue(calls.get() <= 8, calls.get() + " episodes drawn ahead");
        p.close();
        long after = calls.get();
        Thread.sleep(200);
        assertEquals(after, calls.get(), "the thread kept sampling after close");
        assertEquals("meta-batch prefetcher is closed",
                assertThrows(IllegalStateException.class, p::next).getMessage());
        p.close();
    }

    @Test
    void badArgumentsAreNamed() {
        assertEquals("metaBatchSize must be >= 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> new MetaBatchPrefetcher(SAMPLER, 0)).getMessage());
        assertEquals("queueCapacity must be >= 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> new MetaBatchPrefetcher(SAMPLER, 1, 0, 0)).getMessage());
        assertEquals("firstIteration must be >= 0, got -2", assertThrows(IllegalArgumentException.class,
                () -> new MetaBatchPrefetcher(SAMPLER, 1, -2, 1)).getMessage());
    }
}
