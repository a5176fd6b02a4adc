package org.dl4jmeta.datasets.download;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLConnection;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Objects;
import org.dl4jmeta.datasets.DatasetException;

/**
 * Downloads a {@link RemoteFile} safely: the body goes to {@code <destination>.part} in the destination's folder
 * while its size and digest are computed; only when both match does an atomic rename put it at the destination.
 * On any failure (HTTP error, dropped connection, timeout, interruption, wrong size, wrong checksum) the partial file
 * is deleted and the destination is left as it was, so an interrupted download can simply be re-run. A destination
 * that already holds the right bytes is not downloaded again.
 *
 * <p>Instances are immutable and thread-safe; concurrent downloads of the same destination are not supported.
 */
public final class Downloader {

    /** What {@link #fetch} did. */
    public enum Outcome {
        /** The file was downloaded and verified. */
        DOWNLOADED,
        /** The destination already held a file of the right size and checksum. */
        ALREADY_PRESENT
    }

    private static final int BUFFER = 1 << 16;
    private static final int MAX_REDIRECTS = 5;

    private final Duration connectTimeout;
    private final Duration readTimeout;

    /** Creates a downloader with a 30 s connect timeout and a 60 s read (stall) timeout. */
    public Downloader() {
        this(Duration.ofSeconds(30), Duration.ofSeconds(60));
    }

    /**
     * Creates a downloader.
     *
     * @param connectTimeout how long to wait for a connection, positive
     * @param readTimeout how long a read may stall before the download fails, positive
     * @throws IllegalArgumentException if a timeout is not positive
     */
    public Downloader(Duration connectTimeout, Duration readTimeout) {
        this.connectTimeout = positive("connectTimeout", connectTimeout);
        this.readTimeout = positive("readTimeout", readTimeout);
    }

    private static Duration positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero() || d.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " must be positive and at most 24 days, got " + d);
        }
        return d;
    }

    /**
     * Makes {@code dataDir/file.path()} hold the verified file, downloading it if needed.
     *
     * @param file what to download and how to verify it
     * @param dataDir the data folder
     * @return whether the file was downloaded or already present
     * @throws ChecksumMismatchException if the downloaded bytes have the wrong digest (expected and actual named)
     * @throws DatasetException if the server answers with an error, the body is truncated or has the wrong size
     * @throws InterruptedIOException if the thread is interrupted (the partial file is removed)
     * @throws IOException if the connection fails or the file cannot be written
     */
    public Outcome fetch(RemoteFile file, Path dataDir) throws IOException {
        Path dest = file.destination(dataDir);
        if (Files.isRegularFile(dest) && Files.size(dest) == file.size()
                && Checksum.of(dest, file.checksum().algorithm()).equals(file.checksum())) {
            return Outcome.ALREADY_PRESENT;
        }
        Path parent = dest.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path part = parent.resolve(dest.getFileName() + ".part");
        // A .part file is always the leftover of an interrupted run: never resume from it, it is unverified.
        Files.deleteIfExists(part);
        boolean moved = false;
        try {
            Checksum actual = download(file, part);
            if (!actual.equals(file.checksum())) {
                throw new ChecksumMismatchException(file.path(), file.checksum(), actual,
                        "the server sent a different or corrupted file from " + file.uri() + "; nothing was written "
                                + "to " + dest);
            }
            try {
                Files.move(part, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(part, dest, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
            return Outcome.DOWNLOADED;
        } finally {
            if (!moved) {
                Files.deleteIfExists(part);
            }
        }
    }

    /** Streams the body into part, returning its checksum after checking its size. */
    private Checksum download(RemoteFile file, Path part) throws IOException {
        HttpURLConnection conn = open(file);
        try {
            long declared = conn.getContentLengthLong();
            if (declared >= 0 && declared != file.size()) {
                throw new DatasetException("download of " + file.path() + " from " + file.uri() + " failed: the "
                        + "server announces " + declared + " bytes, expected " + file.size());
            }
            MessageDigest md = file.checksum().newDigest();
            long received = 0;
            try (InputStream in = conn.getInputStream();
                 FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 OutputStream out = Channels.newOutputStream(ch)) {
                byte[] buf = new byte[BUFFER];
                for (int n; (n = in.read(buf)) > 0; ) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new InterruptedIOException("download of " + file.path() + " interrupted after "
                                + received + " bytes; re-run to start it again");
                    }
                    received += n;
                    if (received > file.size()) {
                        throw new DatasetException("download of " + file.path() + " from " + file.uri()
                                + " failed: more than the expected " + file.size() + " bytes arrived");
                    }
                    md.update(buf, 0, n);
                    out.write(buf, 0, n);
                }
                out.flush();
                ch.force(true);
            } catch (SocketTimeoutException e) {
                throw new DatasetException("download of " + file.path() + " from " + file.uri() + " stalled for "
                        + readTimeout.toSeconds() + " s after " + received + " of " + file.size()
                        + " bytes; re-run the download", e);
            } catch (InterruptedIOException e) {
                throw e;
            } catch (DatasetException e) {
                throw e;
            } catch (IOException e) {
                throw new DatasetException("download of " + file.path() + " from " + file.uri() + " broke off after "
                        + received + " of " + file.size() + " bytes (" + e + "); re-run the download", e);
            }
            if (received != file.size()) {
                throw new DatasetException("download of " + file.path() + " from " + file.uri()
                        + " is truncated: expected " + file.size() + " bytes, got " + received
                        + "; re-run the download");
            }
            return file.checksum().withDigest(md.digest());
        } finally {
            conn.disconnect();
        }
    }

    /** Opens a GET connection, following redirects across hosts (GitHub serves raw files from another host). */
    private HttpURLConnection open(RemoteFile file) throws IOException {
        URI uri = file.uri();
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            URLConnection uc = uri.toURL().openConnection();
            if (!(uc instanceof HttpURLConnection conn)) {
                throw new DatasetException("download of " + file.path() + ": " + uri + " is not an http(s) URL");
            }
            conn.setConnectTimeout((int) connectTimeout.toMillis());
            conn.setReadTimeout((int) readTimeout.toMillis());
            conn.setInstanceFollowRedirects(false);
            conn.setRequestProperty("Accept-Encoding", "identity");
            conn.setRequestProperty("User-Agent", "dl4j-meta-datasets");
            int status;
            try {
                status = conn.getResponseCode();
            } catch (IOException e) {
                conn.disconnect();
                throw new DatasetException("download of " + file.path() + ": cannot reach " + uri + " (" + e
                        + "); check the network connection and the URL", e);
            }
            if (status == HttpURLConnection.HTTP_OK) {
                return conn;
            }
            String location = conn.getHeaderField("Location");
            conn.disconnect();
            if (status >= 300 && status < 400 && location != null) {
                URI next = uri.resolve(location);
                if (!"https".equals(next.getScheme()) && "https".equals(uri.getScheme())) {
                    throw new DatasetException("download of " + file.path() + ": " + uri
                            + " redirects from https to insecure " + next);
                }
                uri = next;
                continue;
            }
            throw new DatasetException("download of " + file.path() + " from " + uri + " failed: HTTP " + status
                    + "; check the URL or try again later");
        }
        throw new DatasetException("download of " + file.path() + " from " + file.uri() + " failed: more than "
                + MAX_REDIRECTS + " redirects");
    }
}
