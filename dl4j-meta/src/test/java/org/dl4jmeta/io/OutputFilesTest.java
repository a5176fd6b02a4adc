package org.dl4jmeta.io;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Output paths that would destroy a user's file are refused, with the path and the fix named. */
class OutputFilesTest {

    @TempDir
    Path dir;

    @Test
    void newFileIsWritable() {
        assertDoesNotThrow(() -> OutputFiles.requireWritable(dir.resolve("new.json"), false, dir.resolve("in.zip")));
    }

    @Test
    void existingFileNeedsOverwrite() throws IOException {
        Path out = Files.writeString(dir.resolve("results.json"), "{}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OutputFiles.requireWritable(out, false));
        assertTrue(e.getMessage().contains(out.toString()) && e.getMessage().contains("--overwrite"),
                e.getMessage());
        assertDoesNotThrow(() -> OutputFiles.requireWritable(out, true));
        assertEquals("{}", Files.readString(out), "a check never touches the file");
    }

    @Test
    void anInputIsRefusedEvenWithOverwrite() throws IOException {
        Path model = Files.writeString(dir.resolve("model.zip"), "x");
        for (Path same : new Path[] {model, dir.resolve("sub/../model.zip"), dir.resolve("./model.zip")}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OutputFiles.requireWritable(same, true, null, dir.resolve("other.zip"), model));
            assertTrue(e.getMessage().contains("is the input " + model) && e.getMessage().contains("even with"),
                    e.getMessage());
        }
    }

    @Test
    void aLinkToAnInputIsTheInput() throws IOException {
        Path model = Files.writeString(dir.resolve("model.zip"), "x");
        Path hard = Files.createLink(dir.resolve("hard.zip"), model);
        Path soft = Files.createSymbolicLink(dir.resolve("soft.zip"), model);
        assertThrows(IllegalArgumentException.class, () -> OutputFiles.requireWritable(hard, true, model));
        assertThrows(IllegalArgumentException.class, () -> OutputFiles.requireWritable(soft, true, model));
    }

    @Test
    void aFolderIsRefused() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("runs"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OutputFiles.requireWritable(folder, true));
        assertTrue(e.getMessage().contains(folder + " is a folder"), e.getMessage());
    }

    @Test
    void aModelFileIsNotReplacedByOtherContent() throws IOException {
        Path checkpoint = dir.resolve("checkpoint.zip");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(checkpoint))) {
            zip.putNextEntry(new ZipEntry(ModelFile.MANIFEST));
            zip.write("{\"format\":\"dl4j-meta-model\",\"formatVersion\":1}".getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OutputFiles.requireNotModelFile(checkpoint, "the export"));
        assertTrue(e.getMessage().contains(checkpoint + " is a dl4j-meta model file"), e.getMessage());
        Path json = Files.writeString(dir.resolve("old.json"), "{}");
        assertDoesNotThrow(() -> OutputFiles.requireNotModelFile(json, "the export"));
        assertDoesNotThrow(() -> OutputFiles.requireNotModelFile(dir.resolve("absent.fb"), "the export"));
    }
}
