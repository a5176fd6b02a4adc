package org.dl4jmeta.app.reproduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.dl4jmeta.app.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * report reads the raw output of side_by_side.sh (round markers, the PyTorch peer's lines as
 * peer_maml_throughput.py prints them, bench's JSON lines, the script's own summary) and renders both sides of the
 * one run with their ratio per round.
 */
class SideBySideTableTest {

    /** Two rounds as side_by_side.sh 2 32 prints them (the peer's lines in peer_maml_throughput.py's format). */
    static final List<String> LOG = List.of(
            "## round 1 peer 2026-12-01T10:00:00Z",
            "FWDBWD batch=80 threads=2 n=300 ms=25.40 p25=25.00 p75=26.10 peak_rss_mb=318",
            "MAML mb=32 steps=1 first_order=1 threads=2 n=24 ms_per_meta_step=665.6 ms_per_task=20.80 p25=650.0 "
                    + "p75=690.2 inner_ms=300.1 outer_fwd_ms=100.0 outer_bwd_ms=250.0 opt_ms=1.10 peak_rss_mb=330",
            "MAML mb=32 steps=1 first_order=0 threads=2 n=12 ms_per_meta_step=1289.6 ms_per_task=40.30 p25=1200.0 "
                    + "p75=1300.0 inner_ms=500.0 outer_fwd_ms=100.0 outer_bwd_ms=600.0 opt_ms=1.10 peak_rss_mb=352",
            "## round 1 project 2026-12-01T10:02:00Z",
            "{\"bench\":\"forward-backward\",\"images\":80,\"dtype\":\"FLOAT\",\"median_ms\":27.7,\"repeats\":30,"
                    + "\"peak_rss_mb\":440.0,\"process_peak_rss_mb\":455.0,\"own_process\":true,\"cpus\":2,"
                    + "\"nd4j_build\":\"nd4j-native-onednn-avx2\",\"commit\":\"a61f1960000\",\"time\":\"2026-12-01T10:02:30Z\"}",
            "{\"bench\":\"fomaml-1\",\"meta_batch\":32,\"workers\":2,\"median_ms_per_meta_step\":752.0,"
                    + "\"ms_per_task\":23.5,\"peak_rss_mb\":900.0,\"process_peak_rss_mb\":950.0,\"cpus\":2,"
                    + "\"nd4j_build\":\"nd4j-native-onednn-avx2\",\"commit\":\"a61f1960000\",\"time\":\"2026-12-01T10:03:30Z\"}",
            "{\"bench\":\"maml-1\",\"meta_batch\":32,\"workers\":2,\"median_ms_per_meta_step\":1238.4,"
                    + "\"ms_per_task\":38.7,\"peak_rss_mb\":1000.0,\"cpus\":2,"
                    + "\"nd4j_build\":\"nd4j-native-onednn-avx2\",\"commit\":\"a61f1960000\",\"time\":\"2026-12-01T10:04:30Z\"}",
            "## round 2 peer 2026-12-01T10:05:00Z",
            "FWDBWD batch=80 threads=2 n=300 ms=17.40 p25=17.00 p75=18.00 peak_rss_mb=320",
            "MAML mb=32 steps=1 first_order=1 threads=2 n=24 ms_per_meta_step=627.2 ms_per_task=19.60 p25=1 p75=2 "
                    + "inner_ms=1 outer_fwd_ms=1 outer_bwd_ms=1 opt_ms=1 peak_rss_mb=331",
            "MAML mb=32 steps=1 first_order=0 threads=2 n=12 ms_per_meta_step=1040.0 ms_per_task=32.50 p25=1 p75=2 "
                    + "inner_ms=1 outer_fwd_ms=1 outer_bwd_ms=1 opt_ms=1 peak_rss_mb=350",
            "## round 2 project 2026-12-01T10:07:00Z",
            "{\"bench\":\"forward-backward\",\"images\":80,\"median_ms\":34.9,\"peak_rss_mb\":450.0,"
                    + "\"process_peak_rss_mb\":470.0,\"cpus\":2,\"nd4j_build\":\"nd4j-native-onednn-avx2\","
                    + "\"commit\":\"a61f1960000\",\"time\":\"2026-12-01T10:07:30Z\"}",
            "{\"bench\":\"fomaml-1\",\"meta_batch\":32,\"workers\":2,\"ms_per_task\":23.0,\"peak_rss_mb\":910.0,"
                    + "\"process_peak_rss_mb\":960.0,\"cpus\":2,\"nd4j_build\":\"nd4j-native-onednn-avx2\","
                    + "\"commit\":\"a61f1960000\",\"time\":\"2026-12-01T10:08:30Z\"}",
            "{\"bench\":\"maml-1\",\"meta_batch\":32,\"workers\":2,\"ms_per_task\":41.6,\"peak_rss_mb\":1010.0,"
                    + "\"cpus\":2,\"nd4j_build\":\"nd4j-native-onednn-avx2\",\"commit\":\"a61f1960000\","
                    + "\"time\":\"2026-12-01T10:09:30Z\"}",
            "| configuration | round | PyTorch ms | project ms | project/PyTorch | PyTorch peak MB | project peak MB |",
            "|---|---|---|---|---|---|---|",
            "| forward-backward | 1 | 25.4 | 27.7 | 1.09x | 318 | 455 |",
            "worst_ratio=2.01");

    @Test
    void peerLinesBecomeMeasurementsWithTheirRound() throws IOException {
        List<JsonNode> all = BenchTable.parse(LOG, "log");
        assertEquals(12, all.size());
        JsonNode peer = all.get(2);
        assertEquals("pytorch", peer.get("side").asText());
        assertEquals("maml-1", peer.get("bench").asText());
        assertEquals(32, peer.get("meta_batch").asInt());
        assertEquals(40.3, peer.get("ms_per_task").asDouble(), 0);
        assertEquals(352, peer.get("peak_rss_mb").asDouble(), 0);
        assertEquals(1, peer.get("round").asInt());
        assertEquals("2026-12-01T10:00:00Z", peer.get("time").asText());
        assertEquals("fomaml-1", all.get(1).get("bench").asText());
        assertEquals(25.4, all.get(0).get("median_ms").asDouble(), 0);
        assertEquals(2, all.get(11).get("round").asInt(), "a JSON line takes the round of its marker");
    }

    @Test
    void theTableShowsBothSidesAndTheRatioOfEachRound() throws IOException {
        String t = BenchTable.render(BenchTable.parse(LOG, "log"));
        // 27.7 / 25.4 = 1.09, 34.9 / 17.4 = 2.01; medians 31.3 and 21.4; peaks 470 (process) and 320
        assertTrue(t.contains("| forward+backward, 80 images (ms per pass) | - | 1 | 21.4 | 31.3 | 1.09x, 2.01x "
                + "| 2.01x | 320 | 470 |"), t);
        // 23.5 / 20.8 = 1.13, 23.0 / 19.6 = 1.17
        assertTrue(t.contains("| MAML first order, 1 inner step | 32 | 2 | 20.2 | 23.3 | 1.13x, 1.17x | 1.17x | 331 "
                + "| 960 |"), t);
        // no process peak in these lines: the measured section's
        assertTrue(t.contains("| MAML second order, 1 inner step | 32 | 2 | 36.4 | 40.2 | 0.96x, 1.28x | 1.28x | 352 "
                + "| 1010 |"), t);
        assertTrue(t.contains("in 2 rounds, 2026-12-01T10:00:00Z to 2026-12-01T10:09:30Z"), t);
        assertTrue(t.contains("nd4j-native-onednn-avx2 at a61f196000 on 2 cores"), t);
        assertTrue(t.endsWith("Worst ratio: 2.01x.\n"), t);
    }

    @Test
    void reportWritesTheSideBySideTableIntoTheReadme(@TempDir Path dir) throws IOException {
        Path log = Files.write(dir.resolve("side-by-side.txt"), LOG);
        Path results = Files.createDirectories(dir.resolve("omniglot"));
        Path readme = Files.writeString(dir.resolve("README.md"), "<!-- report:omniglot-table -->\n"
                + "<!-- /report:omniglot-table -->\n<!-- report:performance-table -->\nold\n"
                + "<!-- /report:performance-table -->\n<!-- report:shipped-models -->\n"
                + "<!-- /report:shipped-models -->\n");
        CliRun r = CliRun.run("report", "--readme", readme.toString(), "--omniglot", results.toString(), "--bench",
                log.toString(), "--pretrained", "src/main/resources/pretrained");
        assertEquals(0, r.code(), r.all());
        String after = Files.readString(readme);
        assertTrue(after.contains("| dl4j-meta / PyTorch, per round |") && after.contains("from `" + log + "`"),
                after);
    }

    @Test
    void aPeerLineWithoutItsFieldsOrAStrayLineIsNamed() {
        IOException missing = assertThrows(IOException.class, () -> BenchTable.parse(List.of("## round 1 peer",
                "MAML mb=32 steps=1 first_order=1 peak_rss_mb=300"), "log.txt"));
        assertTrue(missing.getMessage().contains("log.txt line 2") && missing.getMessage().contains("ms_per_task="),
                missing.getMessage());
        IOException stray = assertThrows(IOException.class, () -> BenchTable.parse(List.of("Traceback (most recent "
                + "call last):"), "log.txt"));
        assertTrue(stray.getMessage().contains("log.txt line 1"), stray.getMessage());
    }
}
