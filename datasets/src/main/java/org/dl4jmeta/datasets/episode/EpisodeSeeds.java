package org.dl4jmeta.datasets.episode;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The seed of episode {@code i} of split {@code s} under the run seed {@code S}: a SplitMix64 hash chain over
 * {@code (S, s, i)}, so each episode's random stream depends on nothing else (not the thread, not the order of
 * requests, not the other episodes drawn).
 *
 * <p>{@code key(s) = mix(FNV-1a-64(UTF-8 bytes of s))},
 * {@code seed(S, s, i) = mix(mix(mix(S + G) ^ key(s)) + (i + 1) * G)}, where {@code mix} is the SplitMix64 finaliser
 * (Steele, Lea, Flood 2014, "Fast splittable pseudorandom number generators"; constants of Stafford's variant 13)
 * and {@code G = 0x9E3779B97F4A7C15} the golden-ratio increment. Changing this function changes every episode of
 * every split: keep it fixed so that published results stay comparable.
 */
public final class EpisodeSeeds {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private EpisodeSeeds() {
    }

    /**
     * SplitMix64's finaliser: a bijective 64-bit mix in which every input bit affects every output bit.
     *
     * @param z the value to mix
     * @return the mixed value
     */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /**
     * @param split the split's name, e.g. {@code omniglot/vinyals/test}
     * @return its 64-bit key
     * @throws NullPointerException if split is null
     */
    public static long splitKey(String split) {
        Objects.requireNonNull(split, "split");
        long h = FNV_OFFSET;
        for (byte b : split.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= FNV_PRIME;
        }
        return mix(h);
    }

    /**
     * @param seed the run seed S
     * @param split the split's name s
     * @param index the episode index i, {@code >= 0}
     * @return the seed of episode i of split s
     * @throws IllegalArgumentException if index is negative
     */
    public static long episodeSeed(long seed, String split, long index) {
        if (index < 0) {
            throw new IllegalArgumentException("episode index must be >= 0, got " + index);
        }
        long h = mix(seed + GOLDEN);
        h = mix(h ^ splitKey(split));
        return mix(h + (index + 1) * GOLDEN);
    }

    /**
     * @param seed the run seed S
     * @param split the split's name s
     * @param index the episode index i, {@code >= 0}
     * @return a fresh random stream for episode i of split s
     * @throws IllegalArgumentException if index is negative
     */
    public static SplittableRandom episodeRandom(long seed, String split, long index) {
        return new SplittableRandom(episodeSeed(seed, split, index));
    }
}
