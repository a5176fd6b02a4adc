package org.dl4jmeta.datasets.download;

import org.dl4jmeta.datasets.DatasetException;

/**
 * A downloaded file's digest differs from the pinned one, e.g. {@code checksum mismatch for images_background.zip:
 * expected md5 68d2..., got md5 1f0c...}. Nothing is left at the destination.
 */
public final class ChecksumMismatchException extends DatasetException {

    private static final long serialVersionUID = 1L;

    /** The pinned checksum. */
    private final transient Checksum expected;
    /** The checksum of what arrived. */
    private final transient Checksum actual;

    /**
     * Creates the exception.
     *
     * @param file the file's name
     * @param expected the pinned checksum
     * @param actual the checksum of what arrived
     * @param detail what happened to the file, appended to the message
     */
    public ChecksumMismatchException(String file, Checksum expected, Checksum actual, String detail) {
        super("checksum mismatch for " + file + ": expected " + expected + ", got " + actual + "; " + detail);
        this.expected = expected;
        this.actual = actual;
    }

    /** @return the pinned checksum */
    public Checksum expected() {
        return expected;
    }

    /** @return the checksum of what arrived */
    public Checksum actual() {
        return actual;
    }
}
