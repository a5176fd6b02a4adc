package org.dl4jmeta.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Objects;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Checks made before a job writes a file the user named, so that nothing a user has is replaced by accident: an
 * output that already exists is refused unless the caller allows overwriting, and an output that is one of the job's
 * own inputs (the same file after resolving the path, symbolic and hard links included) is always refused. The write
 * itself stays atomic ({@link AtomicFiles}, {@link ModelFile#write}); call the check when the job starts, so a long
 * job fails before its work, and again just before writing.
 *
 * <p>Messages name the path and the fix, with the command-line flag {@code --overwrite} that the app's commands use
 * for permission to replace. Stateless.
 */
public final class OutputFiles {

    private OutputFiles() {
    }

    /**
     * Refuses an output path that would destroy something: one of the inputs (always), a folder (always), or an
     * existing file unless {@code overwrite}.
     *
     * @param out the file about to be written
     * @param overwrite whether an existing file (other than an input) may be replaced
     * @param inputs the job's input files or folders; null entries and paths that do not exist are skipped
     * @throws IllegalArgumentException if out is an input, a folder, or exists and overwrite is false; the message
     *     names the path and the fix
     * @throws IOException if the paths cannot be compared (e.g. a folder on the way cannot be read)
     */
    public static void requireWritable(Path out, boolean overwrite, Path... inputs) throws IOException {
        Objects.requireNonNull(out, "out");
        for (Path in : inputs) {
            if (in != null && sameFile(out, in)) {
                throw new IllegalArgumentException("output " + out + " is the input " + in + ": writing it would "
                        + "destroy the input, so this is refused even with --overwrite; give another output path");
            }
        }
        if (Files.isDirectory(out)) {
            throw new IllegalArgumentException("output " + out + " is a folder; give a file path, e.g. "
                    + out.resolve("out" + extension(out)));
        }
        if (!overwrite && Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException("output " + out + " already exists; give another path, or add "
                    + "--overwrite to replace it");
        }
    }

    /**
     * Refuses to replace a dl4j-meta model file (a model, best model, adapted model or checkpoint) with a file of
     * another kind, even when overwriting is allowed: a JSON result or an export written over a checkpoint would
     * lose the training state.
     *
     * @param out the file about to be written with content that is not a model file
     * @param what what is written, for the message (e.g. "the SameDiff export")
     * @throws IllegalArgumentException if out is a model file; the message names it and the fix
     */
    public static void requireNotModelFile(Path out, String what) {
        if (isModelFile(out)) {
            throw new IllegalArgumentException("output " + out + " is a dl4j-meta model file (a model or a "
                    + "checkpoint); " + what + " would replace it, so this is refused even with --overwrite; give "
                    + "another output path");
        }
    }

    /**
     * @param file a path
     * @return whether it is a readable zip whose manifest declares the dl4j-meta model format
     */
    static boolean isModelFile(Path file) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry manifest = zip.getEntry(ModelFile.MANIFEST);
            if (manifest == null || manifest.getSize() > 1 << 20) {
                return false;
            }
            try (var in = zip.getInputStream(manifest)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8).contains("\"" + ModelFile.FORMAT + "\"");
            }
        } catch (IOException | RuntimeException notAZip) {
            return false;
        }
    }

    private static boolean sameFile(Path out, Path in) throws IOException {
        if (Files.exists(out) && Files.exists(in)) {
            return Files.isSameFile(out, in);
        }
        return out.toAbsolutePath().normalize().equals(in.toAbsolutePath().normalize());
    }

    private static String extension(Path p) {
        String name = p.getFileName() == null ? "" : p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot <= 0 ? "" : name.substring(dot);
    }
}
