package org.dl4jmeta.datasets.download;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

/**
 * An expected digest of a file, e.g. {@code md5 68d2efa1b9178cc56df9314c21c6e718}.
 *
 * @param algorithm {@code MD5} or {@code SHA-256} (Java's {@link MessageDigest} names)
 * @param hex the digest in lower-case hexadecimal
 */
public record Checksum(String algorithm, String hex) {

    /**
     * Validates the algorithm and the digest's length.
     *
     * @throws IllegalArgumentException if the algorithm is not MD5 or SHA-256, or hex is not a digest of its length
     */
    public Checksum {
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(hex, "hex");
        int digits = switch (algorithm) {
            case "MD5" -> 32;
            case "SHA-256" -> 64;
            default -> throw new IllegalArgumentException("checksum algorithm must be MD5 or SHA-256, got '"
                    + algorithm + "'");
        };
        hex = hex.toLowerCase(Locale.ROOT);
        if (hex.length() != digits || !hex.chars().allMatch(ch -> Character.digit(ch, 16) >= 0)) {
            throw new IllegalArgumentException(algorithm + " checksum must be " + digits + " hex digits, got '"
                    + hex + "'");
        }
    }

    /**
     * @param hex 32 hex digits
     * @return an MD5 checksum
     * @throws IllegalArgumentException if hex is not 32 hex digits
     */
    public static Checksum md5(String hex) {
        return new Checksum("MD5", hex);
    }

    /**
     * @param hex 64 hex digits
     * @return a SHA-256 checksum
     * @throws IllegalArgumentException if hex is not 64 hex digits
     */
    public static Checksum sha256(String hex) {
        return new Checksum("SHA-256", hex);
    }

    /**
     * Computes a file's digest.
     *
     * @param file the file
     * @param algorithm MD5 or SHA-256
     * @return its checksum
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if the algorithm is not MD5 or SHA-256
     */
    public static Checksum of(Path file, String algorithm) throws IOException {
        MessageDigest md = newDigest(algorithm);
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return new Checksum(algorithm, HexFormat.of().formatHex(md.digest()));
    }

    /**
     * @return a fresh digest of this checksum's algorithm
     */
    public MessageDigest newDigest() {
        return newDigest(algorithm);
    }

    /**
     * @param digest a finished digest of this checksum's algorithm
     * @return the checksum it computed
     */
    public Checksum withDigest(byte[] digest) {
        return new Checksum(algorithm, HexFormat.of().formatHex(digest));
    }

    private static MessageDigest newDigest(String algorithm) {
        if (!algorithm.equals("MD5") && !algorithm.equals("SHA-256")) {
            throw new IllegalArgumentException("checksum algorithm must be MD5 or SHA-256, got '" + algorithm + "'");
        }
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide " + algorithm, e);
        }
    }

    /** @return e.g. {@code md5 68d2efa1b9178cc56df9314c21c6e718} */
    @Override
    public String toString() {
        return algorithm.toLowerCase(Locale.ROOT).replace("-", "") + " " + hex;
    }
}
