package org.dl4jmeta.datasets.omniglot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.dl4jmeta.datasets.DatasetException;
import org.dl4jmeta.datasets.SharedData;
import org.dl4jmeta.datasets.SplitSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Folder and zip layouts read alike, and bad layouts fail with messages naming the file and the fix. */
class OmniglotLayoutIT {

    /** Characters of both sets, as a Vinyals-format split mixes them. */
    private static final List<String> BACKGROUND_CHARS = List.of("Greek/character01", "Korean/character05",
            "Tifinagh/character55");
    private static final List<String> EVALUATION_CHARS = List.of("Kannada/character10", "Mongolian/character30");

    @TempDir
    Path tmp;

    private static final Path SHARED = SharedData.omniglot();

    /** Copies the drawings of some characters of a shared zip into dir/set/ (folder) or into dir/set.zip. */
    private static void extract(String set, List<String> characters, Path dir, boolean asZip) throws IOException {
        try (ZipFile src = new ZipFile(SHARED.resolve(set + ".zip").toFile());
             ZipOutputStream zos = asZip ? new ZipOutputStream(Files.newOutputStream(dir.resolve(set + ".zip")))
                     : null) {
            for (ZipEntry e : src.stream().toList()) {
                String name = e.getName();
                boolean wanted = !e.isDirectory()
                        && characters.stream().anyMatch(c -> name.startsWith(set + "/" + c + "/"));
                if (!wanted) {
                    continue;
                }
                try (InputStream in = src.getInputStream(e)) {
                    byte[] bytes = in.readAllBytes();
                    if (asZip) {
                        zos.putNextEntry(new ZipEntry(name));
                        zos.write(bytes);
                        zos.closeEntry();
                    } else {
                        Path out = dir.resolve(name);
                        Files.createDirectories(out.getParent());
                        Files.write(out, bytes);
                    }
                }
            }
        }
    }

    private static Path splitFile(Path dir, String... lines) throws IOException {
        Path f = dir.resolve("splits/vinyals/custom.txt");
        Files.createDirectories(f.getParent());
        Files.write(f, List.of(lines), StandardCharsets.UTF_8);
        return f;
    }

    private static String[] allRotations() {
        return java.util.stream.Stream.concat(BACKGROUND_CHARS.stream(), EVALUATION_CHARS.stream())
                .flatMap(c -> java.util.stream.Stream.of("000", "090", "180", "270").map(r -> c + "/rot" + r))
                .toArray(String[]::new);
    }

    @Test
    void extractedFoldersAndSmallZipsReadExactlyAsTheFullZips() throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("folder"));
        Path zips = Files.createDirectories(tmp.resolve("zips"));
        for (Path dir : List.of(folder, zips)) {
            extract(Omniglot.BACKGROUND, BACKGROUND_CHARS, dir, dir == zips);
            extract(Omniglot.EVALUATION, EVALUATION_CHARS, dir, dir == zips);
        }
        Path split = splitFile(tmp, allRotations());
        OmniglotImages reference = Omniglot.at(SHARED).loadVinyals(split, "custom");
        OmniglotImages fromFolder = Omniglot.at(folder).loadVinyals(split, "custom");
        OmniglotImages fromZips = Omniglot.at(zips).loadVinyals(split, "custom");
        assertEquals(20, reference.numClasses());
        for (OmniglotImages other : List.of(fromFolder, fromZips)) {
            assertEquals(reference.numClasses(), other.numClasses());
            for (int c = 0; c < reference.numClasses(); c++) {
                assertEquals(reference.className(c), other.className(c));
                assertEquals(20, other.imagesInClass(c));
                float[] a = new float[784];
                float[] b = new float[784];
                for (int i = 0; i < 20; i++) {
                    reference.copyImage(c, i, a, 0);
                    other.copyImage(c, i, b, 0);
                    assertArrayEquals(a, b, reference.className(c) + " image " + i);
                }
            }
        }
        // The folder layout also serves Lake's split and data-info counts.
        Omniglot folderSet = Omniglot.at(folder);
        // Tifinagh is one of Lake's validation alphabets; Greek and Korean stay in train
        assertEquals(List.of(new SplitSummary("train", 2, 40), new SplitSummary("val", 1, 20),
                new SplitSummary("test", 2, 40), new SplitSummary("background", 3, 60),
                new SplitSummary("evaluation", 2, 40)), folderSet.describe(OmniglotScheme.LAKE));
        assertEquals("Tifinagh/character55", folderSet.load(OmniglotScheme.LAKE, "val").className(0));
    }

    @Test
    void missingFolderShowsTheLayoutAndTheDownloadCommand() {
        Path missing = tmp.resolve("no-such-dir");
        DatasetException e = assertThrows(DatasetException.class, () -> Omniglot.at(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("images_background/<Alphabet>/characterNN/NNNN_MM.png"), e.getMessage());
        assertTrue(e.getMessage().contains("splits/vinyals/{train,val,test,trainval}.txt"), e.getMessage());
        assertTrue(e.getMessage().contains("download --dataset omniglot --data-dir " + missing), e.getMessage());
    }

    @Test
    void emptyFolderAndMissingSetAndMissingSplitFileAreNamed() throws IOException {
        DatasetException empty = assertThrows(DatasetException.class, () -> Omniglot.at(tmp));
        assertTrue(empty.getMessage().contains("Omniglot images not found in " + tmp), empty.getMessage());

        extract(Omniglot.BACKGROUND, BACKGROUND_CHARS, tmp, false);
        Omniglot onlyBackground = Omniglot.at(tmp);
        DatasetException noEval = assertThrows(DatasetException.class,
                () -> onlyBackground.loadVinyals(splitFile(tmp, "Greek/character01/rot000"), "x"));
        assertTrue(noEval.getMessage().contains("images_evaluation not found in " + tmp), noEval.getMessage());
        assertTrue(noEval.getMessage().contains("download --dataset omniglot"), noEval.getMessage());

        DatasetException noSplit = assertThrows(DatasetException.class,
                () -> onlyBackground.load(OmniglotScheme.VINYALS, "train"));
        assertTrue(noSplit.getMessage().contains(tmp.resolve("splits/vinyals/train.txt") + " not found"),
                noSplit.getMessage());
        // Lake's background split needs only the background set.
        assertEquals(3, onlyBackground.load(OmniglotScheme.LAKE, "background").numClasses());
        // a background set without any of Lake's validation alphabets has no val split: named, with them
        Path noValAlphabet = tmp.resolve("greek-only");
        extract(Omniglot.BACKGROUND, List.of("Greek/character01"), noValAlphabet, false);
        DatasetException noVal = assertThrows(DatasetException.class,
                () -> Omniglot.at(noValAlphabet).load(OmniglotScheme.LAKE, "val"));
        assertTrue(noVal.getMessage().contains("Lake split val has no characters")
                && noVal.getMessage().contains("Tifinagh"), noVal.getMessage());
    }

    @Test
    void unknownCharacterNamesFileAndLine() throws IOException {
        Path split = splitFile(tmp, "Greek/character01/rot000", "", "Greek/character99/rot090");
        DatasetException e = assertThrows(DatasetException.class, () -> Omniglot.at(SHARED).loadVinyals(split, "x"));
        assertTrue(e.getMessage().contains(split + " line 3: unknown character 'Greek/character99'"), e.getMessage());
    }

    @Test
    void malformedAndDuplicateLinesAndEmptyFilesAreRejected() throws IOException {
        Omniglot o = Omniglot.at(SHARED);
        Path bad = splitFile(tmp, "Greek/character01/rot000", "Greek/character01/rot045");
        DatasetException e1 = assertThrows(DatasetException.class, () -> o.loadVinyals(bad, "x"));
        assertTrue(e1.getMessage().contains(bad + " line 2: expected 'Alphabet/characterNN/rotDDD'"), e1.getMessage());
        assertTrue(e1.getMessage().contains("got 'Greek/character01/rot045'"), e1.getMessage());

        Path dup = splitFile(tmp, "Greek/character01/rot000", "Greek/character02/rot000", "Greek/character01/rot000");
        DatasetException e2 = assertThrows(DatasetException.class, () -> o.loadVinyals(dup, "x"));
        assertTrue(e2.getMessage().contains("line 3: duplicate class 'Greek/character01/rot000' (first on line 1)"),
                e2.getMessage());

        Path empty = splitFile(tmp, "", "  ");
        DatasetException e3 = assertThrows(DatasetException.class, () -> o.loadVinyals(empty, "x"));
        assertTrue(e3.getMessage().contains(empty + " lists no classes"), e3.getMessage());

        assertThrows(IllegalArgumentException.class, () -> o.load(OmniglotScheme.VINYALS, "background"));
    }

    @Test
    void truncatedZipIsNamed() throws IOException {
        byte[] full = Files.readAllBytes(SHARED.resolve("images_background.zip"));
        Path zip = tmp.resolve("images_background.zip");
        Files.write(zip, java.util.Arrays.copyOf(full, full.length / 2));
        DatasetException e = assertThrows(DatasetException.class,
                () -> Omniglot.at(tmp).load(OmniglotScheme.LAKE, "background"));
        assertTrue(e.getMessage().contains("cannot open Omniglot zip " + zip), e.getMessage());
        assertTrue(e.getMessage().contains("truncated or corrupt"), e.getMessage());
    }

    @Test
    void corruptZipEntryIsNamed() throws IOException {
        extract(Omniglot.BACKGROUND, List.of("Greek/character01"), tmp, true);
        Path zip = tmp.resolve("images_background.zip");
        byte[] bytes = Files.readAllBytes(zip);
        // Overwrite the middle of the first entry's compressed data (its local header is ~70 bytes long).
        for (int k = 100; k < 160; k++) {
            bytes[k] = (byte) 0xA5;
        }
        Files.write(zip, bytes);
        DatasetException e = assertThrows(DatasetException.class,
                () -> Omniglot.at(tmp).load(OmniglotScheme.LAKE, "background"));
        assertTrue(e.getMessage().contains(zip + "!images_background/Greek/character01/"), e.getMessage());
    }

    @Test
    void unreadableAndWrongSizedImagesAreNamed() throws IOException {
        extract(Omniglot.BACKGROUND, List.of("Greek/character01"), tmp, false);
        Path dir = tmp.resolve("images_background/Greek/character01");
        Path victim;
        try (var files = Files.list(dir)) {
            victim = files.sorted().toList().get(3);
        }
        byte[] png = Files.readAllBytes(victim);
        Files.write(victim, java.util.Arrays.copyOf(png, png.length / 2));
        DatasetException truncated = assertThrows(DatasetException.class,
                () -> Omniglot.at(tmp).load(OmniglotScheme.LAKE, "background"));
        assertTrue(truncated.getMessage().contains("cannot decode Omniglot image " + victim), truncated.getMessage());

        java.awt.image.BufferedImage small = new java.awt.image.BufferedImage(28, 28,
                java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        try (OutputStream out = Files.newOutputStream(victim)) {
            javax.imageio.ImageIO.write(small, "png", out);
        }
        DatasetException wrongSize = assertThrows(DatasetException.class,
                () -> Omniglot.at(tmp).load(OmniglotScheme.LAKE, "background"));
        assertTrue(wrongSize.getMessage().contains(victim + " is 28x28, expected 105x105"), wrongSize.getMessage());
    }
}
