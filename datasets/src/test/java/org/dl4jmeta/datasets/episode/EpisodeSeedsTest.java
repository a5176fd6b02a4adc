package org.dl4jmeta.datasets.episode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EpisodeSeedsTest {

    @Test
    void mixIsSplitMix64() {
        // Reference outputs of Vigna's splitmix64.c seeded with 0: next() adds 0x9E3779B97F4A7C15, then mixes.
        assertEquals(0xE220A8397B1DCDAFL, EpisodeSeeds.mix(0x9E3779B97F4A7C15L));
        assertEquals(0x6E789E6AA1B965F4L, EpisodeSeeds.mix(2 * 0x9E3779B97F4A7C15L));
    }

    @Test
    void seedsDifferAcrossSeedSplitAndIndex() {
        Set<Long> seen = new HashSet<>();
        for (long seed = 0; seed < 4; seed++) {
            for (String split : new String[] {"omniglot/vinyals/train", "omniglot/vinyals/test"}) {
                for (long i = 0; i < 1000; i++) {
                    seen.add(EpisodeSeeds.episodeSeed(seed, split, i));
                }
            }
        }
        assertEquals(8000, seen.size());
        assertNotEquals(EpisodeSeeds.splitKey("a"), EpisodeSeeds.splitKey("b"));
    }

    @Test
    void episodeSeedIsPinned() {
        // Pinned when written: changing the hash chain changes every episode of every split.
        assertEquals(PINNED, EpisodeSeeds.episodeSeed(42, "omniglot/vinyals/test", 0));
        assertEquals("episode index must be >= 0, got -1", assertThrows(IllegalArgumentException.class,
                () -> EpisodeSeeds.episodeSeed(0, "x", -1)).getMessage());
    }

    private static final long PINNED = -1740077199156222831L;
}
