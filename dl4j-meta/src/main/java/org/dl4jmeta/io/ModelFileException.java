package org.dl4jmeta.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model or checkpoint file that cannot be used: not a dl4j-meta model file, truncated, corrupted (an entry's
 * SHA-256 differs from the manifest), written by a newer format version, or inconsistent. The message names the
 * file and what to do.
 */
public final class ModelFileException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;

    /**
     * @param file the file
     * @param message what is wrong and the fix
     */
    public ModelFileException(Path file, String message) {
        super(file + ": " + message);
        this.file = file;
    }

    /**
     * @param file the file
     * @param message what is wrong and the fix
     * @param cause the underlying error
     */
    public ModelFileException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
        this.file = file;
    }

    /** @return the offending file */
    public Path file() {
        return file;
    }
}
