package org.dl4jmeta.provenance;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 digests (FIPS 180-4) of files and byte arrays, as lower-case hex. */
public final class Sha256 {

    private Sha256() {
    }

    /**
     * @return a fresh SHA-256 digest
     */
    static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java runtime lacks SHA-256, which every Java SE runtime must have", e);
        }
    }

    /**
     * @param bytes the data
     * @return its SHA-256 as 64 lower-case hex digits
     */
    public static String of(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    /**
     * Streams a file through SHA-256 (large zips are fine: nothing is held in memory).
     *
     * @param file a regular file
     * @return its SHA-256 as 64 lower-case hex digits
     * @throws IOException if the file cannot be read; the message names it
     */
    public static String of(Path file) throws IOException {
        MessageDigest md = digest();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        } catch (IOException e) {
            throw new IOException("cannot read " + file + " to checksum it: " + e.getMessage(), e);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
