package org.dl4jmeta.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import org.junit.jupiter.api.Test;

/** Errors whose own message is only a path say what happened to it. */
class MainTest {

    @Test
    void fileSystemErrorsSayWhatHappened() {
        assertEquals("no such file or folder: /missing", Main.describe(new NoSuchFileException("/missing")));
        assertEquals("no such file or folder: /missing", Main.describe(
                new UncheckedIOException(new NoSuchFileException("/missing"))));
        assertEquals("permission denied: /data/x; it cannot be read, created or written by this user: check its "
                + "permissions or choose another path", Main.describe(new AccessDeniedException("/data/x")));
        assertEquals("folder is not empty: /a", Main.describe(new DirectoryNotEmptyException("/a")));
        assertEquals("not a folder: /a/b", Main.describe(new NotDirectoryException("/a/b")));
        assertEquals("cannot access /a -> /b: Read-only file system",
                Main.describe(new FileSystemException("/a", "/b", "Read-only file system")));
        assertEquals("no such file or folder: /a (gone)", Main.describe(new NoSuchFileException("/a", null, "gone")));
        assertEquals("--ways must be >= 2, got 1", Main.describe(new IllegalArgumentException("--ways must be >= 2, "
                + "got 1")));
        assertEquals("IllegalArgumentException", Main.describe(new IllegalArgumentException()));
    }
}
