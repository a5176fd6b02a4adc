package org.dl4jmeta.datasets.folder;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
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
 * The on-disk cache of one decoded split of a folder data set, so that the second load reads one file instead of
 * decoding every image again.
 *
 * <p>The file {@code folder-<split>-<c>x<h>x<w>-<convention>-<key>.bin} is keyed by a SHA-256 over what the pixels
 * depend on (see {@link FolderDataset}: the split's class names and, per image, its path, size and modification
 * time; the size, channels and convention). Layout (big-endian): magic {@code DL4JMFLD}, format version, the
 * 32-byte key, channels, height, width, class count, per class its name (modified UTF-8) and image count, the
 * number of float values, the values (per class, its images' CHW floats), then a CRC-32C of everything before it. A
 * file that does not parse, has another key, names or counts, the wrong length or a bad CRC is corrupt: it is
 * deleted and the split decoded again. Writes go to a temporary file in the cache folder, forced to disk and renamed
 * over the target atomically when complete, so an interrupted write leaves no cache file (only a {@code .tmp} that a
 * later write of the same split removes once it is an hour old).
 */
final class FolderCache {

    private static final Logger LOG = LoggerFactory.getLogger(FolderCache.class);
    private static final byte[] MAGIC = "DL4JMFLD".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int CHUNK = 1 << 16;
    /** A temporary file this old was left by an interrupted write. */
    private static final long STALE_TMP_MILLIS = 3_600_000;

    private final Path dir;
    private final String prefix;
    private final byte[] key;
    private final int channels;
    private final int height;
    private final int width;

    /**
     * @param dir the cache folder
     * @param split the split's name
     * @param channels channels per image
     * @param height image height
     * @param width image width
     * @param convention the pixel convention's id
     * @param key the SHA-256 key of the split's inputs
     */
    FolderCache(Path dir, String split, int channels, int height, int width, String convention, byte[] key) {
        this.dir = dir;
        this.prefix = "folder-" + split + "-" + channels + "x" + height + "x" + width + "-" + convention + "-";
        this.key = key.clone();
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    /** @return the cache file for this key */
    Path file() {
        return dir.resolve(prefix + HexFormat.of().formatHex(key, 0, 8) + ".bin");
    }

    /**
     * Reads the cached split if a valid cache exists; deletes a corrupt one.
     *
     * @param names the split's class names, in class order
     * @param counts images per class
     * @return per class, its pixels; or null if there is no valid cache
     * @throws IOException if a corrupt cache file cannot be deleted
     */
    float[][] read(List<String> names, int[] counts) throws IOException {
        Path file = file();
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return parse(file, names, counts);
        } catch (EOFException e) {
            LOG.warn("folder data set cache {} is truncated; rebuilding it", file);
        } catch (CorruptCache e) {
            LOG.warn("folder data set cache {} is corrupt ({}); rebuilding it", file, e.getMessage());
        } catch (IOException e) {
            LOG.warn("folder data set cache {} cannot be read ({}); rebuilding it", file, e.toString());
        }
        Files.deleteIfExists(file);
        return null;
    }

    private float[][] parse(Path file, List<String> names, int[] counts) throws IOException {
        int imageLen = channels * height * width;
        CRC32C crc = new CRC32C();
        try (InputStream buffered = new BufferedInputStream(Files.newInputStream(file), 1 << 20);
             DataInputStream in = new DataInputStream(new CheckedInputStream(buffered, crc))) {
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            expect(Arrays.equals(magic, MAGIC), "not a folder data set cache file");
            expect(in.readInt() == VERSION, "format version differs");
            byte[] k = new byte[32];
            in.readFully(k);
            expect(Arrays.equals(k, key), "key differs from its file name");
            expect(in.readInt() == channels, "channel count differs");
            expect(in.readInt() == height, "height differs");
            expect(in.readInt() == width, "width differs");
            expect(in.readInt() == names.size(), "class count differs");
            long values = 0;
            for (int c = 0; c < names.size(); c++) {
                expect(in.readUTF().equals(names.get(c)), "name of class " + c + " differs");
                expect(in.readInt() == counts[c], "image count of class " + c + " differs");
                values += (long) counts[c] * imageLen;
            }
            expect(in.readLong() == values, "payload length differs");
            expect(Files.size(file) > values * 4, "file is " + Files.size(file) + " bytes, too short for its "
                    + values + " values");
            float[][] pixels = new float[names.size()][];
            byte[] chunk = new byte[CHUNK * 4];
            for (int c = 0; c < names.size(); c++) {
                float[] p = new float[Math.toIntExact((long) counts[c] * imageLen)];
                for (int at = 0; at < p.length; at += CHUNK) {
                    int n = Math.min(CHUNK, p.length - at);
                    in.readFully(chunk, 0, n * 4);
                    ByteBuffer.wrap(chunk, 0, n * 4).asFloatBuffer().get(p, at, n);
                }
                pixels[c] = p;
            }
            long computed = crc.getValue();
            // the checksum itself is read past the CheckedInputStream, from the same buffered stream
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
     * Writes the split atomically and removes stale caches and temporary files of the same split and shape.
     *
     * @param names per class, its name
     * @param pixels per class, its pixels
     * @throws DatasetException if the cache folder cannot be created or written (nothing is left behind)
     */
    void write(List<String> names, float[][] pixels) throws DatasetException {
        int imageLen = channels * height * width;
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
                out.writeInt(channels);
                out.writeInt(height);
                out.writeInt(width);
                out.writeInt(names.size());
                long values = 0;
                for (int c = 0; c < names.size(); c++) {
                    out.writeUTF(names.get(c));
                    out.writeInt(pixels[c].length / imageLen);
                    values += pixels[c].length;
                }
                out.writeLong(values);
                byte[] chunk = new byte[CHUNK * 4];
                for (float[] p : pixels) {
                    for (int at = 0; at < p.length; at += CHUNK) {
                        int n = Math.min(CHUNK, p.length - at);
                        ByteBuffer.wrap(chunk, 0, n * 4).asFloatBuffer().put(p, at, n);
                        out.write(chunk, 0, n * 4);
                    }
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
            throw new DatasetException("cannot write the folder data set cache in " + dir + " (" + e + "); choose "
                    + "a writable folder with FolderConfig.withCacheDir or turn the cache off with withoutCache", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original failure is what the caller needs to see
                }
            }
        }
    }

    private void removeStale(Path keep) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, prefix + "*")) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                // another process's temporary file may be in the middle of its write: only old ones are litter
                boolean oldTmp = n.endsWith(".tmp") && Files.getLastModifiedTime(p).toMillis()
                        < System.currentTimeMillis() - STALE_TMP_MILLIS;
                if (!n.equals(keep.getFileName().toString()) && (n.endsWith(".bin") || oldTmp)) {
                    LOG.info("removing stale folder data set cache {}", p);
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** The cache file is not what this key, split and shape would have written. */
    private static final class CorruptCache extends IOException {
        private static final long serialVersionUID = 1L;

        CorruptCache(String reason) {
            super(reason);
        }
    }
}
