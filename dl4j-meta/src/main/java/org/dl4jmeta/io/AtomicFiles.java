package org.dl4jmeta.io;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes files so that a reader, or a crash, never sees a partial one: the content goes to a temporary file in the
 * target's folder, is flushed to the device, optionally verified, and only then renamed over the target
 * ({@code ATOMIC_MOVE}). On any failure the temporary file is deleted and the previous target is untouched.
 */
public final class AtomicFiles {

    private AtomicFiles() {
    }

    /** Writes the content of a file. */
    @FunctionalInterface
    public interface Writer {
        /**
         * @param out the stream to write to (do not close it)
         * @throws IOException if writing fails
         */
        void write(OutputStream out) throws IOException;
    }

    /** Checks a fully written temporary file before it replaces the target. */
    @FunctionalInterface
    public interface Verifier {
        /**
         * @param written the temporary file
         * @throws IOException if it is not as intended
         */
        void verify(Path written) throws IOException;
    }

    /**
     * @param target the file to create or replace (its folder is created if missing)
     * @param writer writes the content
     * @throws IOException if writing or renaming fails; the target is then unchanged
     */
    public static void write(Path target, Writer writer) throws IOException {
        write(target, writer, null);
    }

    /**
     * @param target the file to create or replace (its folder is created if missing)
     * @param writer writes the content
     * @param verifier checks the written temporary file before the rename, or null
     * @throws IOException if writing, verifying or renaming fails; the target is then unchanged
     */
    public static void write(Path target, Writer writer, Verifier verifier) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
        boolean done = false;
        try {
            readableByAll(tmp);
            try (FileOutputStream fos = new FileOutputStream(tmp.toFile())) {
                writer.write(fos);
                fos.flush();
                fos.getChannel().force(true);
            }
            if (verifier != null) {
                verifier.verify(tmp);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Temporary files are created owner-only; the result is an ordinary file, rw-r--r-- where POSIX. */
    private static void readableByAll(Path tmp) throws IOException {
        if (Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class)) {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    /**
     * @param target the file to create or replace
     * @param text its UTF-8 content
     * @throws IOException if writing fails; the target is then unchanged
     */
    public static void writeString(Path target, String text) throws IOException {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }
}
