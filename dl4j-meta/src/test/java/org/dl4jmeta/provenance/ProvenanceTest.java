package org.dl4jmeta.provenance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import org.junit.jupiter.api.Assumptions;
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
        Provenance p = Provenance.capture(DataType.DOUBLE, 42, Map.of("ways", 5), sums);
        assertEquals("DOUBLE", p.dataType());
        assertEquals(42, p.seed());
        assertEquals(5, p.config().get("ways"));
        assertEquals(BuildInfo.backend(), p.backend());
        assertTrue(p.backend().startsWith("CPU: nd4j-native "), p.backend());
        assertFalse(p.environment().isEmpty());
        assertEquals(BuildInfo.commit(), p.commit());
        assertNull(p.end());
        Provenance done = p.finished();
        assertNotNull(done.end());
        assertTrue(done.end().compareTo(done.start()) >= 0, done.start() + " .. " + done.end());
        assertEquals("2020-01-01T00:00:00Z", done.withStart("2020-01-01T00:00:00Z").start());
        assertEquals(done.end(), done.withStart("2020-01-01T00:00:00Z").end());
        System.setProperty(BuildInfo.COMMIT_PROPERTY, "0123abc");
        try {
            assertEquals("0123abc", BuildInfo.commit());
        } finally {
            System.clearProperty(BuildInfo.COMMIT_PROPERTY);
        }
        assertEquals("unknown", BuildInfo.repositoryCommit(dir), "a folder outside any repository has no commit");
    }

    @Test
    void theCommitIsTheOneTheLibraryWasBuiltFromNotTheWorkingDirectorys(@TempDir Path dir) throws Exception {
        // this build ran from the project's checkout (tests run in the module folder), so Maven recorded its HEAD
        Path root = Path.of("").toAbsolutePath().getParent();
        String checkout = BuildInfo.repositoryCommit(root);
        Assumptions.assumeFalse(checkout.equals("unknown"), "no git checkout here to compare with");
        String built = BuildInfo.commit();
        assertTrue(built.matches("[0-9a-f]{40}(-dirty)?"), built);
        assertEquals(checkout.substring(0, 40), built.substring(0, 40));

        // a user's own project, the folder the app runs in: its commit is not what provenance records
        Path user = Files.createDirectories(dir.resolve("user-project"));
        Files.writeString(user.resolve("notes.txt"), "mine");
        for (String[] cmd : new String[][] {{"git", "init", "-q"}, {"git", "add", "notes.txt"},
            {"git", "-c", "user.name=u", "-c", "user.email=u@example.org", "commit", "-q", "-m", "mine"}}) {
            Process proc = new ProcessBuilder(cmd).directory(user.toFile()).inheritIO().start();
            assertEquals(0, proc.waitFor(), String.join(" ", cmd));
        }
        String userCommit = BuildInfo.repositoryCommit(user);
        assertTrue(userCommit.matches("[0-9a-f]{40}"), userCommit);
        assertNotEquals(userCommit, built.substring(0, 40));
        assertEquals(built, Provenance.capture(DataType.FLOAT, 1, Map.of(), Map.of()).commit());
    }

    @Test
    void aRecordedCommitIsFortyHexDigitsOrUnknown() throws IOException {
        String sha = "0123456789abcdef0123456789abcdef01234567";
        assertEquals(sha, recorded("commit=" + sha));
        assertEquals(sha + "-dirty", recorded("# written by Maven\ncommit=" + sha + "-dirty\n"));
        assertEquals("unknown", recorded("commit=unknown"));
        assertEquals("unknown", recorded("commit=${build.commit}"), "an unfiltered build");
        assertEquals("unknown", recorded("commit=main"));
        assertEquals("unknown", recorded(""));
    }

    private static String recorded(String text) throws IOException {
        return BuildInfo.recordedCommit(new java.io.ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }
}
