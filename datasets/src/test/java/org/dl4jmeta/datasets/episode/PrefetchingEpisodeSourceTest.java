package org.dl4jmeta.datasets.episode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicInteger;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.EpisodeSource;
import org.junit.jupiter.api.Test;

/** The prefetching view serves exactly the episodes of its source, in and out of meta-batch order. */
class PrefetchingEpisodeSourceTest {

    static final EpisodeSampler SAMPLER =
            new EpisodeSampler(SyntheticImages.of("synthetic/train", 10, 6), SamplerConfig.of(3, 1, 2, 5));

    static void assertSame(Episode a, Episode b) {
        assertEquals(a.supportX(), b.supportX());
        assertEquals(a.supportY(), b.supportY());
        assertEquals(a.queryX(), b.queryX());
        assertEquals(a.queryY(), b.queryY());
    }

    @Test
    void inOrderRequestsComeFromThePrefetcherAndEqualTheSource() {
        AtomicInteger onCaller = new AtomicInteger();
        Thread caller = Thread.currentThread();
        EpisodeSource counting = i -> {
            if (Thread.currentThread() == caller) {
                onCaller.incrementAndGet();
            }
            return SAMPLER.episode(i);
        };
        try (PrefetchingEpisodeSource ahead = new PrefetchingEpisodeSource(counting, 4, 3, 2)) {
            for (long i = 12; i < 12 + 4 * 5; i++) {
                assertSame(SAMPLER.episode(i), ahead.episode(i));
            }
        }
        assertEquals(0, onCaller.get(), "in-order episodes were all prepared on the background thread");
    }

    @Test
    void outOfOrderRequestsFallBackToTheSource() {
        try (PrefetchingEpisodeSource ahead = new PrefetchingEpisodeSource(SAMPLER, 4, 0, 2)) {
            assertSame(SAMPLER.episode(9), ahead.episode(9));
            assertSame(SAMPLER.episode(0), ahead.episode(0));
            assertSame(SAMPLER.episode(2), ahead.episode(2));
            assertSame(SAMPLER.episode(1), ahead.episode(1));
            assertThrows(IllegalArgumentException.class, () -> ahead.episode(-1));
        }
    }
}
