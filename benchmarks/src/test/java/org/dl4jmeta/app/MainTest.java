package org.dl4jmeta.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void aNativeBuildTheCpuCannotRunIsNamedWithTheFix(@TempDir Path dir) throws java.io.IOException {
        Path avx2 = Files.writeString(dir.resolve("avx2"), "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma\n");
        Path old = Files.writeString(dir.resolve("old"), "processor\t: 0\nflags\t\t: fpu sse2 sse4_2 avx\n");
        assertNull(Main.unsupportedCpu("-onednn-avx2", avx2));
        assertNull(Main.unsupportedCpu("", old), "the portable build runs anywhere");
        assertNull(Main.unsupportedCpu("-onednn-avx2", dir.resolve("absent")), "unknown CPU: no claim");
        String m = Main.unsupportedCpu("-onednn-avx2", old);
        assertEquals("this app was built with nd4j-native-onednn-avx2, which needs a CPU with AVX2; this CPU has none ("
                + old + "): rebuild it with the portable build, ./mvnw -B -q package -DskipTests -Dnd4j.extension= "
                + "(README, Backends)", m);
        assertTrue(Main.unsupportedCpu("-avx512", avx2).contains("needs a CPU with AVX512"));
    }
}
