package org.dl4jmeta.datasets.download;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A file to download and the size and checksum it must have.
 *
 * @param path where it goes, relative to the data folder, with '/' separators, e.g. {@code splits/vinyals/train.txt};
 *     also its name in messages
 * @param uri where it comes from (http or https)
 * @param size its exact size in bytes, {@code >= 0}
 * @param checksum its digest
 */
public record RemoteFile(String path, URI uri, long size, Checksum checksum) {

    /**
     * Validates the file description.
     *
     * @throws IllegalArgumentException if path is empty, absolute or leaves the data folder, the URI is not http or
     *     https, or size is negative
     */
    public RemoteFile {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(checksum, "checksum");
        Path p = Path.of(path).normalize();
        if (path.isEmpty() || p.isAbsolute() || p.startsWith("..") || path.contains("\\")) {
            throw new IllegalArgumentException("path must be relative to the data folder with '/' separators, got '"
                    + path + "'");
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new IllegalArgumentException("uri must be http or https, got " + uri);
        }
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, got " + size + " for " + path);
        }
    }

    /**
     * @param dataDir the data folder
     * @return where the file goes
     */
    public Path destination(Path dataDir) {
        return dataDir.resolve(path);
    }
}
