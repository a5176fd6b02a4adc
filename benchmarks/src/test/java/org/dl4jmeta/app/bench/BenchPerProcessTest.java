package org.dl4jmeta.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dl4jmeta.app.CliRun;
import org.dl4jmeta.app.Main;
import org.dl4jmeta.io.Json;
import org.junit.jupiter.api.Test;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * bench measures each configuration in a fresh JVM by default: one line per configuration and round, in the usual
 * format, each from its own process (own_process, process_peak_rss_mb), the parent's rounds added; the second-order
 * memory mode reaches the children.
 */
class BenchPerProcessTest {

    @Test
    void eachConfigurationRunsInItsOwnProcess() throws Exception {
        CliRun r = CliRun.run("bench", "--configs", "forward-backward,maml-2", "--meta-batch", "1", "--repeats", "1",
                "--warmup", "0", "--ways", "2", "--queries", "1", "--threads", "1", "--rounds", "2",
                "--second-order-memory", "recompute");
        assertEquals(0, r.code(), r.all());
        List<String> lines = r.out().lines().filter(l -> l.startsWith("{")).toList();
        assertEquals(4, lines.size(), r.all());
        for (int i = 0; i < 4; i++) {
            JsonNode j = Json.parse(lines.get(i));
            assertEquals(i < 2 ? 1 : 2, j.get("round").asInt(), lines.get(i));
            assertEquals(2, j.get("rounds").asInt(), lines.get(i));
            assertEquals(i % 2 == 0 ? "forward-backward" : "maml-2", j.get("bench").asText(), lines.get(i));
            assertTrue(j.get("own_process").asBoolean(), lines.get(i));
            // a child's peak is its own process's: at least the measured section's, and a JVM with ND4J's worth
            assertTrue(j.get("process_peak_rss_mb").asDouble() >= j.get("peak_rss_mb").asDouble(), lines.get(i));
            assertTrue(j.get("process_peak_rss_mb").asDouble() > 50, lines.get(i));
            // the child's JVM ran with this JVM's -X options (here a heap size, so without the memory settings)
            for (String own : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (own.startsWith("-X")) {
                    assertTrue(j.get("jvm_options").asText().contains(own), own + " missing from " + lines.get(i));
                }
            }
        }
        assertTrue(Json.parse(lines.get(1)).get("ms_per_task").asDouble() > 0, lines.get(1));
    }

    @Test
    void theChildCommandCarriesTheSettings() {
        org.dl4jmeta.app.bench.BenchCommand b = new org.dl4jmeta.app.bench.BenchCommand();
        picocli.CommandLine cl = Main.configure(new picocli.CommandLine(b));
        cl.parseArgs("--configs", "maml-5", "--meta-batch", "4", "--repeats", "3", "--warmup", "2",
                "--second-order-memory", "recompute", "--dtype", "DOUBLE", "--seed", "9");
        List<String> cmd = b.childCommand("maml-5", 4, 1);
        String joined = String.join(" ", cmd);
        assertTrue(joined.contains(Main.class.getName() + " bench --same-process --configs maml-5 --meta-batch 4 "
                + "--threads 1"), joined);
        for (String s : List.of("--repeats 3", "--warmup 2.0", "--dtype DOUBLE", "--seed 9",
                "--second-order-memory recompute")) {
            assertTrue(joined.contains(s), s + " missing from " + joined);
        }
    }

    @Test
    void childrenGetTheMemorySettingsUnlessTheUserChoseTheirOwn() {
        assertEquals(List.of("-XX:+UseSerialGC", "-Xmn32m"), BenchCommand.childMemoryOptions(List.of("-Dx=1",
                "-Xss2m")));
        for (String own : List.of("-Xmx2g", "-Xms1g", "-Xmn64m", "-XX:+UseG1GC", "-XX:+UseParallelGC",
                "-XX:MaxNewSize=32m", "-XX:NewSize=8m", "-XX:MaxRAMPercentage=50")) {
            assertEquals(List.of(), BenchCommand.childMemoryOptions(List.of("-Dx=1", own)), own);
        }
    }

    @Test
    void aBadModeIsNamedBeforeAnyChildStarts() {
        CliRun r = CliRun.run("bench", "--configs", "maml-1", "--second-order-memory", "checkpoint");
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("'checkpoint'"), r.err());
    }
}
