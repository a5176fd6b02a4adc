package org.dl4jmeta.datasets.miniimagenet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.dl4jmeta.datasets.DatasetException;
import org.dl4jmeta.datasets.SplitSummary;
import org.dl4jmeta.datasets.episode.Augmentations;
import org.dl4jmeta.datasets.episode.EpisodeSampler;
import org.dl4jmeta.datasets.episode.SamplerConfig;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.datasets.DataInfo;
import org.dl4jmeta.datasets.ImageCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Mini-ImageNet end to end on generated stand-in JPEGs named as in Ravi's CSVs (the real images are not
 * redistributable): 3 classes x 5 images, some 84x84 and some larger, each class a flat colour.
 */
class MiniImageNetTest {

    /** The first three classes of Ravi's train.csv and their stand-in colours (R, G, B). */
    private static final String[] LABELS = {"n01532829", "n01558993", "n01704323"};
    private static final int[][] COLOURS = {{200, 30, 90}, {20, 160, 240}, {250, 250, 10}};
    private static final int PER_CLASS = 5;

    @TempDir
    Path dir;

    private static String filename(int c, int i) {
        return LABELS[c] + String.format("%08d", i + 1) + ".jpg";
    }

    /** Writes the CSV under splits/ravi/ and the JPEGs into imagesDir(label) and returns the data folder. */
    private Path standIn(java.util.function.Function<String, Path> imagesDir) throws IOException {
        List<String> csv = new ArrayList<>(List.of("filename,label"));
        for (int c = 0; c < LABELS.length; c++) {
            for (int i = 0; i < PER_CLASS; i++) {
                csv.add(filename(c, i) + "," + LABELS[c]);
                // Every other image is larger (and not square) than 84x84 and must be resized.
                int w = i % 2 == 0 ? 84 : 160;
                int h = i % 2 == 0 ? 84 : 120;
                Path out = imagesDir.apply(LABELS[c]).resolve(filename(c, i));
                Files.createDirectories(out.getParent());
                writeJpeg(out, w, h, COLOURS[c]);
            }
        }
        Path csvFile = dir.resolve("splits/ravi/train.csv");
        Files.createDirectories(csvFile.getParent());
        Files.write(csvFile, csv);
        return dir;
    }

    private Path standIn() throws IOException {
        return standIn(label -> dir.resolve("images"));
    }

    private static void writeJpeg(Path out, int w, int h, int[] rgb) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (rgb[0] << 16) | (rgb[1] << 8) | rgb[2]);
            }
        }
        try (OutputStream os = Files.newOutputStream(out)) {
            assertTrue(ImageIO.write(img, "jpg", os));
        }
    }

    private MiniImageNetConfig config(Path data) {
        return MiniImageNetConfig.of(data, "train").withCacheDir(dir.resolve("cache"));
    }

    @Test
    void loadsShapesLabelsRgbOrderAndUnitRange() throws IOException {
        MiniImageNetImages set = MiniImageNet.load(config(standIn()));
        assertEquals("miniimagenet/ravi/train", set.name());
        assertEquals(3, set.numClasses());
        assertEquals(List.of(LABELS[0], LABELS[1], LABELS[2]),
                List.of(set.className(0), set.className(1), set.className(2)));
        for (int c = 0; c < 3; c++) {
            assertEquals(PER_CLASS, set.imagesInClass(c));
            INDArray x = set.classImages(c, DataType.FLOAT);
            assertArrayEquals(new long[] {PER_CLASS, 3, 84, 84}, x.shape());
            assertTrue(x.minNumber().doubleValue() >= 0 && x.maxNumber().doubleValue() <= 1);
            for (int ch = 0; ch < 3; ch++) {
                // A flat colour survives JPEG and resizing to within a few levels.
                double mean = x.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                        org.nd4j.linalg.indexing.NDArrayIndex.point(ch)).meanNumber().doubleValue();
                assertEquals(COLOURS[c][ch] / 255.0, mean, 4 / 255.0, "class " + c + " channel " + ch);
            }
        }
        assertFalse(set.fromCache());
    }

    @Test
    void secondLoadHitsTheCacheWithIdenticalTensors() throws IOException {
        Path data = standIn();
        MiniImageNetImages first = MiniImageNet.load(config(data));
        assertFalse(first.fromCache());
        List<Path> caches = cacheFiles();
        assertEquals(1, caches.size(), "one cache file: " + caches);
        MiniImageNetImages second = MiniImageNet.load(config(data));
        assertTrue(second.fromCache());
        assertSamePixels(first, second);
        // Turning the cache off decodes again, to the same pixels.
        MiniImageNetImages uncached = MiniImageNet.load(config(data).withoutCache());
        assertFalse(uncached.fromCache());
        assertSamePixels(first, uncached);
    }

    @Test
    void corruptOrTruncatedCacheIsRebuilt() throws IOException {
        Path data = standIn();
        MiniImageNetImages reference = MiniImageNet.load(config(data));
        Path cache = cacheFiles().get(0);
        byte[] bytes = Files.readAllBytes(cache);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(cache, bytes);
        MiniImageNetImages rebuilt = MiniImageNet.load(config(data));
        assertFalse(rebuilt.fromCache(), "a flipped payload byte must be caught by the CRC");
        assertSamePixels(reference, rebuilt);
        assertTrue(MiniImageNet.load(config(data)).fromCache(), "the rebuilt cache must be valid");

        Files.write(cache, java.util.Arrays.copyOf(Files.readAllBytes(cache), 1000));
        MiniImageNetImages afterTruncation = MiniImageNet.load(config(data));
        assertFalse(afterTruncation.fromCache());
        assertSamePixels(reference, afterTruncation);

        Files.write(cache, "garbage".getBytes());
        assertFalse(MiniImageNet.load(config(data)).fromCache());
        assertTrue(MiniImageNet.load(config(data)).fromCache());
    }

    @Test
    void changedImageMakesTheCacheStale() throws IOException {
        Path data = standIn();
        MiniImageNetImages before = MiniImageNet.load(config(data));
        Path changed = data.resolve("images").resolve(filename(1, 2));
        writeJpeg(changed, 90, 90, new int[] {0, 0, 0});
        Files.setLastModifiedTime(changed, FileTime.fromMillis(System.currentTimeMillis() + 5000));
        MiniImageNetImages after = MiniImageNet.load(config(data));
        assertFalse(after.fromCache(), "a changed image must not be served from the old cache");
        assertNotEquals(before.classImages(1, DataType.FLOAT), after.classImages(1, DataType.FLOAT));
        assertEquals(before.classImages(0, DataType.FLOAT), after.classImages(0, DataType.FLOAT));
        assertEquals(1, cacheFiles().size(), "the stale cache file must be removed");
    }

    @Test
    void perSplitFoldersByLabelWorkToo() throws IOException {
        Path data = standIn(label -> dir.resolve("train").resolve(label));
        MiniImageNetImages set = MiniImageNet.load(config(data));
        assertEquals(15, set.totalImages());
    }

    @Test
    void truncatedJpegIsNamedAndNothingIsCached() throws IOException {
        Path data = standIn();
        Path victim = data.resolve("images").resolve(filename(2, 3));
        byte[] jpg = Files.readAllBytes(victim);
        Files.write(victim, java.util.Arrays.copyOf(jpg, jpg.length * 2 / 3));
        DatasetException e = assertThrows(DatasetException.class, () -> MiniImageNet.load(config(data)));
        assertTrue(e.getMessage().contains("Mini-ImageNet image " + victim + " is truncated"), e.getMessage());
        assertTrue(cacheFiles().isEmpty());
        assertFalse(Files.exists(dir.resolve("cache")) && Files.list(dir.resolve("cache")).findAny().isPresent(),
                "nothing may be left in the cache folder");

        Files.write(victim, "not an image".getBytes());
        DatasetException garbage = assertThrows(DatasetException.class, () -> MiniImageNet.load(config(data)));
        assertTrue(garbage.getMessage().contains("cannot decode Mini-ImageNet image " + victim), garbage.getMessage());
    }

    @Test
    void missingImagesAndBadCsvLinesAreNamed() throws IOException {
        Path data = standIn();
        Path gone = data.resolve("images").resolve(filename(1, 4));
        Files.delete(gone);
        DatasetException missing = assertThrows(DatasetException.class, () -> MiniImageNet.load(config(data)));
        assertTrue(missing.getMessage().contains("Mini-ImageNet image " + gone + " listed on line 11 of "),
                missing.getMessage());
        assertTrue(missing.getMessage().contains("(1 of 15 images of split train are missing)"), missing.getMessage());

        Path csv = data.resolve("splits/ravi/train.csv");
        List<String> lines = new ArrayList<>(Files.readAllLines(csv));
        lines.set(4, "n0153282900000004.jpg;n01532829");
        Files.write(csv, lines);
        DatasetException bad = assertThrows(DatasetException.class, () -> MiniImageNet.load(config(data)));
        assertTrue(bad.getMessage().contains(csv + " line 5: expected 'filename,label'"), bad.getMessage());

        Files.write(csv, List.of("file,class", "a.jpg,n1"));
        DatasetException header = assertThrows(DatasetException.class, () -> MiniImageNet.load(config(data)));
        assertTrue(header.getMessage().contains(csv + " line 1: expected the header 'filename,label'"),
                header.getMessage());
    }

    @Test
    void missingFolderShowsTheLayout() {
        Path nowhere = dir.resolve("nowhere");
        DatasetException e = assertThrows(DatasetException.class,
                () -> MiniImageNet.load(MiniImageNetConfig.of(nowhere, "val")));
        assertTrue(e.getMessage().contains("Mini-ImageNet folder " + nowhere + " does not exist"), e.getMessage());
        assertTrue(e.getMessage().contains("{train,val,test}.csv"), e.getMessage());
        assertTrue(e.getMessage().contains("images/n0153282900000005.jpg"), e.getMessage());
        assertEquals("Mini-ImageNet split must be one of train, val, test, got 'dev'",
                assertThrows(IllegalArgumentException.class, () -> MiniImageNetConfig.of(dir, "dev")).getMessage());
    }

    @Test
    void describeCountsAndSamplerDrawsAugmentedEpisodes() throws IOException {
        Path data = standIn();
        relabelledSplits(data);
        assertEquals(List.of(new SplitSummary("train", 3, 15), new SplitSummary("val", 3, 15),
                new SplitSummary("test", 3, 15)), MiniImageNet.describe(data));

        MiniImageNetImages set = MiniImageNet.load(config(data));
        EpisodeSampler sampler = new EpisodeSampler(set, SamplerConfig.of(3, 2, 3, 1)
                .withAugmentation(Augmentations.miniImageNetTraining()));
        Episode e = sampler.episode(0);
        assertArrayEquals(new long[] {6, 3, 84, 84}, e.supportX().shape());
        assertArrayEquals(new long[] {9, 3, 84, 84}, e.queryX().shape());
        assertEquals(e.queryX(), sampler.episode(0).queryX());
    }

    private List<Path> cacheFiles() throws IOException {
        Path cache = dir.resolve("cache");
        if (!Files.isDirectory(cache)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(cache)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".bin")).toList();
        }
    }

    private static void assertSamePixels(MiniImageNetImages a, MiniImageNetImages b) {
        assertEquals(a.numClasses(), b.numClasses());
        for (int c = 0; c < a.numClasses(); c++) {
            assertEquals(a.className(c), b.className(c));
            assertEquals(a.classImages(c, DataType.FLOAT), b.classImages(c, DataType.FLOAT));
        }
    }

    /** val.csv and test.csv list the train images under other labels (the splits' classes are disjoint). */
    private static void relabelledSplits(Path data) throws IOException {
        List<String> train = Files.readAllLines(data.resolve("splits/ravi/train.csv"));
        for (String split : List.of("val", "test")) {
            List<String> lines = new ArrayList<>(List.of(train.get(0)));
            for (String l : train.subList(1, train.size())) {
                lines.add(l.replace(",n", "," + split + "-n"));
            }
            Files.write(data.resolve("splits/ravi/" + split + ".csv"), lines);
        }
    }

    @Test
    void aClassInTwoSplitsIsRefusedNamingItAndBothFiles() throws IOException {
        Path data = standIn();
        relabelledSplits(data);
        Path test = data.resolve("splits/ravi/test.csv");
        List<String> lines = new ArrayList<>(Files.readAllLines(test));
        lines.add("extra.jpg," + LABELS[1]);
        Files.write(test, lines);
        Path train = data.resolve("splits/ravi/train.csv");
        DatasetException e = assertThrows(DatasetException.class, () -> MiniImageNet.load(config(data)));
        assertTrue(e.getMessage().contains("class '" + LABELS[1] + "' is listed in both " + train + " (line 7) and "
                + test + " (line 17)"), e.getMessage());
        assertThrows(DatasetException.class, () -> MiniImageNet.describe(data));
    }

    @Test
    void verifyDecodesEveryImageAndNamesTheBadOnes() throws IOException {
        Path data = standIn();
        relabelledSplits(data);
        assertEquals(new ImageCheck(45, List.of()), DataInfo.verify("miniimagenet", data, null));
        Path corrupt = data.resolve("images").resolve(filename(0, 2));
        Files.writeString(corrupt, "not an image at all");
        Path huge = data.resolve("images").resolve(filename(2, 4));
        Files.write(huge, org.dl4jmeta.datasets.omniglot.PngHeaders.png(40000, 40000));
        assertEquals(3, MiniImageNet.describe(data).size(), "counting does not decode");
        ImageCheck check = DataInfo.verify("miniimagenet", data, "ravi");
        assertEquals(45, check.images());
        // each bad file is listed once per split that lists it: train, val, test
        assertEquals(6, check.problems().size(), check.problems().toString());
        assertTrue(check.problems().get(0).contains("cannot decode Mini-ImageNet image " + corrupt), check.problems()
                .get(0));
        assertTrue(check.problems().get(1).contains("Mini-ImageNet image " + huge + " is too large (40000 x 40000 "
                + "pixels, limit 67108864"), check.problems().get(1));
    }
}
