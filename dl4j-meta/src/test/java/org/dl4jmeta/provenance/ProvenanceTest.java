package org.dl4jmeta.provenance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/** Provenance records versions, backend, config, seed, checksums and times; SHA-256 matches FIPS 180-4 vectors. */
class ProvenanceTest {

    @Test
    void sha256MatchesTheStandardTestVector(@TempDir Path dir) throws IOException {
        // FIPS 180-4 example "abc"
        String abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assertEquals(abc, Sha256.of("abc".getBytes(StandardCharsets.US_ASCII)));
        Path f = dir.resolve("abc.txt");
        Files.writeString(f, "abc");
        assertEquals(abc, Sha256.of(f));
        IOException e = assertThrows(IOException.class, () -> Sha256.of(dir.resolve("none")));
        assertTrue(e.getMessage().contains("none"), e.getMessage());
    }

    @Test
    void captureRecordsTheEnvironmentAndFinishAddsTheEndTime(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("split.txt");
        Files.writeString(f, "abc");
        Map<String, String> sums = Provenance.checksums(List.of(f, dir, dir.resolve("gone")));
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", sums.get(f.toString()));
        assertEquals("folder (not checksummed)", sums.get(dir.toString()));
        assertEquals("missing", sums.get(dir.resolve("gone").toString()));
        Provenance p = Provenance.capture(dir, DataType.DOUBLE, 42, Map.of("ways", 5), sums);
        assertEquals("DOUBLE", p.dataType());
        assertEquals(42, p.seed());
        assertEquals(5, p.config().get("ways"));
        assertFalse(p.backend().isEmpty());
        assertFalse(p.environment().isEmpty());
        assertNotNull(p.commit());
        assertNull(p.end());
        Provenance done = p.finished();
        assertNotNull(done.end());
        assertTrue(done.end().compareTo(done.start()) >= 0, done.start() + " .. " + done.end());
        System.setProperty(BuildInfo.COMMIT_PROPERTY, "0123abc");
        try {
            assertEquals("0123abc", BuildInfo.commit(dir));
        } finally {
            System.clearProperty(BuildInfo.COMMIT_PROPERTY);
        }
        assertEquals("unknown", BuildInfo.commit(dir), "a folder outside any repository has no commit");
    }
}
