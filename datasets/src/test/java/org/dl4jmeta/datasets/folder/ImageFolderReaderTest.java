package org.dl4jmeta.datasets.folder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link ImageFolderReader}: classes in subfolder order, rows in file order, pixels by the convention at the
 * input size, other files skipped, and bad folders named.
 */
class ImageFolderReaderTest {

    @Test
    void readsClassesInOrderWithTheirPixels(@TempDir Path dir) throws Exception {
        GeneratedFolders.uniformGrey(dir.resolve("b").resolve("1.png"), 10, 6, 255);
        GeneratedFolders.uniformGrey(dir.resolve("a").resolve("2.png"), 7, 7, 0);
        GeneratedFolders.uniformGrey(dir.resolve("a").resolve("1.png"), 30, 20, 51);
        Files.writeString(dir.resolve("a").resolve("README.txt"), "not an image");
        ImageFolderReader ink = new ImageFolderReader(new long[] {1, 4, 4}, PixelConvention.INK, DataType.DOUBLE);
        LabelledImages s = ink.readLabelled(dir);
        assertEquals(List.of("a", "b"), s.classes());
        assertArrayEquals(new int[] {0, 0, 1}, s.labels());
        assertEquals(List.of(dir.resolve("a/1.png"), dir.resolve("a/2.png"), dir.resolve("b/1.png")), s.files());
        assertArrayEquals(new long[] {3, 1, 4, 4}, s.x().shape());
        assertEquals(DataType.DOUBLE, s.x().dataType());
        // ink = 1 - luminance: grey 51 is 0.8, black 1, white 0, whatever the original size
        assertEquals(0.8, s.x().getDouble(0, 0, 2, 3), 1e-6);
        assertEquals(1.0, s.x().getDouble(1, 0, 0, 0), 1e-6);
        assertEquals(0.0, s.x().getDouble(2, 0, 3, 1), 1e-6);

        INDArray one = ink.read(dir.resolve("a/1.png"));
        assertEquals(s.x().slice(0).reshape(1, 1, 4, 4), one);
        LabelledImages unlabelled = ink.readUnlabelled(dir.resolve("a"));
        assertArrayEquals(new int[] {-1, -1}, unlabelled.labels());
        assertEquals(List.of(), unlabelled.classes());

        ImageFolderReader rgb = new ImageFolderReader(new long[] {3, 5, 5}, PixelConvention.RGB, DataType.FLOAT);
        assertArrayEquals(new long[] {3, 3, 5, 5}, rgb.readLabelled(dir).x().shape());
    }

    @Test
    void conventionFollowsTheTrainingData() {
        assertEquals(PixelConvention.INK, ImageFolderReader.conventionFor("omniglot", 1));
        assertEquals(PixelConvention.GREY, ImageFolderReader.conventionFor("folder", 1));
        assertEquals(PixelConvention.RGB, ImageFolderReader.conventionFor("miniimagenet", 3));
        assertEquals(PixelConvention.RGB, ImageFolderReader.conventionFor("folder", 3));
    }

    @Test
    void badFoldersAndShapesAreNamed(@TempDir Path dir) throws Exception {
        ImageFolderReader r = new ImageFolderReader(new long[] {1, 4, 4}, PixelConvention.GREY, DataType.FLOAT);
        Path absent = dir.resolve("absent");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> r.readLabelled(absent, "--support"));
        assertTrue(e.getMessage().contains("--support folder " + absent + " does not exist"), e.getMessage());

        GeneratedFolders.uniformGrey(dir.resolve("flat").resolve("1.png"), 4, 4, 0);
        e = assertThrows(IllegalArgumentException.class, () -> r.readLabelled(dir.resolve("flat")));
        assertTrue(e.getMessage().contains("has no class subfolders"), e.getMessage());

        Files.createDirectories(dir.resolve("classes").resolve("empty"));
        GeneratedFolders.uniformGrey(dir.resolve("classes").resolve("full").resolve("1.png"), 4, 4, 0);
        e = assertThrows(IllegalArgumentException.class, () -> r.readLabelled(dir.resolve("classes")));
        assertTrue(e.getMessage().contains("empty holds no images"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> new ImageFolderReader(new long[] {2, 4, 4}, PixelConvention.GREY, DataType.FLOAT));
        assertTrue(e.getMessage().contains("[2, 4, 4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ImageFolderReader(new long[] {3, 4, 4}, PixelConvention.INK, DataType.FLOAT));
        assertTrue(e.getMessage().contains("ink"), e.getMessage());
    }
}
