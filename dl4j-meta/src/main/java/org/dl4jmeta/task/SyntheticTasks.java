package org.dl4jmeta.task;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Task families generated in code, for tests, gradient checks and demonstrations without data files.
 */
public final class SyntheticTasks {

    private SyntheticTasks() {
    }

    /**
     * An N-way K-shot episode of uniform noise inputs in [-1, 1] with balanced labels.
     *
     * @param inputShape per-example input shape
     * @param ways N, &gt;= 2
     * @param shots support examples per class, &gt;= 1
     * @param queries query examples per class, &gt;= 1
     * @param dataType FLOAT or DOUBLE
     * @param seed the seed
     * @return the episode
     */
    public static Episode noiseEpisode(long[] inputShape, int ways, int shots, int queries, DataType dataType,
                                       long seed) {
        requireCounts(ways, shots, queries);
        SplittableRandom rng = new SplittableRandom(seed);
        INDArray sx = uniform(rng, ways * shots, inputShape, dataType);
        INDArray qx = uniform(rng, ways * queries, inputShape, dataType);
        return Episode.classification(ways, sx, labels(ways, shots), qx, labels(ways, queries));
    }

    private static void requireCounts(int ways, int shots, int queries) {
        if (ways < 2) {
            throw new IllegalArgumentException("ways must be >= 2, got " + ways);
        }
        if (shots < 1) {
            throw new IllegalArgumentException("shots must be >= 1, got " + shots);
        }
        if (queries < 1) {
            throw new IllegalArgumentException("queries must be >= 1, got " + queries);
        }
    }

    private static int[] labels(int ways, int perClass) {
        int[] l = new int[ways * perClass];
        for (int i = 0; i < l.length; i++) {
            l[i] = i % ways;
        }
        return l;
    }

    private static INDArray uniform(SplittableRandom rng, long n, long[] shape, DataType dt) {
        long[] full = new long[shape.length + 1];
        full[0] = n;
        System.arraycopy(shape, 0, full, 1, shape.length);
        long len = 1;
        for (long d : full) {
            len *= d;
        }
        double[] v = new double[(int) len];
        for (int i = 0; i < v.length; i++) {
            v[i] = 2 * rng.nextDouble() - 1;
        }
        return Nd4j.create(v, full, DataType.DOUBLE).castTo(dt);
    }

    /**
     * A few-shot classification family over a fixed pool of random class templates: each episode picks N of the
     * pool's classes in random order, and every example is its class template plus Gaussian noise. Templates are
     * random signs on the first {@code informative} input features (C order) and zero elsewhere, so the remaining
     * features are pure distractors: a model adapted from scratch on one shot is misled by them, while a
     * meta-learned initialisation learns where the signal is. Two pools with different seeds give disjoint
     * "train" and "test" classes.
     *
     * @param inputShape per-example input shape
     * @param poolSeed seed of the class templates
     * @param classes number of templates in the pool, &gt;= ways
     * @param informative number of informative features, 1 .. product of inputShape
     * @param ways N
     * @param shots K
     * @param queries query examples per class
     * @param noise standard deviation of the per-example noise, &gt;= 0
     * @param dataType FLOAT or DOUBLE
     * @param seed seed of the episode stream: episode i is a pure function of (seed, i)
     * @return the episode source
     */
    public static EpisodeSource templateTasks(long[] inputShape, long poolSeed, int classes, int informative,
                                              int ways, int shots, int queries, double noise, DataType dataType,
                                              long seed) {
        requireCounts(ways, shots, queries);
        if (classes < ways) {
            throw new IllegalArgumentException("classes must be >= ways (" + ways + "), got " + classes);
        }
        if (!(noise >= 0)) {
            throw new IllegalArgumentException("noise must be >= 0, got " + noise);
        }
        long per = 1;
        for (long d : inputShape) {
            per *= d;
        }
        if (informative < 1 || informative > per) {
            throw new IllegalArgumentException("informative must be in [1," + per + "], got " + informative);
        }
        double[][] templates = new double[classes][(int) per];
        SplittableRandom pool = new SplittableRandom(poolSeed);
        for (double[] t : templates) {
            for (int j = 0; j < informative; j++) {
                t[j] = pool.nextDouble() < 0.5 ? -1 : 1;
            }
        }
        long perEx = per;
        return index -> {
            if (index < 0) {
                throw new IllegalArgumentException("episode index must be >= 0, got " + index);
            }
            SplittableRandom rng = new SplittableRandom(mix(seed, index));
            int[] chosen = new int[ways];
            boolean[] used = new boolean[classes];
            for (int w = 0; w < ways; w++) {
                int c;
                do {
                    c = rng.nextInt(classes);
                } while (used[c]);
                used[c] = true;
                chosen[w] = c;
            }
            INDArray sx = samples(rng, templates, chosen, shots, perEx, inputShape, noise, dataType);
            INDArray qx = samples(rng, templates, chosen, queries, perEx, inputShape, noise, dataType);
            return Episode.classification(ways, sx, labels(ways, shots), qx, labels(ways, queries));
        };
    }

    private static INDArray samples(SplittableRandom rng, double[][] templates, int[] chosen, int perClass, long per,
                                    long[] shape, double noise, DataType dt) {
        int n = chosen.length * perClass;
        double[] v = new double[(int) (n * per)];
        for (int i = 0; i < n; i++) {
            double[] t = templates[chosen[i % chosen.length]];
            for (int j = 0; j < per; j++) {
                v[(int) (i * per + j)] = t[j] + noise * rng.nextGaussian();
            }
        }
        long[] full = new long[shape.length + 1];
        full[0] = n;
        System.arraycopy(shape, 0, full, 1, shape.length);
        return Nd4j.create(v, full, DataType.DOUBLE).castTo(dt);
    }

    /** SplitMix64-style mixing of a seed and an index into a new seed. */
    static long mix(long seed, long index) {
        long z = seed + 0x9E3779B97F4A7C15L * (index + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
