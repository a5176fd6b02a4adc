package org.dl4jmeta.datasets.episode;

import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.EpisodeSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Draws N-way, K-shot, Q-query classification episodes from one split (Vinyals et al. 2016, "Matching Networks
 * for One Shot Learning", section 4: the episodic protocol; Finn et al. 2017 use the same for MAML).
 *
 * <p>Episode {@code i}: with the random stream {@link EpisodeSeeds#episodeRandom(long, String, long)
 * episodeRandom(seed, split, i)}, pick N distinct classes of the split uniformly (partial Fisher-Yates shuffle); the
 * {@code j}-th picked class gets label {@code j}, so labels {@code 0..N-1} are assigned in random order. For each,
 * pick K + Q distinct images uniformly; the first K are support, the next Q query. Support rows are ordered by label
 * (K rows of label 0, then K of label 1, ...), query rows likewise. Targets are one-hot. The optional augmentation
 * then transforms each support and query image, drawing from the same stream.
 *
 * <p>The sampler is immutable and its episodes are a pure function of (seed, split name, index): the same on any
 * thread and in any order of requests, so every algorithm is evaluated on identical test episodes.
 */
public final class EpisodeSampler implements EpisodeSource {

    private final ClassImageSet images;
    private final SamplerConfig config;

    /**
     * Creates a sampler over one split.
     *
     * @param images the split's images
     * @param config ways, shots, queries, seed, data type and augmentation
     * @throws IllegalArgumentException if ways exceeds the split's classes, or shots + queries exceeds the images
     *     of its smallest class
     */
    public EpisodeSampler(ClassImageSet images, SamplerConfig config) {
        this.images = Objects.requireNonNull(images, "images");
        this.config = Objects.requireNonNull(config, "config");
        int classes = images.numClasses();
        if (config.ways() > classes) {
            throw new IllegalArgumentException("ways must be <= " + classes + ", the number of classes of "
                    + images.name() + ", got " + config.ways());
        }
        int smallest = 0;
        for (int c = 1; c < classes; c++) {
            if (images.imagesInClass(c) < images.imagesInClass(smallest)) {
                smallest = c;
            }
        }
        int perClass = images.imagesInClass(smallest);
        int needed = config.shots() + config.queries();
        if (needed > perClass) {
            throw new IllegalArgumentException("shots + queries must be <= " + perClass
                    + ", the images per class of " + images.name() + " (class '" + images.className(smallest)
                    + "' has " + perClass + "), got " + config.shots() + " + " + config.queries() + " = " + needed);
        }
    }

    /** @return the split sampled from */
    public ClassImageSet images() {
        return images;
    }

    /** @return the sampler's configuration */
    public SamplerConfig config() {
        return config;
    }

    /**
     * Chooses the classes and images of an episode without building tensors.
     *
     * @param index episode index, {@code >= 0}
     * @return the plan of episode {@code index}
     * @throws IllegalArgumentException if index is negative
     */
    public EpisodePlan plan(long index) {
        Choice c = choose(random(index));
        return new EpisodePlan(c.classes, c.support, c.query);
    }

    @Override
    public Episode episode(long index) {
        SplittableRandom rng = random(index);
        Choice plan = choose(rng);
        int ways = config.ways();
        int shots = config.shots();
        int queries = config.queries();
        int len = images.imageLength();
        float[] support = new float[ways * shots * len];
        float[] query = new float[ways * queries * len];
        int[] supportLabels = new int[ways * shots];
        int[] queryLabels = new int[ways * queries];
        int[] classes = plan.classes;
        for (int j = 0; j < ways; j++) {
            for (int k = 0; k < shots; k++) {
                int row = j * shots + k;
                images.copyImage(classes[j], plan.support[j][k], support, row * len);
                supportLabels[row] = j;
            }
            for (int q = 0; q < queries; q++) {
                int row = j * queries + q;
                images.copyImage(classes[j], plan.query[j][q], query, row * len);
                queryLabels[row] = j;
            }
        }
        ImageAugmentation aug = config.augmentation();
        if (aug != ImageAugmentation.NONE) {
            int c = images.channels();
            int h = images.height();
            int w = images.width();
            for (int row = 0; row < ways * shots; row++) {
                aug.apply(support, row * len, c, h, w, rng);
            }
            for (int row = 0; row < ways * queries; row++) {
                aug.apply(query, row * len, c, h, w, rng);
            }
        }
        long[] shape = images.imageShape();
        DataType dt = config.dataType();
        // One-hot targets as Episode.classification builds them, made directly in the episode's data type.
        return new Episode(
                Tensors.create(support, new long[] {ways * shots, shape[0], shape[1], shape[2]}, dt),
                Tensors.oneHot(supportLabels, ways, dt),
                Tensors.create(query, new long[] {ways * queries, shape[0], shape[1], shape[2]}, dt),
                Tensors.oneHot(queryLabels, ways, dt));
    }

    private SplittableRandom random(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("index must be >= 0, got " + index);
        }
        return EpisodeSeeds.episodeRandom(config.seed(), images.name(), index);
    }

    /** The sampler's choice for one episode, before the defensive copies of {@link EpisodePlan}. */
    private record Choice(int[] classes, int[][] support, int[][] query) {
    }

    private Choice choose(SplittableRandom rng) {
        int ways = config.ways();
        int shots = config.shots();
        int queries = config.queries();
        int[] classes = firstOfShuffle(images.numClasses(), ways, rng);
        int[][] support = new int[ways][];
        int[][] query = new int[ways][];
        for (int j = 0; j < ways; j++) {
            int[] picked = firstOfShuffle(images.imagesInClass(classes[j]), shots + queries, rng);
            support[j] = Arrays.copyOfRange(picked, 0, shots);
            query[j] = Arrays.copyOfRange(picked, shots, shots + queries);
        }
        return new Choice(classes, support, query);
    }

    /** The first {@code k} entries of a uniformly random permutation of {@code 0..n-1} (partial Fisher-Yates). */
    private static int[] firstOfShuffle(int n, int k, SplittableRandom rng) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(n - i);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return Arrays.copyOf(a, k);
    }

    @Override
    public String toString() {
        return "EpisodeSampler[" + images.name() + ", " + config.ways() + "-way " + config.shots() + "-shot "
                + config.queries() + "-query, seed=" + config.seed() + ", " + config.dataType() + ", augmentation="
                + config.augmentation() + "]";
    }
}
