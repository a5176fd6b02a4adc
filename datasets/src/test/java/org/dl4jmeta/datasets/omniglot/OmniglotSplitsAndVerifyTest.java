package org.dl4jmeta.datasets.omniglot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import org.dl4jmeta.datasets.DataInfo;
import org.dl4jmeta.datasets.DatasetException;
import org.dl4jmeta.datasets.ImageCheck;
import org.dl4jmeta.datasets.SplitSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a generated Omniglot folder (6 characters of 3 drawings, 105x105 PNGs, Vinyals split files): {@code verify}
 * decodes every drawing of folders and zips and names the bad ones, while counting alone does not decode; a class
 * in two splits is refused naming it and both files; a PNG whose header declares 40000x40000 is reported by its
 * size without being decoded.
 */
class OmniglotSplitsAndVerifyTest {

    private static final List<String> BACKGROUND = List.of("Alpha/character01", "Alpha/character02",
            "Beta/character01", "Beta/character02");
    private static final List<String> EVALUATION = List.of("Gamma/character01", "Gamma/character02");

    @TempDir
    Path dir;

    /** Writes the layout; drawings are PNG bytes keyed by "set/Alphabet/character/file". */
    private Path omniglot(boolean zips) throws IOException {
        for (String set : List.of(Omniglot.BACKGROUND, Omniglot.EVALUATION)) {
            List<String> chars = set.equals(Omniglot.BACKGROUND) ? BACKGROUND : EVALUATION;
            ZipOutputStream zip = zips ? new ZipOutputStream(Files.newOutputStream(dir.resolve(set + ".zip"))) : null;
            try {
                for (int c = 0; c < chars.size(); c++) {
                    for (int d = 1; d <= 3; d++) {
                        String name = set + "/" + chars.get(c) + "/" + String.format("%04d_%02d.png", c + 1, d);
                        byte[] png = drawing(c * 3 + d);
                        if (zip != null) {
                            zip.putNextEntry(new ZipEntry(name));
                            zip.write(png);
                            zip.closeEntry();
                        } else {
                            Path f = dir.resolve(name);
                            Files.createDirectories(f.getParent());
                            Files.write(f, png);
                        }
                    }
                }
            } finally {
                if (zip != null) {
                    zip.close();
                }
            }
        }
        split("train", "Alpha/character01/rot000", "Alpha/character01/rot090", "Alpha/character02/rot000");
        split("val", "Beta/character01/rot000");
        split("test", "Gamma/character01/rot000", "Gamma/character02/rot180");
        split("trainval", "Alpha/character01/rot000", "Alpha/character01/rot090", "Alpha/character02/rot000",
                "Beta/character01/rot000");
        return dir;
    }

    private void split(String name, String... lines) throws IOException {
        Path f = dir.resolve("splits/vinyals/" + name + ".txt");
        Files.createDirectories(f.getParent());
        Files.write(f, List.of(lines), StandardCharsets.UTF_8);
    }

    private static byte[] drawing(int seed) throws IOException {
        BufferedImage img = new BufferedImage(105, 105, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 105; y++) {
            for (int x = 0; x < 105; x++) {
                img.getRaster().setSample(x, y, 0, (x * seed + y) % 7 == 0 ? 0 : 255);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, "png", out));
        return out.toByteArray();
    }

    @Test
    void verifyDecodesEveryDrawingOfTheFolderLayoutAndNamesTheCorruptOne() throws IOException {
        Path data = omniglot(false);
        ImageCheck good = DataInfo.verify("omniglot", data, null);
        assertEquals(new ImageCheck(18, List.of()), good);

        Path victim = data.resolve("images_evaluation/Gamma/character02/0002_02.png");
        byte[] png = Files.readAllBytes(victim);
        Files.write(victim, java.util.Arrays.copyOf(png, png.length / 2));
        Path huge = data.resolve("images_background/Beta/character02/0004_03.png");
        Files.write(huge, PngHeaders.png(40000, 40000));
        // counting alone does not decode: the summary is unchanged
        assertEquals(List.of(new SplitSummary("train", 3, 9), new SplitSummary("val", 1, 3),
                new SplitSummary("test", 2, 6), new SplitSummary("trainval", 4, 12)),
                DataInfo.describe("omniglot", data, "vinyals"));
        ImageCheck bad = DataInfo.verify("omniglot", data, "vinyals");
        assertEquals(18, bad.images());
        assertEquals(2, bad.problems().size(), bad.problems().toString());
        assertTrue(bad.problems().get(0).contains(huge + " is 40000x40000, expected 105x105"), bad.problems().get(0));
        assertTrue(bad.problems().get(1).contains("cannot decode Omniglot image " + victim), bad.problems().get(1));
        assertEquals(bad, DataInfo.verify("omniglot", data, "lake"), "both schemes read both sets");
    }

    @Test
    void verifyReadsZipsToo() throws IOException {
        Path data = omniglot(true);
        assertTrue(DataInfo.verify("omniglot", data, null).ok());
        // rewrite the background zip with one entry that is not a PNG
        Path zip = data.resolve("images_background.zip");
        List<String> names = new ArrayList<>();
        try (var z = new java.util.zip.ZipFile(zip.toFile())) {
            z.stream().forEach(e -> names.add(e.getName()));
        }
        Path rebuilt = dir.resolve("rebuilt.zip");
        try (var z = new java.util.zip.ZipFile(zip.toFile());
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(rebuilt))) {
            for (String n : names) {
                out.putNextEntry(new ZipEntry(n));
                out.write(n.endsWith("0002_01.png") ? "not a png".getBytes(StandardCharsets.UTF_8)
                        : z.getInputStream(z.getEntry(n)).readAllBytes());
                out.closeEntry();
            }
        }
        Files.move(rebuilt, zip, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        ImageCheck bad = DataInfo.verify("omniglot", data, null);
        assertEquals(1, bad.problems().size(), bad.problems().toString());
        assertTrue(bad.problems().get(0).contains(zip + "!images_background/Alpha/character02/0002_01.png"),
                bad.problems().get(0));
    }

    @Test
    void aClassInTwoSplitsIsRefusedNamingItAndBothFiles() throws IOException {
        Path data = omniglot(false);
        Omniglot o = Omniglot.at(data);
        assertEquals(3, o.load(OmniglotScheme.VINYALS, "train").numClasses(), "the generated splits are disjoint");
        assertEquals(4, o.load(OmniglotScheme.VINYALS, "trainval").numClasses(), "trainval is train then val");
        split("test", "Gamma/character01/rot000", "Alpha/character02/rot000");
        Path train = data.resolve("splits/vinyals/train.txt");
        Path test = data.resolve("splits/vinyals/test.txt");
        for (String s : List.of("train", "test", "trainval")) {
            DatasetException e = assertThrows(DatasetException.class, () -> o.load(OmniglotScheme.VINYALS, s));
            assertTrue(e.getMessage().contains("class 'Alpha/character02/rot000' is listed in both"), e.getMessage());
            assertTrue(e.getMessage().contains(test.toString()), e.getMessage());
            assertTrue(e.getMessage().contains(s.equals("trainval") ? "trainval.txt" : train.toString()),
                    e.getMessage());
        }
        assertThrows(DatasetException.class, () -> DataInfo.describe("omniglot", data, null));
        // another rotation of a training character is the same character
        split("test", "Gamma/character01/rot000", "Alpha/character01/rot270");
        DatasetException e = assertThrows(DatasetException.class, () -> o.load(OmniglotScheme.VINYALS, "test"));
        assertTrue(e.getMessage().contains("character 'Alpha/character01' is in both " + test + " (line 2, "
                + "'Alpha/character01/rot270') and " + train + " (line 1, 'Alpha/character01/rot000')"),
                e.getMessage());
        split("val", "Alpha/character02/rot090");
        split("test", "Gamma/character01/rot000");
        e = assertThrows(DatasetException.class, () -> o.load(OmniglotScheme.VINYALS, "val"));
        assertTrue(e.getMessage().contains("character 'Alpha/character02'"), e.getMessage());
    }
}
