package org.dl4jmeta.datasets.download;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.dl4jmeta.datasets.DatasetException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class DownloaderTest {

    @TempDir
    Path dir;

    private LocalHttpServer server;
    private final Downloader downloader = new Downloader(Duration.ofSeconds(5), Duration.ofSeconds(2));
    private final byte[] body = randomBytes(300_000);

    @BeforeEach
    void start() throws IOException {
        server = new LocalHttpServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new SplittableRandom(1).nextBytes(b);
        return b;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private RemoteFile file(String urlPath) throws Exception {
        return new RemoteFile("sub/data.bin", server.uri(urlPath), body.length, Checksum.sha256(sha256(body)));
    }

    private void assertNothingWritten() throws IOException {
        assertFalse(Files.exists(dir.resolve("sub/data.bin")), "destination must not exist");
        assertFalse(Files.exists(dir.resolve("sub/data.bin.part")), "partial file must be removed");
    }

    @Test
    void goodFileIsDownloadedOnceThenFoundPresent() throws Exception {
        server.serve("/data.bin", body, LocalHttpServer.Mode.GOOD);
        assertEquals(Downloader.Outcome.DOWNLOADED, downloader.fetch(file("/data.bin"), dir));
        assertArrayEquals(body, Files.readAllBytes(dir.resolve("sub/data.bin")));
        assertFalse(Files.exists(dir.resolve("sub/data.bin.part")));
        int requests = server.requests();
        assertEquals(Downloader.Outcome.ALREADY_PRESENT, downloader.fetch(file("/data.bin"), dir));
        assertEquals(requests, server.requests(), "a verified file must not be fetched again");
    }

    @Test
    void redirectsAreFollowed() throws Exception {
        server.serve("/data.bin", body, LocalHttpServer.Mode.GOOD);
        assertEquals(Downloader.Outcome.DOWNLOADED, downloader.fetch(file("/moved/data.bin"), dir));
        assertArrayEquals(body, Files.readAllBytes(dir.resolve("sub/data.bin")));
    }

    @Test
    void droppedConnectionLeavesNothing() throws Exception {
        server.serve("/data.bin", body, LocalHttpServer.Mode.DROPPED);
        DatasetException e = assertThrows(DatasetException.class, () -> downloader.fetch(file("/data.bin"), dir));
        assertTrue(e.getMessage().startsWith("download of sub/data.bin from " + server.uri("/data.bin")),
                e.getMessage());
        assertTrue(e.getMessage().contains("re-run the download"), e.getMessage());
        assertNothingWritten();
    }

    @Test
    void bodyThatEndsEarlyIsReportedAsTruncated() throws Exception {
        server.serve("/data.bin", body, LocalHttpServer.Mode.SHORT_CHUNKED);
        DatasetException e = assertThrows(DatasetException.class, () -> downloader.fetch(file("/data.bin"), dir));
        assertTrue(e.getMessage().contains("is truncated: expected 300000 bytes, got 150000"), e.getMessage());
        assertNothingWritten();
    }

    @Test
    void corruptedFileFailsWithExpectedAndActualChecksumAndLeavesOldFileAlone() throws Exception {
        byte[] corrupted = body.clone();
        corrupted[12345] ^= 0x40;
        server.serve("/data.bin", corrupted, LocalHttpServer.Mode.GOOD);
        Path dest = dir.resolve("sub/data.bin");
        Files.createDirectories(dest.getParent());
        Files.writeString(dest, "an older, wrong file");
        RemoteFile f = file("/data.bin");
        ChecksumMismatchException e = assertThrows(ChecksumMismatchException.class, () -> downloader.fetch(f, dir));
        assertEquals(f.checksum(), e.expected());
        assertEquals(Checksum.sha256(sha256(corrupted)), e.actual());
        assertTrue(e.getMessage().startsWith("checksum mismatch for sub/data.bin: expected sha256 " + sha256(body)
                + ", got sha256 " + sha256(corrupted)), e.getMessage());
        assertEquals("an older, wrong file", Files.readString(dest));
        assertFalse(Files.exists(dir.resolve("sub/data.bin.part")));
        // Once the server is fixed, the wrong file is replaced by the verified one.
        server.serve("/data.bin", body, LocalHttpServer.Mode.GOOD);
        assertEquals(Downloader.Outcome.DOWNLOADED, downloader.fetch(f, dir));
        assertArrayEquals(body, Files.readAllBytes(dest));
    }

    @Test
    void interruptedDownloadCanBeReRun() throws Exception {
        server.serve("/data.bin", body, LocalHttpServer.Mode.STALL);
        DatasetException e = assertThrows(DatasetException.class, () -> downloader.fetch(file("/data.bin"), dir));
        assertTrue(e.getMessage().contains("stalled for 2 s after 150000 of 300000 bytes"), e.getMessage());
        assertNothingWritten();
        // A run killed outright leaves its .part file behind; the next run must ignore and replace it.
        Files.createDirectories(dir.resolve("sub"));
        Files.write(dir.resolve("sub/data.bin.part"), new byte[] {1, 2, 3});
        server.serve("/data.bin", body, LocalHttpServer.Mode.GOOD);
        assertEquals(Downloader.Outcome.DOWNLOADED, downloader.fetch(file("/data.bin"), dir));
        assertArrayEquals(body, Files.readAllBytes(dir.resolve("sub/data.bin")));
        assertFalse(Files.exists(dir.resolve("sub/data.bin.part")));
    }

    @Test
    void httpErrorsAndWrongLengthsAreNamed() throws Exception {
        server.serve("/data.bin", body, LocalHttpServer.Mode.MISSING);
        DatasetException missing = assertThrows(DatasetException.class,
                () -> downloader.fetch(file("/data.bin"), dir));
        assertTrue(missing.getMessage().contains("failed: HTTP 404"), missing.getMessage());
        server.serve("/data.bin", java.util.Arrays.copyOf(body, 1000), LocalHttpServer.Mode.GOOD);
        DatasetException shortBody = assertThrows(DatasetException.class,
                () -> downloader.fetch(file("/data.bin"), dir));
        assertTrue(shortBody.getMessage().contains("announces 1000 bytes, expected 300000"), shortBody.getMessage());
        assertNothingWritten();
    }

    @Test
    void invalidDescriptionsAreRejected() {
        assertEquals("MD5 checksum must be 32 hex digits, got 'abc'",
                assertThrows(IllegalArgumentException.class, () -> Checksum.md5("abc")).getMessage());
        assertEquals("checksum algorithm must be MD5 or SHA-256, got 'SHA-1'", assertThrows(
                IllegalArgumentException.class, () -> new Checksum("SHA-1", "00")).getMessage());
        Checksum c = Checksum.md5("68d2efa1b9178cc56df9314c21c6e718");
        assertEquals("path must be relative to the data folder with '/' separators, got '../x'",
                assertThrows(IllegalArgumentException.class, () -> new RemoteFile("../x",
                        java.net.URI.create("https://example.org/x"), 1, c)).getMessage());
        assertEquals("uri must be http or https, got file:/x", assertThrows(IllegalArgumentException.class,
                () -> new RemoteFile("x", java.net.URI.create("file:/x"), 1, c)).getMessage());
    }
}
