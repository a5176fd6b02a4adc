package org.dl4jmeta.app.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.dl4jmeta.app.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * data-info counts without decoding; data-info --verify decodes every image and exits 2 naming a corrupt one, on a
 * generated Mini-ImageNet folder (2 classes per split, 2 JPEGs each).
 */
class DataInfoCommandTest {

    @Test
    void verifyNamesTheCorruptImageAndExits2WhilePlainDataInfoOnlyCounts(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("images"));
        for (String split : List.of("train", "val", "test")) {
            List<String> csv = new ArrayList<>(List.of("filename,label"));
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < 2; i++) {
                    String file = split + c + "_" + i + ".jpg";
                    csv.add(file + "," + split + "class" + c);
                    ImageIO.write(new BufferedImage(84, 84, BufferedImage.TYPE_INT_RGB), "jpg",
                            dir.resolve("images").resolve(file).toFile());
                }
            }
            Files.write(dir.resolve(split + ".csv"), csv);
        }
        String[] info = {"data-info", "--dataset", "miniimagenet", "--data-dir", dir.toString()};
        String[] verify = {"data-info", "--dataset", "miniimagenet", "--data-dir", dir.toString(), "--verify"};
        CliRun ok = CliRun.run(verify);
        assertEquals(0, ok.code(), ok.all());
        assertEquals("verified images=12 bad=0", ok.lastLine());

        Path corrupt = dir.resolve("images/val1_0.jpg");
        Files.writeString(corrupt, "not a JPEG");
        CliRun counted = CliRun.run(info);
        assertEquals(0, counted.code(), counted.all());
        assertEquals("split=train classes=2 images=4\nsplit=val classes=2 images=4\nsplit=test classes=2 images=4",
                counted.out().strip());
        CliRun bad = CliRun.run(verify);
        assertEquals(2, bad.code(), bad.all());
        assertTrue(bad.out().contains("bad image: cannot decode Mini-ImageNet image " + corrupt), bad.out());
        assertEquals("verified images=12 bad=1", bad.lastLine());
    }

    @Test
    void folderDataSetsAreCountedPerSplit(@TempDir Path dir) throws IOException {
        for (int c = 0; c < 10; c++) {
            Files.createDirectories(dir.resolve("class" + c));
            for (int i = 0; i <= c; i++) {
                ImageIO.write(new BufferedImage(9, 7, BufferedImage.TYPE_BYTE_GRAY), "png",
                        dir.resolve("class" + c).resolve(i + ".png").toFile());
            }
        }
        CliRun r = CliRun.run("data-info", "--dataset", "folder", "--data-dir", dir.toString());
        assertEquals(0, r.code(), r.all());
        List<String> lines = r.out().strip().lines().toList();
        assertEquals(3, lines.size(), r.out());
        int classes = 0;
        int images = 0;
        for (int s = 0; s < 3; s++) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("split=(\\w+) classes=(\\d+) images=(\\d+)")
                    .matcher(lines.get(s));
            assertTrue(m.matches(), lines.get(s));
            assertEquals(List.of("train", "val", "test").get(s), m.group(1));
            classes += Integer.parseInt(m.group(2));
            images += Integer.parseInt(m.group(3));
        }
        assertEquals(10, classes);
        assertEquals(55, images, "1 + 2 + ... + 10 images");
        assertTrue(lines.get(0).startsWith("split=train classes=6 "), "round: 10 - 2 - 2 = 6 train classes");

        Files.writeString(dir.resolve("train.txt"), "class9\nclass8\n");
        Files.writeString(dir.resolve("val.txt"), "class1\n");
        Files.writeString(dir.resolve("test.txt"), "class2\nclass3\n");
        CliRun files = CliRun.run("data-info", "--dataset", "folder", "--data-dir", dir.toString(), "--split", "files",
                "--verify", "--image-size", "5", "--channels", "1");
        assertEquals(0, files.code(), files.all());
        assertEquals("split=train classes=2 images=19\nsplit=val classes=1 images=2\nsplit=test classes=2 images=7\n"
                + "verified images=28 bad=0", files.out().strip());
        Files.writeString(dir.resolve("test.txt"), "class2\nclass99\n");
        CliRun bad = CliRun.run("data-info", "--dataset", "folder", "--data-dir", dir.toString(), "--split", "files");
        assertEquals(2, bad.code(), bad.all());
        assertTrue(bad.err().contains("test.txt line 2: unknown class 'class99'"), bad.err());
    }
}
