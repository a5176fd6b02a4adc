package org.dl4jmeta.datasets.omniglot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.dl4jmeta.datasets.SharedData;
import org.dl4jmeta.datasets.SplitSummary;
import org.dl4jmeta.datasets.episode.EpisodePlan;
import org.dl4jmeta.datasets.episode.EpisodeSampler;
import org.dl4jmeta.datasets.episode.SamplerConfig;
import org.dl4jmeta.task.Episode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The Vinyals split loaded from the shared (pixel-identical rebuilt) zips; each split is loaded once. */
class OmniglotVinyalsIT {

    private static Omniglot omniglot;
    private static OmniglotImages train;
    private static OmniglotImages val;
    private static OmniglotImages test;
    private static double loadSeconds;

    @BeforeAll
    static void load() throws IOException {
        omniglot = Omniglot.at(SharedData.omniglot());
        long t0 = System.nanoTime();
        train = omniglot.load(OmniglotScheme.VINYALS, "train");
        val = omniglot.load(OmniglotScheme.VINYALS, "val");
        test = omniglot.load(OmniglotScheme.VINYALS, "test");
        loadSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("Omniglot Vinyals train+val+test (32,460 drawings) loaded in %.1f s%n", loadSeconds);
    }

    @Test
    void classAndImageCountsMatchThePublishedSplit() {
        // Vinyals et al. 2016 / Snell et al. 2017: 1,028 / 172 / 423 characters x 4 rotations, 20 drawings each.
        assertEquals(4112, train.numClasses());
        assertEquals(688, val.numClasses());
        assertEquals(1692, test.numClasses());
        assertEquals(4112L * 20, train.totalImages());
        assertEquals(688L * 20, val.totalImages());
        assertEquals(1692L * 20, test.totalImages());
        assertEquals(1028, train.numCharacters());
        assertEquals(172, val.numCharacters());
        assertEquals(423, test.numCharacters());
        assertEquals(20, train.minImagesPerClass());
        assertEquals("omniglot/vinyals/test", test.name());
    }

    @Test
    void wholeSplitLoadsWellUnderAMinute() {
        assertTrue(loadSeconds < 60, "loading all 32,460 drawings took " + loadSeconds + " s");
    }

    @Test
    void classesAreTheSplitFileLinesInOrder() throws IOException {
        List<String> lines = Files.readAllLines(SharedData.omniglot().resolve("splits/vinyals/val.txt"));
        assertEquals(lines.size(), val.numClasses());
        for (int c = 0; c < lines.size(); c++) {
            assertEquals(lines.get(c), val.className(c));
            assertEquals(Integer.parseInt(lines.get(c).substring(lines.get(c).length() - 3)), val.rotationDegrees(c));
        }
    }

    @Test
    void splitsShareNoCharacterAndCoverAll1623() {
        Set<String> seen = new HashSet<>();
        int total = 0;
        for (OmniglotImages split : List.of(train, val, test)) {
            Set<String> chars = new HashSet<>();
            for (int c = 0; c < split.numClasses(); c++) {
                String name = split.className(c);
                chars.add(name.substring(0, name.lastIndexOf('/')));
            }
            total += chars.size();
            seen.addAll(chars);
        }
        assertEquals(1623, total);
        assertEquals(1623, seen.size());
    }

    @Test
    void pixelsAreInkInTheUnitIntervalOnAZeroBackground() {
        float[] img = new float[28 * 28];
        double sum = 0;
        float max = 0;
        for (int c = 0; c < test.numClasses(); c += 97) {
            test.copyImage(c, 0, img, 0);
            for (float v : img) {
                assertTrue(v >= 0f && v <= 1f, "pixel " + v + " of class " + test.className(c));
                sum += v;
                max = Math.max(max, v);
            }
            assertEquals(0f, img[0], 1e-6, "corner of " + test.className(c) + " should be background");
        }
        double mean = sum / (img.length * Math.ceil(test.numClasses() / 97.0));
        assertTrue(mean > 0.02 && mean < 0.3, "mean ink " + mean + " is not that of sparse strokes");
        assertEquals(1f, max, 1e-6);
    }

    @Test
    void eachRotationClassIsItsCharacterRotatedCounterClockwise() {
        // train.txt lists rot000, rot090, rot180, rot270 of each character on consecutive lines.
        float[] base = new float[784];
        float[] rotated = new float[784];
        for (int c = 0; c < train.numClasses(); c += 4 * 101) {
            assertEquals(0, train.rotationDegrees(c));
            for (int i = 0; i < 20; i += 7) {
                train.copyImage(c, i, base, 0);
                float[] expected = base;
                for (int r = 1; r < 4; r++) {
                    expected = OmniglotTestImages.rotateCcw(expected, 28);
                    assertEquals(r * 90, train.rotationDegrees(c + r));
                    train.copyImage(c + r, i, rotated, 0);
                    assertArrayEquals(expected, rotated, "class " + train.className(c + r) + " image " + i);
                }
            }
        }
    }

    @Test
    void rot090EqualsTheOriginalDrawingRotatedThenResized() throws IOException {
        // Independent path: ImageIO.read + getRGB on the 105x105 PNG, rotate at full size (as Pillow does in the
        // Prototypical Networks code), then resize; area resizing commutes with quarter turns up to rounding.
        int c = val.numClasses() - 3; // the rot090 class of val's last character
        assertEquals(90, val.rotationDegrees(c));
        String character = val.className(c).substring(0, val.className(c).lastIndexOf('/'));
        Path zip = SharedData.omniglot().resolve("images_background.zip");
        String entry = firstDrawing(zip, character);
        float[] expected = OmniglotTestImages.resize(
                OmniglotTestImages.rotateCcw(OmniglotTestImages.originalInk(zip, entry), 105));
        float[] actual = new float[784];
        val.copyImage(c, 0, actual, 0);
        assertArrayEquals(expected, actual, 1e-5f);
    }

    private static String firstDrawing(Path zip, String character) throws IOException {
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(zip.toFile())) {
            return z.stream().map(java.util.zip.ZipEntry::getName)
                    .filter(n -> n.startsWith("images_background/" + character + "/") && n.endsWith(".png"))
                    .sorted().findFirst().orElseThrow();
        }
    }

    @Test
    void samplerDrawsOnlyTheSplitsClassesAndImages() throws IOException {
        Set<String> valLines = new HashSet<>(
                Files.readAllLines(SharedData.omniglot().resolve("splits/vinyals/val.txt")));
        EpisodeSampler sampler = new EpisodeSampler(val, SamplerConfig.of(20, 1, 5, 123));
        float[] expected = new float[784];
        for (long i = 0; i < 20; i++) {
            EpisodePlan plan = sampler.plan(i);
            Episode e = sampler.episode(i);
            assertArrayEquals(new long[] {20, 1, 28, 28}, e.supportX().shape());
            assertArrayEquals(new long[] {100, 1, 28, 28}, e.queryX().shape());
            for (int j = 0; j < 20; j++) {
                assertTrue(valLines.contains(val.className(plan.classes()[j])));
                val.copyImage(plan.classes()[j], plan.support()[j][0], expected, 0);
                assertArrayEquals(expected, e.supportX().get(NDArrayIndex.point(j)).dup().data().asFloat());
                val.copyImage(plan.classes()[j], plan.query()[j][4], expected, 0);
                assertArrayEquals(expected, e.queryX().get(NDArrayIndex.point(j * 5 + 4)).dup().data().asFloat());
            }
        }
        // Same seed and index on the test split: only test classes, none of val's.
        EpisodeSampler onTest = new EpisodeSampler(test, SamplerConfig.of(20, 1, 5, 123));
        for (int c : onTest.plan(0).classes()) {
            assertFalse(valLines.contains(test.className(c)), test.className(c));
        }
    }

    @Test
    void describeCountsWithoutDecoding() throws IOException {
        List<SplitSummary> summary = omniglot.describe(OmniglotScheme.VINYALS);
        assertEquals(List.of(
                new SplitSummary("train", 4112, 82240),
                new SplitSummary("val", 688, 13760),
                new SplitSummary("test", 1692, 33840),
                new SplitSummary("trainval", 4800, 96000)), summary);
        assertEquals("split=train classes=4112 images=82240", summary.get(0).toString());
    }
}
