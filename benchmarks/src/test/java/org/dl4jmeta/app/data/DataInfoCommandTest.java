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
}
