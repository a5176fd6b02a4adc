package org.dl4jmeta.datasets.episode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
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
 * <p>Within-group episodes ({@link #withinGroups}; Lake et al. 2015's within-alphabet protocol for Omniglot):
 * every class belongs to a group (its alphabet); the groups with at least N classes qualify, in order of their
 * first class. Episode {@code i} first picks one qualifying group uniformly ({@code nextInt} of the same stream),
 * then N distinct classes of that group uniformly (partial Fisher-Yates over the group's classes in class order);
 * images, labels and augmentation then follow as above. Groups with fewer than N classes are never drawn for
 * N-way episodes; if none qualifies the sampler is refused.
 *
 * <p>The sampler is immutable and its episodes are a pure function of (seed, split name, index): the same on any
 * thread and in any order of requests, so every algorithm is evaluated on identical test episodes.
 */
public final class EpisodeSampler implements EpisodeSource {

    private final ClassImageSet images;
    private final SamplerConfig config;
    /** per qualifying group, its classes in class order; null for uniform episodes */
    private final int[][] groups;
    /** per qualifying group, its name; null for uniform episodes */
    private final List<String> groupNames;

    /**
     * Creates a sampler over one split.
     *
     * @param images the split's images
     * @param config ways, shots, queries, seed, data type and augmentation
     * @throws IllegalArgumentException if ways exceeds the split's classes, or shots + queries exceeds the images
     *     of its smallest class
     */
    public EpisodeSampler(ClassImageSet images, SamplerConfig config) {
        this(images, config, null);
    }

    /**
     * Creates a sampler whose episodes draw all N classes from one group (see the class comment).
     *
     * @param images the split's images
     * @param config ways, shots, queries, seed, data type and augmentation
     * @param groupOf the group (e.g. alphabet) of each class index
     * @return the sampler
     * @throws IllegalArgumentException if no group has at least {@code ways} classes (the largest named), or as for
     *     the uniform sampler
     */
    public static EpisodeSampler withinGroups(ClassImageSet images, SamplerConfig config, IntFunction<String> groupOf) {
        return new EpisodeSampler(images, config, Objects.requireNonNull(groupOf, "groupOf"));
    }

    private EpisodeSampler(ClassImageSet images, SamplerConfig config, IntFunction<String> groupOf) {
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
        if (groupOf == null) {
            groups = null;
            groupNames = null;
            return;
        }
        Map<String, List<Integer>> byGroup = new LinkedHashMap<>();
        for (int c = 0; c < classes; c++) {
            byGroup.computeIfAbsent(Objects.requireNonNull(groupOf.apply(c), "group of class " + c),
                    g -> new ArrayList<>()).add(c);
        }
        List<int[]> qualifying = new ArrayList<>();
        List<String> names = new ArrayList<>();
        String largest = null;
        int largestSize = 0;
        for (Map.Entry<String, List<Integer>> e : byGroup.entrySet()) {
            if (e.getValue().size() > largestSize) {
                largest = e.getKey();
                largestSize = e.getValue().size();
            }
            if (e.getValue().size() >= config.ways()) {
                qualifying.add(e.getValue().stream().mapToInt(Integer::intValue).toArray());
                names.add(e.getKey());
            }
        }
        if (qualifying.isEmpty()) {
            throw new IllegalArgumentException("within-group episodes need a group (alphabet) of " + images.name()
                    + " with at least ways = " + config.ways() + " classes, but the largest of its " + byGroup.size()
                    + " groups, '" + largest + "', has " + largestSize + "; lower --ways to at most " + largestSize
                    + " or use uniform episodes");
        }
        groups = qualifying.toArray(int[][]::new);
        groupNames = List.copyOf(names);
    }

    /**
     * @return for within-group episodes, the names of the groups episodes are drawn from (those with at least N
     *     classes), in order of their first class; empty for uniform episodes
     */
    public List<String> groups() {
        return groupNames == null ? List.of() : groupNames;
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
        int[] classes;
        if (groups == null) {
            classes = firstOfShuffle(images.numClasses(), ways, rng);
        } else {
            int[] group = groups[rng.nextInt(groups.length)];
            classes = firstOfShuffle(group.length, ways, rng);
            for (int j = 0; j < ways; j++) {
                classes[j] = group[classes[j]];
            }
        }
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
                + config.augmentation() + (groups == null ? "" : ", within " + groups.length + " groups") + "]";
    }
}
