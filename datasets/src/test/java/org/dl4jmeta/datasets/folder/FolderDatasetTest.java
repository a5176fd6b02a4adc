package org.dl4jmeta.datasets.folder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.dl4jmeta.datasets.DatasetException;
import org.dl4jmeta.datasets.SplitSummary;
import org.dl4jmeta.datasets.episode.EpisodeSampler;
import org.dl4jmeta.datasets.episode.SamplerConfig;
import org.dl4jmeta.task.Episode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Folder data sets: formats, sizes and conventions; the cache (reuse proved by a rewritten image that is not
 * decoded again, rebuild on added, removed and modified images, corrupt and truncated files); splits from files
 * and seeded ratios with their errors; classes with too few images; deterministic episodes.
 */
class FolderDatasetTest {

    @TempDir
    Path tmp;

    /** Ten classes of four grey PNGs each, class k of value 20 k + i. */
    private Path tenClasses() {
        Path root = tmp.resolve("data");
        for (int k = 0; k < 10; k++) {
            for (int i = 0; i < 4; i++) {
                GeneratedFolders.uniformGrey(root.resolve("c" + k).resolve("i" + i + ".png"), 9 + k, 7 + i,
                        20 * k + i);
            }
        }
        return root;
    }

    private static float first(FolderImages images, int c, int i) {
        float[] px = new float[images.imageLength()];
        images.copyImage(c, i, px, 0);
        return px[0];
    }

    @Test
    void readsEveryFormatAndSizeAsGreyOrRgb() throws IOException {
        Path root = tmp.resolve("formats");
        GeneratedFolders.uniformGrey(root.resolve("grey/a.png"), 30, 20, 51);
        GeneratedFolders.uniformGrey(root.resolve("grey/b.bmp"), 7, 11, 51);
        GeneratedFolders.uniformGrey(root.resolve("grey/c.gif"), 64, 64, 51);
        GeneratedFolders.uniformGrey(root.resolve("grey/d.jpg"), 16, 16, 51);
        GeneratedFolders.uniformRgb(root.resolve("red/a.png"), 5, 9, 0xFF0000);
        GeneratedFolders.uniformRgb(root.resolve("red/b.jpg"), 40, 24, 0xFF0000);
        GeneratedFolders.uniformRgb(root.resolve("red/c.bmp"), 8, 8, 0xFF0000);
        GeneratedFolders.uniformRgb(root.resolve("red/d.gif"), 13, 3, 0xFF0000);
        Files.writeString(root.resolve("red/README.txt"), "not an image");
        FolderSplit all = FolderSplit.ratios(0.34, 0.33, 0.33, 1);
        // two classes cannot fill three splits: the ratio split says so
        DatasetException few = assertThrows(DatasetException.class,
                () -> FolderDataset.open(FolderConfig.of(root, 6, 1).withSplit(all)));
        assertTrue(few.getMessage().contains("no class of the 2 class folders"), few.getMessage());
        GeneratedFolders.uniformRgb(root.resolve("third/a.png"), 6, 6, 0x0000FF);
        Files.writeString(root.resolve("train.txt"), "grey\nred\n");
        Files.writeString(root.resolve("val.txt"), "third\n");
        Files.writeString(root.resolve("test.txt"), "# comment\n\nthird/\n");
        DatasetException twice = assertThrows(DatasetException.class,
                () -> FolderDataset.open(FolderConfig.of(root, 6, 1).withSplit(FolderSplit.files(null))));
        assertTrue(twice.getMessage().contains("'third'") && twice.getMessage().contains("val.txt line 1")
                && twice.getMessage().contains("test.txt line 3"), twice.getMessage());
        Files.writeString(root.resolve("val.txt"), "red\n");
        Files.writeString(root.resolve("train.txt"), "grey\n");

        FolderDataset grey = FolderDataset.open(FolderConfig.of(root, 6, 1).withSplit(FolderSplit.files(null)));
        FolderImages g = grey.load("train");
        assertEquals(List.of("grey"), g.classNames());
        assertEquals(4, g.imagesInClass(0));
        assertArrayEquals(new long[] {1, 6, 6}, g.imageShape());
        for (int i = 0; i < 4; i++) {
            float[] px = new float[36];
            g.copyImage(0, i, px, 0);
            for (float v : px) {
                assertEquals(51 / 255f, v, i == 3 ? 2 / 255f : 1e-6f, "grey image " + i);   // JPEG is lossy
            }
        }
        FolderImages redGrey = grey.load("val");
        assertEquals(4, redGrey.imagesInClass(0), "README.txt is not an image");
        // luminance of pure red: 0.299 * 255
        assertEquals(0.299f, first(redGrey, 0, 0), 1.5f / 255);
        FolderImages ink = FolderDataset.open(FolderConfig.of(root, 6, 1).withSplit(FolderSplit.files(null))
                .withConvention(PixelConvention.INK)).load("train");
        assertEquals(1 - 51 / 255f, first(ink, 0, 0), 1e-6f);

        FolderDataset rgb = FolderDataset.open(FolderConfig.of(root, 5, 3).withSplit(FolderSplit.files(null)));
        FolderImages red = rgb.load("val");
        assertArrayEquals(new long[] {3, 5, 5}, red.imageShape());
        for (int i = 0; i < 4; i++) {
            float[] px = new float[75];
            red.copyImage(0, i, px, 0);
            float tol = i == 1 ? 6 / 255f : 1e-6f;
            assertEquals(1f, px[0], tol, "R of red image " + i);
            assertEquals(0f, px[25], tol, "G of red image " + i);
            assertEquals(0f, px[50], tol, "B of red image " + i);
        }
        FolderImages greyAsRgb = rgb.load("train");
        float[] px = new float[75];
        greyAsRgb.copyImage(0, 0, px, 0);
        assertEquals(px[0], px[25], 1e-6f);
        assertEquals(px[0], px[50], 1e-6f);
    }

    @Test
    void secondLoadReadsTheCacheWithoutDecoding() throws IOException {
        Path root = tenClasses();
        FolderConfig cfg = FolderConfig.of(root, 8, 1);
        FolderImages first = FolderDataset.open(cfg).load("train");
        assertFalse(first.fromCache());
        assertTrue(Files.isDirectory(root.resolve(FolderConfig.CACHE_FOLDER)));
        // Proof that the second load does not decode: an image rewritten with other bytes of the same length and
        // its old modification time still yields the first load's pixels (a decode would see the new ones or fail).
        Path img = root.resolve(first.className(0)).resolve("i0.png");
        FileTime mtime = Files.getLastModifiedTime(img);
        long size = Files.size(img);
        Files.write(img, new byte[(int) size]);
        Files.setLastModifiedTime(img, mtime);
        FolderImages second = FolderDataset.open(cfg).load("train");
        assertTrue(second.fromCache());
        assertEquals(first.classNames(), second.classNames());
        for (int c = 0; c < first.numClasses(); c++) {
            for (int i = 0; i < first.imagesInClass(c); i++) {
                float[] a = new float[64];
                float[] b = new float[64];
                first.copyImage(c, i, a, 0);
                second.copyImage(c, i, b, 0);
                assertArrayEquals(a, b, 0f);
            }
        }
        // ... and without the cache the same folder is decoded, and the zeroed file is named
        DatasetException bad = assertThrows(DatasetException.class,
                () -> FolderDataset.open(cfg.withoutCache()).load("train"));
        assertTrue(bad.getMessage().contains(img.toString()), bad.getMessage());
    }

    @Test
    void aChangedFolderIsDecodedAgain() throws IOException {
        Path root = tenClasses();
        FolderConfig cfg = FolderConfig.of(root, 8, 1);
        FolderImages before = FolderDataset.open(cfg).load("train");
        String cls = before.className(0);
        assertTrue(FolderDataset.open(cfg).load("train").fromCache());

        // added image
        GeneratedFolders.uniformGrey(root.resolve(cls).resolve("i9.png"), 5, 5, 250);
        FolderImages added = FolderDataset.open(cfg).load("train");
        assertFalse(added.fromCache());
        assertEquals(5, added.imagesInClass(0));
        assertEquals(250 / 255f, first(added, 0, 4), 1e-6f);
        assertTrue(FolderDataset.open(cfg).load("train").fromCache());

        // modified image (same name, other pixels)
        GeneratedFolders.uniformGrey(root.resolve(cls).resolve("i9.png"), 6, 6, 100);
        Files.setLastModifiedTime(root.resolve(cls).resolve("i9.png"), FileTime.fromMillis(System.currentTimeMillis()
                + 5_000));
        FolderImages modified = FolderDataset.open(cfg).load("train");
        assertFalse(modified.fromCache());
        assertEquals(100 / 255f, first(modified, 0, 4), 1e-6f);

        // removed image
        Files.delete(root.resolve(cls).resolve("i9.png"));
        FolderImages removed = FolderDataset.open(cfg).load("train");
        assertFalse(removed.fromCache());
        assertEquals(4, removed.imagesInClass(0));
        // one cache file per split and shape: the stale ones are gone
        try (Stream<Path> s = Files.list(root.resolve(FolderConfig.CACHE_FOLDER))) {
            assertEquals(1, s.filter(p -> p.getFileName().toString().startsWith("folder-train-")).count());
        }
    }

    @Test
    void aCorruptOrTruncatedCacheIsRebuilt() throws IOException {
        Path root = tenClasses();
        FolderConfig cfg = FolderConfig.of(root, 8, 1);
        FolderImages good = FolderDataset.open(cfg).load("test");
        Path file;
        try (Stream<Path> s = Files.list(root.resolve(FolderConfig.CACHE_FOLDER))) {
            file = s.filter(p -> p.getFileName().toString().startsWith("folder-test-")).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 40] ^= 0x10;                       // one pixel's bit: only the CRC notices
        Files.write(file, bytes);
        FolderImages rebuilt = FolderDataset.open(cfg).load("test");
        assertFalse(rebuilt.fromCache());
        assertEquals(first(good, 1, 2), first(rebuilt, 1, 2));
        assertTrue(FolderDataset.open(cfg).load("test").fromCache(), "the rebuilt cache is valid");

        byte[] whole = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(whole, whole.length / 2));   // an interrupted copy
        assertFalse(FolderDataset.open(cfg).load("test").fromCache());
        Files.writeString(file, "not a cache");
        assertFalse(FolderDataset.open(cfg).load("test").fromCache());
        assertTrue(FolderDataset.open(cfg).load("test").fromCache());
        // a temporary file of an interrupted write is never read as the cache
        Files.writeString(root.resolve(FolderConfig.CACHE_FOLDER).resolve(file.getFileName() + ".tmp"), "partial");
        assertTrue(FolderDataset.open(cfg).load("test").fromCache());
    }

    @Test
    void classesWithTooFewImagesAreNamedOrExcluded() throws IOException {
        Path root = tenClasses();
        GeneratedFolders.uniformGrey(root.resolve("c3/extra1.png"), 5, 5, 7);
        GeneratedFolders.uniformGrey(root.resolve("c3/extra2.png"), 5, 5, 7);
        Files.createDirectories(root.resolve("empty"));
        Files.writeString(root.resolve("train.txt"), "c0\nc1\nc2\nc3\nempty\n");
        Files.writeString(root.resolve("val.txt"), "c4\n");
        Files.writeString(root.resolve("test.txt"), "c5\nc6\n");
        FolderDataset data = FolderDataset.open(FolderConfig.of(root, 8, 1).withSplit(FolderSplit.files(null)));
        assertEquals(Map.of("c0", 4, "c1", 4, "c2", 4, "c3", 6, "empty", 0), data.imageCounts("train"));
        DatasetException e = assertThrows(DatasetException.class, () -> data.load("train", 6, false));
        assertTrue(e.getMessage().contains("'c0' (4 images), 'c1' (4 images), 'c2' (4 images), 'empty' (0 images)"),
                e.getMessage());
        assertTrue(e.getMessage().contains("split train") && e.getMessage().contains("6 images")
                && e.getMessage().contains("--exclude-small-classes"), e.getMessage());
        assertFalse(e.getMessage().contains("'c3'"), e.getMessage());
        FolderImages kept = data.load("train", 6, true);
        assertEquals(List.of("c3"), kept.classNames());
        assertEquals(List.of("c0", "c1", "c2", "empty"), List.copyOf(kept.excluded().keySet()));
        assertEquals(0, kept.excluded().get("empty"));
        DatasetException none = assertThrows(DatasetException.class, () -> data.load("test", 5, true));
        assertTrue(none.getMessage().contains("no class with at least 5 images"), none.getMessage());
        // without a minimum, an empty class folder is still an error naming it
        DatasetException empty = assertThrows(DatasetException.class, () -> data.load("train"));
        assertTrue(empty.getMessage().contains("'empty' (0 images)"), empty.getMessage());
    }

    @Test
    void badSplitFilesNameTheValue() throws IOException {
        Path root = tenClasses();
        Path splits = tmp.resolve("splits");
        Files.createDirectories(splits);
        FolderConfig cfg = FolderConfig.of(root, 8, 1).withSplit(FolderSplit.files(splits));
        Files.writeString(splits.resolve("train.txt"), "c0\nc1\n");
        Files.writeString(splits.resolve("val.txt"), "c2\n");
        DatasetException missing = assertThrows(DatasetException.class, () -> FolderDataset.open(cfg));
        assertTrue(missing.getMessage().contains(splits.resolve("test.txt").toString()), missing.getMessage());
        Files.writeString(splits.resolve("test.txt"), "c3\nc42\n");
        DatasetException unknown = assertThrows(DatasetException.class, () -> FolderDataset.open(cfg));
        assertTrue(unknown.getMessage().contains("test.txt line 2: unknown class 'c42'"), unknown.getMessage());
        Files.writeString(splits.resolve("test.txt"), "c3\nc1\n");
        DatasetException both = assertThrows(DatasetException.class, () -> FolderDataset.open(cfg));
        assertTrue(both.getMessage().contains("class 'c1' is listed in both " + splits.resolve("train.txt")
                + " line 2 and " + splits.resolve("test.txt") + " line 2"), both.getMessage());
        Files.writeString(splits.resolve("test.txt"), "# nothing yet\n\n");
        DatasetException empty = assertThrows(DatasetException.class, () -> FolderDataset.open(cfg));
        assertTrue(empty.getMessage().contains(splits.resolve("test.txt") + " lists no class"), empty.getMessage());
        Files.writeString(splits.resolve("test.txt"), "c9\nc8\n");
        FolderDataset ok = FolderDataset.open(cfg);
        assertEquals(List.of("c8", "c9"), ok.classes("test"));
        assertEquals(List.of(new SplitSummary("train", 2, 8), new SplitSummary("val", 1, 4),
                new SplitSummary("test", 2, 8)), ok.describe());
        IllegalArgumentException split = assertThrows(IllegalArgumentException.class, () -> ok.load("trainval"));
        assertTrue(split.getMessage().contains("'trainval'"), split.getMessage());
    }

    @Test
    void ratioSplitsAreSeededDisjointAndComplete() throws IOException {
        Path root = tenClasses();
        FolderConfig cfg = FolderConfig.of(root, 8, 1);
        FolderDataset a = FolderDataset.open(cfg);
        FolderDataset b = FolderDataset.open(cfg);
        Set<String> all = new HashSet<>();
        List<Integer> sizes = new ArrayList<>();
        for (String s : FolderSplit.SPLITS) {
            assertEquals(a.classes(s), b.classes(s), "same seed, same split");
            sizes.add(a.classes(s).size());
            for (String c : a.classes(s)) {
                assertTrue(all.add(c), c + " in two splits");
            }
        }
        assertEquals(10, all.size());
        assertEquals(List.of(6, 2, 2), sizes, "round(0.16 * 10) = 2 val, round(0.2 * 10) = 2 test, 6 train");
        FolderDataset other = FolderDataset.open(cfg.withSplit(FolderSplit.ratios(0.64, 0.16, 0.20, 2)));
        assertNotEquals(a.classes("train"), other.classes("train"), "another seed, another split");

        assertThrows(IllegalArgumentException.class, () -> FolderSplit.parseRatios("0.5,0.5", 1));
        IllegalArgumentException sum = assertThrows(IllegalArgumentException.class,
                () -> FolderSplit.parseRatios("0.6,0.3,0.3", 1));
        assertTrue(sum.getMessage().contains("sum to 1"), sum.getMessage());
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> FolderSplit.parseRatios("0.6,x,0.2", 1));
        assertTrue(nan.getMessage().contains("'x'"), nan.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FolderSplit.parseRatios("0.8,0,0.2", 1));
    }

    @Test
    void episodesAreDeterministicAndTheSameFromTheCache() throws IOException {
        Path root = tenClasses();
        FolderConfig cfg = FolderConfig.of(root, 8, 1);
        FolderImages decoded = FolderDataset.open(cfg).load("train");
        FolderImages cached = FolderDataset.open(cfg).load("train");
        assertTrue(cached.fromCache());
        assertEquals("folder/train", decoded.name());
        SamplerConfig sc = SamplerConfig.of(3, 1, 2, 5);
        EpisodeSampler x = new EpisodeSampler(decoded, sc);
        EpisodeSampler y = new EpisodeSampler(cached, sc);
        for (long i : new long[] {0, 7, 1000}) {
            assertEquals(x.plan(i), y.plan(i));
            Episode ex = x.episode(i);
            Episode ey = y.episode(i);
            assertEquals(ex.supportX(), ey.supportX());
            assertEquals(ex.queryY(), ey.queryY());
        }
        assertNotEquals(x.plan(0), x.plan(1));
        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
                () -> new EpisodeSampler(decoded, SamplerConfig.of(3, 2, 3, 5)));
        assertTrue(tooMany.getMessage().contains("shots + queries"), tooMany.getMessage());
    }

    @Test
    void missingOrEmptyFolderShowsTheLayout() throws IOException {
        DatasetException none = assertThrows(DatasetException.class,
                () -> FolderDataset.open(FolderConfig.of(tmp.resolve("nope"), 8, 1)));
        assertTrue(none.getMessage().contains("does not exist") && none.getMessage().contains("<class>"),
                none.getMessage());
        Files.createDirectories(tmp.resolve("bare"));
        DatasetException bare = assertThrows(DatasetException.class,
                () -> FolderDataset.open(FolderConfig.of(tmp.resolve("bare"), 8, 1)));
        assertTrue(bare.getMessage().contains("has no class folders"), bare.getMessage());
        IllegalArgumentException ch = assertThrows(IllegalArgumentException.class,
                () -> FolderConfig.of(tmp, 8, 2));
        assertTrue(ch.getMessage().contains("got 2"), ch.getMessage());
    }
}
