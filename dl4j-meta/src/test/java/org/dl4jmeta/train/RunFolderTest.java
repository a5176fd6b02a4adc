package org.dl4jmeta.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run folder's lock, its refusal to overwrite earlier results, and the clean-up of interrupted writes. */
class RunFolderTest {

    @Test
    void aSecondOpenOfAHeldFolderIsRefusedNamingTheHolder(@TempDir Path dir) {
        Path run = dir.resolve("run");
        try (RunFolder held = RunFolder.open(run, RunFolder.Mode.FRESH)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> RunFolder.open(run, RunFolder.Mode.FRESH));
            assertTrue(e.getMessage().contains("is in use by another training process (pid "
                    + ProcessHandle.current().pid() + " on host "), e.getMessage());
            assertTrue(e.getMessage().contains(run.resolve(RunFolder.LOCK).toString()), e.getMessage());
        }
        // released: the folder opens again, and the lock's holder line was cleared on close
        try (RunFolder again = RunFolder.open(run, RunFolder.Mode.FRESH)) {
            assertEquals("", again.takenOverFrom());
        }
    }

    @Test
    void aLockLeftByADeadProcessIsTakenOver(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        Files.createDirectories(run);
        // what a killed holder leaves: its line in the file, and no OS lock (the kernel dropped it with the process)
        Files.writeString(run.resolve(RunFolder.LOCK), "pid 999999 on host elsewhere since 2026-01-01T00:00:00Z\n");
        try (RunFolder f = RunFolder.open(run, RunFolder.Mode.FRESH)) {
            assertEquals("pid 999999 on host elsewhere since 2026-01-01T00:00:00Z", f.takenOverFrom());
            assertTrue(Files.readString(run.resolve(RunFolder.LOCK)).startsWith("pid " + ProcessHandle.current().pid()));
        }
    }

    @Test
    void aFreshRunRefusesAnyEarlierResultAndOverwriteReplacesThem(@TempDir Path dir) throws Exception {
        for (List<String> earlier : List.of(List.of(RunFolder.MODEL, RunFolder.BEST),
                List.of(RunFolder.CONFIG, RunFolder.METRICS), List.of(RunFolder.CHECKPOINT))) {
            Path run = Files.createDirectories(dir.resolve(String.join("-", earlier)));
            for (String f : earlier) {
                Files.writeString(run.resolve(f), "earlier");
            }
            Files.writeString(run.resolve("notes.txt"), "the user's own file");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> RunFolder.open(run, RunFolder.Mode.FRESH));
            assertTrue(e.getMessage().contains("already holds an earlier run's " + String.join(", ",
                    RunFolder.RESULT_FILES.stream().filter(earlier::contains).toList())), e.getMessage());
            assertTrue(e.getMessage().contains("--overwrite"), e.getMessage());
            for (String f : earlier) {
                assertEquals("earlier", Files.readString(run.resolve(f)), "refused, and nothing touched");
            }
            try (RunFolder f = RunFolder.open(run, RunFolder.Mode.OVERWRITE)) {
                for (String name : earlier) {
                    assertFalse(Files.exists(f.file(name)), name);
                }
                assertEquals("the user's own file", Files.readString(run.resolve("notes.txt")));
            }
        }
    }

    @Test
    void resumeNeedsACheckpoint(@TempDir Path dir) throws Exception {
        Path run = Files.createDirectories(dir.resolve("run"));
        Files.writeString(run.resolve(RunFolder.MODEL), "a finished run without its checkpoint");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunFolder.open(run, RunFolder.Mode.RESUME));
        assertTrue(e.getMessage().contains("no checkpoint " + run.resolve(RunFolder.CHECKPOINT)), e.getMessage());
    }

    @Test
    void temporaryFilesOfInterruptedWritesAreRemovedOnceTheLockIsHeld(@TempDir Path dir) throws Exception {
        Path run = Files.createDirectories(dir.resolve("run"));
        Path stale = Files.writeString(run.resolve(".checkpoint.zip.5188147366381372185.tmp"), "half a zip");
        Path other = Files.writeString(run.resolve("keep.tmp"), "not ours");
        try (RunFolder f = RunFolder.open(run, RunFolder.Mode.FRESH)) {
            assertEquals(List.of(stale), f.removedTemps());
        }
        assertFalse(Files.exists(stale));
        assertTrue(Files.exists(other));
    }

    @Test
    void anUnwritableFolderIsNamed(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunFolder.open(file, RunFolder.Mode.FRESH));
        assertTrue(e.getMessage().contains("run folder " + file + " is a file"), e.getMessage());
        UncheckedIOException u = assertThrows(UncheckedIOException.class,
                () -> RunFolder.open(file.resolve("below"), RunFolder.Mode.FRESH));
        assertTrue(u.getMessage().contains("cannot create or lock run folder " + file.resolve("below")),
                u.getMessage());
    }
}
