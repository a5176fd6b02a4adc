package org.dl4jmeta.datasets.miniimagenet;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import org.dl4jmeta.datasets.DatasetException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The on-disk cache of one decoded Mini-ImageNet split, so that the second load reads one file instead of decoding
 * tens of thousands of JPEGs.
 *
 * <p>The file {@code miniimagenet-<split>-<size>px-<key>.bin} is keyed by a SHA-256 over the format version, the
 * split, the image size, the CSV's bytes and every image's path, size and modification time, so a changed CSV or
 * image never reuses a stale cache. Layout (big-endian): magic {@code DL4JMMIN}, format version, the 32-byte key,
 * image size, channels, class count, per class its label (modified UTF-8) and image count, the payload length, the
 * payload (per class, its images' CHW RGB bytes), then a CRC-32C of everything before it. A file that does not
 * parse, has another key, labels or counts, the wrong length or a bad CRC is treated as corrupt: it is deleted and
 * the split is decoded again. Writes go to a temporary file in the cache folder, renamed atomically when complete.
 */
final class ImageCache {

    private static final Logger LOG = LoggerFactory.getLogger(ImageCache.class);
    private static final byte[] MAGIC = "DL4JMMIN".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;

    private final Path dir;
    private final String prefix;
    private final byte[] key;

    /**
     * @param dir the cache folder
     * @param split the split's name
     * @param size the image side
     * @param key the SHA-256 key of the split's inputs
     */
    ImageCache(Path dir, String split, int size, byte[] key) {
        this.dir = dir;
        this.prefix = "miniimagenet-" + split + "-" + size + "px-";
        this.key = key.clone();
    }

    /** @return the cache file for this key */
    Path file() {
        return dir.resolve(prefix + HexFormat.of().formatHex(key, 0, 8) + ".bin");
    }

    /**
     * Reads the cached split if a valid cache exists; deletes a corrupt one.
     *
     * @param labels the CSV's labels, in class order
     * @param counts the CSV's image counts per class
     * @param size image side
     * @return per class, its bytes; or null if there is no valid cache
     * @throws IOException if a corrupt cache file cannot be deleted
     */
    byte[][] read(List<String> labels, int[] counts, int size) throws IOException {
        Path file = file();
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return parse(file, labels, counts, size);
        } catch (EOFException e) {
            LOG.warn("Mini-ImageNet cache {} is truncated; rebuilding it", file);
        } catch (CorruptCache e) {
            LOG.warn("Mini-ImageNet cache {} is corrupt ({}); rebuilding it", file, e.getMessage());
        } catch (IOException e) {
            LOG.warn("Mini-ImageNet cache {} cannot be read ({}); rebuilding it", file, e.toString());
        }
        Files.deleteIfExists(file);
        return null;
    }

    private byte[][] parse(Path file, List<String> labels, int[] counts, int size) throws IOException {
        long fileSize = Files.size(file);
        int imageLen = 3 * size * size;
        CRC32C crc = new CRC32C();
        try (InputStream buffered = new BufferedInputStream(Files.newInputStream(file), 1 << 20);
             DataInputStream in = new DataInputStream(new CheckedInputStream(buffered, crc))) {
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            expect(Arrays.equals(magic, MAGIC), "not a Mini-ImageNet cache file");
            expect(in.readInt() == VERSION, "format version differs");
            byte[] k = new byte[32];
            in.readFully(k);
            expect(Arrays.equals(k, key), "key differs from its file name");
            expect(in.readInt() == size, "image size differs");
            expect(in.readInt() == 3, "channel count differs");
            expect(in.readInt() == labels.size(), "class count differs");
            long payload = 0;
            for (int c = 0; c < labels.size(); c++) {
                expect(in.readUTF().equals(labels.get(c)), "label of class " + c + " differs");
                expect(in.readInt() == counts[c], "image count of class " + c + " differs");
                payload += (long) counts[c] * imageLen;
            }
            expect(in.readLong() == payload, "payload length differs");
            byte[][] pixels = new byte[labels.size()][];
            long headerEnd = fileSize - payload - 4;
            expect(headerEnd > 0, "file is " + fileSize + " bytes, too short for its " + payload + "-byte payload");
            for (int c = 0; c < labels.size(); c++) {
                pixels[c] = new byte[Math.toIntExact((long) counts[c] * imageLen)];
                in.readFully(pixels[c]);
            }
            long computed = crc.getValue();
            // The checksum itself is read past the CheckedInputStream, from the same buffered stream.
            long stored = Integer.toUnsignedLong(new DataInputStream(buffered).readInt());
            expect(computed == stored, "CRC-32C mismatch: stored " + Long.toHexString(stored) + ", computed "
                    + Long.toHexString(computed));
            expect(buffered.read() < 0, "trailing bytes after the checksum");
            return pixels;
        }
    }

    private static void expect(boolean ok, String reason) throws CorruptCache {
        if (!ok) {
            throw new CorruptCache(reason);
        }
    }

    /**
     * Writes the split atomically and removes stale caches of the same split and size.
     *
     * @param labels per class, its label
     * @param pixels per class, its bytes
     * @param size image side
     * @throws DatasetException if the cache folder cannot be created or written (nothing is left behind)
     */
    void write(List<String> labels, byte[][] pixels, int size) throws DatasetException {
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, prefix, ".tmp");
            CRC32C crc = new CRC32C();
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream raw = Channels.newOutputStream(ch);
                DataOutputStream out = new DataOutputStream(new CheckedOutputStream(
                        new BufferedOutputStream(raw, 1 << 20), crc));
                out.write(MAGIC);
                out.writeInt(VERSION);
                out.write(key);
                out.writeInt(size);
                out.writeInt(3);
                out.writeInt(labels.size());
                long payload = 0;
                for (int c = 0; c < labels.size(); c++) {
                    out.writeUTF(labels.get(c));
                    out.writeInt(pixels[c].length / (3 * size * size));
                    payload += pixels[c].length;
                }
                out.writeLong(payload);
                for (byte[] p : pixels) {
                    out.write(p);
                }
                out.flush();
                DataOutputStream tail = new DataOutputStream(raw);
                tail.writeInt((int) crc.getValue());
                tail.flush();
                ch.force(true);
            }
            Path file = file();
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
            removeStale(file);
        } catch (IOException e) {
            throw new DatasetException("cannot write the Mini-ImageNet cache in " + dir + " (" + e + "); choose a "
                    + "writable folder with MiniImageNetConfig.withCacheDir or turn the cache off with withoutCache",
                    e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // The original failure is what the caller needs to see.
                }
            }
        }
    }

    private void removeStale(Path keep) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, prefix + "*.bin")) {
            for (Path p : ds) {
                if (!p.getFileName().equals(keep.getFileName())) {
                    LOG.info("removing stale Mini-ImageNet cache {}", p);
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** The cache file is not what this key, CSV and size would have written. */
    private static final class CorruptCache extends IOException {
        private static final long serialVersionUID = 1L;

        CorruptCache(String reason) {
            super(reason);
        }
    }
}
