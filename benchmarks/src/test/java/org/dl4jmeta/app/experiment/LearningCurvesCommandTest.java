package org.dl4jmeta.app.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.dl4jmeta.app.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * learning-curves turns a run folder's validation lines into tasks seen (iteration x meta-batch) in a CSV, draws
 * it beside a CSV curve and a baseline, and names bad input.
 */
class LearningCurvesCommandTest {

    @TempDir
    Path dir;

    @Test
    void aRunFolderBecomesACsvAndBothAreDrawn() throws Exception {
        Path run = Files.createDirectories(dir.resolve("run"));
        Files.writeString(run.resolve("config.json"), "{\"metaBatchSize\": 8}");
        Files.writeString(run.resolve("metrics.jsonl"), String.join("\n",
                "{\"type\":\"train\",\"iteration\":1,\"metaLoss\":1.5}",
                "{\"type\":\"val\",\"iteration\":10,\"accuracy\":0.4,\"ci95\":0.03,\"episodes\":50}",
                "{\"type\":\"val\",\"iteration\":20,\"accuracy\":0.41,\"ci95\":0.03,\"episodes\":50}",
                // a resumed run validates iteration 20 again: the last line counts
                "{\"type\":\"val\",\"iteration\":20,\"accuracy\":0.45,\"ci95\":0.02,\"episodes\":50}", ""));
        Path other = dir.resolve("other.csv");
        Files.writeString(other, "tasks_seen,accuracy,ci95\n80,0.5,0.03\n160,0.6,0.03\n");
        Path png = dir.resolve("curves.png");
        CliRun r = CliRun.run("experiment", "learning-curves", "--curve", "iMAML, after=" + run, "--curve",
                "MAML=" + other, "--baseline", "untrained=0.53", "--out", png.toString());
        assertEquals(0, r.code(), r.all());
        assertEquals("tasks_seen,accuracy,ci95\n80,0.4000,0.0300\n160,0.4500,0.0200\n",
                Files.readString(dir.resolve("imaml-after.csv")));
        assertTrue(Files.size(png) > 5_000, "a chart was drawn");
    }

    @Test
    void badInputIsNamed() throws Exception {
        CliRun r = CliRun.run("experiment", "learning-curves", "--curve", "nolabel", "--out",
                dir.resolve("x.png").toString());
        assertNotEquals(0, r.code(), r.all());
        assertTrue(r.err().contains("'nolabel'"), r.err());
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "iteration,accuracy\n1,0.5\n");
        r = CliRun.run("experiment", "learning-curves", "--curve", "x=" + bad, "--out", dir.resolve("x.png").toString());
        assertNotEquals(0, r.code(), r.all());
        assertTrue(r.err().contains("tasks_seen,accuracy,ci95") && r.err().contains("bad.csv"), r.err());
    }
}
