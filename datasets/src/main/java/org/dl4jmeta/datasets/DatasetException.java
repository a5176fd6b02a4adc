package org.dl4jmeta.datasets;

import java.io.IOException;

/**
 * A data file or folder is missing, malformed, truncated or unreadable. The message names the file (with the line
 * number for text files) and says how to fix it, e.g. {@code Omniglot split file train.txt line 17: unknown
 * character 'Greek/character99'}.
 */
public class DatasetException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, naming the file and the fix
     */
    public DatasetException(String message) {
        super(message);
    }

    /**
     * Creates the exception with the low-level error that revealed the problem.
     *
     * @param message what is wrong, naming the file and the fix
     * @param cause the error that revealed it
     */
    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
