package org.dl4jmeta.datasets.episode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.dl4jmeta.task.Episode;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class EpisodeSamplerTest {

    private static final InMemoryClassImageSet SPLIT = SyntheticImages.of("synthetic/test", 12, 8);

    private static EpisodeSampler sampler(int ways, int shots, int queries, long seed) {
        return new EpisodeSampler(SPLIT, SamplerConfig.of(ways, shots, queries, seed));
    }

    @Test
    void labelsAreZeroToNMinusOneWithKShotsAndQQueriesEach() {
        EpisodeSampler s = sampler(5, 2, 3, 1);
        Episode e = s.episode(0);
        assertArrayEquals(new long[] {10, 1, 2, 2}, e.supportX().shape());
        assertArrayEquals(new long[] {15, 1, 2, 2}, e.queryX().shape());
        assertArrayEquals(new long[] {10, 5}, e.supportY().shape());
        assertArrayEquals(new long[] {15, 5}, e.queryY().shape());
        assertEquals(DataType.FLOAT, e.dataType());
        for (int r = 0; r < 10; r++) {
            assertOneHot(e.supportY(), r, r / 2);
        }
        for (int r = 0; r < 15; r++) {
            assertOneHot(e.queryY(), r, r / 3);
        }
    }

    private static void assertOneHot(INDArray y, int row, int label) {
        for (int j = 0; j < y.columns(); j++) {
            assertEquals(j == label ? 1.0 : 0.0, y.getDouble(row, j), "row " + row);
        }
    }

    @Test
    void imagesFollowThePlanSupportAndQueryAreDisjointAndClassesDistinct() {
        EpisodeSampler s = sampler(5, 3, 4, 11);
        for (long i = 0; i < 200; i++) {
            EpisodePlan plan = s.plan(i);
            Episode e = s.episode(i);
            Set<Integer> classes = new HashSet<>();
            for (int j = 0; j < 5; j++) {
                int c = plan.classes()[j];
                assertTrue(c >= 0 && c < SPLIT.numClasses());
                assertTrue(classes.add(c), "class " + c + " twice in episode " + i);
                Set<Integer> used = new HashSet<>();
                for (int k = 0; k < 3; k++) {
                    int id = SyntheticImages.id(e.supportX(), j * 3 + k);
                    assertEquals(c * 100 + plan.support()[j][k], id);
                    assertTrue(used.add(id));
                }
                for (int q = 0; q < 4; q++) {
                    int id = SyntheticImages.id(e.queryX(), j * 4 + q);
                    assertEquals(c * 100 + plan.query()[j][q], id);
                    assertTrue(used.add(id), "image " + id + " in support and query of episode " + i);
                }
            }
        }
    }

    @Test
    void samePlanAndTensorsWhateverTheThreadOrOrder() throws Exception {
        EpisodeSampler s = sampler(5, 1, 2, 2024);
        int n = 64;
        List<Episode> forward = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            forward.add(s.episode(i));
        }
        EpisodeSampler twin = sampler(5, 1, 2, 2024);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new java.util.Random(5));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Episode>> futures = new ArrayList<>();
            for (int i : order) {
                futures.add(pool.submit(() -> twin.episode(i)));
            }
            for (int k = 0; k < n; k++) {
                Episode a = forward.get(order.get(k));
                Episode b = futures.get(k).get();
                assertEquals(a.supportX(), b.supportX());
                assertEquals(a.queryX(), b.queryX());
                assertEquals(a.supportY(), b.supportY());
                assertEquals(a.queryY(), b.queryY());
            }
        } finally {
            pool.shutdownNow();
        }
        for (int i = n - 1; i >= 0; i--) {
            assertEquals(s.plan(i), twin.plan(i));
        }
    }

    @Test
    void indexSeedAndSplitNameEachChangeTheEpisode() {
        EpisodeSampler s = sampler(5, 1, 2, 7);
        Set<EpisodePlan> plans = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            assertTrue(plans.add(s.plan(i)), "episode " + i + " repeats an earlier one");
        }
        assertNotEquals(s.plan(0), sampler(5, 1, 2, 8).plan(0));
        InMemoryClassImageSet renamed = SyntheticImages.of("synthetic/val", 12, 8);
        assertNotEquals(s.plan(0), new EpisodeSampler(renamed, SamplerConfig.of(5, 1, 2, 7)).plan(0));
    }

    @Test
    void goldenPlanGuardsTheSamplingAlgorithm() {
        // Pinned when the sampler was written: a change here changes every published evaluation episode.
        EpisodePlan plan = sampler(3, 1, 2, 42).plan(0);
        assertEquals(GOLDEN_0, plan.toString());
    }

    private static final String GOLDEN_0 =
            "EpisodePlan[classes=[0, 2, 10], support=[[1], [5], [1]], query=[[2, 4], [1, 2], [4, 6]]]";

    @Test
    void classesAndLabelsAreUniform() {
        EpisodeSampler s = sampler(3, 1, 1, 99);
        int episodes = 6000;
        int[][] count = new int[SPLIT.numClasses()][3];
        for (int i = 0; i < episodes; i++) {
            int[] classes = s.plan(i).classes();
            for (int j = 0; j < 3; j++) {
                count[classes[j]][j]++;
            }
        }
        // Each (class, label) pair has probability 1/12 per label slot: expected 500, sd about 21.
        for (int[] row : count) {
            for (int v : row) {
                assertTrue(Math.abs(v - 500) < 100, "count " + v + " far from 500");
            }
        }
    }

    @Test
    void doubleEpisodesHoldTheSameValues() {
        EpisodeSampler f = sampler(4, 2, 2, 3);
        EpisodeSampler d = new EpisodeSampler(SPLIT, SamplerConfig.of(4, 2, 2, 3).withDataType(DataType.DOUBLE));
        Episode a = f.episode(5);
        Episode b = d.episode(5);
        assertEquals(DataType.DOUBLE, b.dataType());
        assertEquals(DataType.DOUBLE, b.queryY().dataType());
        assertEquals(a.supportX().castTo(DataType.DOUBLE), b.supportX());
        assertEquals(a.queryX().castTo(DataType.DOUBLE), b.queryX());
    }

    @Test
    void augmentationIsDeterministicAndLeavesTheSplitUntouched() {
        SamplerConfig base = SamplerConfig.of(4, 2, 2, 3);
        ImageAugmentation negate = (px, off, c, h, w, rng) -> {
            float sign = rng.nextBoolean() ? -1f : 1f;
            for (int p = 0; p < c * h * w; p++) {
                px[off + p] *= sign;
            }
        };
        EpisodeSampler plain = new EpisodeSampler(SPLIT, base);
        EpisodeSampler augmented = new EpisodeSampler(SPLIT, base.withAugmentation(negate));
        Episode a = augmented.episode(9);
        assertEquals(a.supportX(), augmented.episode(9).supportX());
        assertEquals(plain.plan(9), augmented.plan(9));
        assertEquals(plain.episode(9).supportX(), abs(a.supportX()));
        assertTrue(a.supportX().minNumber().doubleValue() < 0 || a.queryX().minNumber().doubleValue() < 0,
                "some image should have been negated");
        float[] img = new float[4];
        SPLIT.copyImage(3, 1, img, 0);
        assertArrayEquals(new float[] {301, 301, 301, 301}, img);
        assertEquals(ImageAugmentation.NONE, SamplerConfig.of(2, 1, 1, 0).augmentation());
    }

    private static INDArray abs(INDArray x) {
        return org.nd4j.linalg.ops.transforms.Transforms.abs(x, true);
    }

    @Test
    void badConfigurationsNameTheValue() {
        IllegalArgumentException ways = assertThrows(IllegalArgumentException.class, () -> sampler(13, 1, 1, 0));
        assertEquals("ways must be <= 12, the number of classes of synthetic/test, got 13", ways.getMessage());
        IllegalArgumentException shots = assertThrows(IllegalArgumentException.class, () -> sampler(5, 5, 4, 0));
        assertEquals("shots + queries must be <= 8, the images per class of synthetic/test (class 'class0' has 8), "
                + "got 5 + 4 = 9", shots.getMessage());
        assertEquals("ways must be >= 2, got 1",
                assertThrows(IllegalArgumentException.class, () -> SamplerConfig.of(1, 1, 1, 0)).getMessage());
        assertEquals("shots must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> SamplerConfig.of(5, 0, 1, 0)).getMessage());
        assertEquals("queries must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> SamplerConfig.of(5, 1, 0, 0)).getMessage());
        assertEquals("dataType must be FLOAT or DOUBLE, got BOOL", assertThrows(IllegalArgumentException.class,
                () -> SamplerConfig.of(5, 1, 1, 0).withDataType(DataType.BOOL)).getMessage());
        assertEquals("index must be >= 0, got -1", assertThrows(IllegalArgumentException.class,
                () -> sampler(5, 1, 1, 0).episode(-1)).getMessage());
    }
}
