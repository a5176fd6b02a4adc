package org.dl4jmeta.app.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.dl4jmeta.app.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --spark-master local[2]} computes the tasks on Spark's local mode (bundled with the app) and writes
 * the same model as the single-process run, also for a learner with state (BI-MAML's phase); a bad master is
 * named.
 */
class TrainOnSparkTest {

    @Test
    void sparkLocalModeGivesTheSingleProcessModel(@TempDir Path dir) throws IOException {
        Path one = dir.resolve("one");
        Path spark = dir.resolve("spark");
        CliRun a = Jobs.run(Jobs.args(Jobs.tiny(one, "--iterations", "4", "--dtype", "double", "--meta-batch-size",
                "4", "--val-every", "2", "--val-episodes", "3")));
        assertEquals(0, a.code(), a.all());
        CliRun b = Jobs.run(Jobs.args(Jobs.tiny(spark, "--iterations", "4", "--dtype", "double",
                "--meta-batch-size", "4", "--val-every", "2", "--val-episodes", "3", "--spark-master", "local[2]")));
        assertEquals(0, b.code(), b.all());
        assertArrayEquals(TrainCommandTest.params(one.resolve("model.zip")),
                TrainCommandTest.params(spark.resolve("model.zip")), 0.0);
        assertArrayEquals(TrainCommandTest.params(one.resolve("best.zip")),
                TrainCommandTest.params(spark.resolve("best.zip")), 0.0);
    }

    @Test
    void aBadMasterIsNamed(@TempDir Path dir) {
        CliRun bad = Jobs.run(Jobs.args(Jobs.tiny(dir.resolve("bad"), "--iterations", "1", "--spark-master",
                "lcoal[2]")));
        assertEquals(2, bad.code(), bad.all());
        assertTrue(bad.err().contains("got 'lcoal[2]'"), bad.err());
    }

    @Test
    void aLearnerWithStateGetsItOnTheExecutors(@TempDir Path dir) throws IOException {
        // BI-MAML switches from its first phase to MAML once the gradient norm is below epsilon0 (after iteration
        // 1 here): the executors compute phase-2 tasks only if the training state's phase reaches them
        Path one = dir.resolve("one");
        Path spark = dir.resolve("spark");
        String[] flags = {"--iterations", "3", "--dtype", "double", "--meta-batch-size", "4", "--algo", "bimaml",
            "--bimaml-epsilon0", "100"};
        CliRun a = Jobs.run(Jobs.args(Jobs.tiny(one, flags)));
        assertEquals(0, a.code(), a.all());
        String[] onSpark = java.util.Arrays.copyOf(flags, flags.length + 2);
        onSpark[flags.length] = "--spark-master";
        onSpark[flags.length + 1] = "local[2]";
        CliRun b = Jobs.run(Jobs.args(Jobs.tiny(spark, onSpark)));
        assertEquals(0, b.code(), b.all());
        assertEquals(2, ((Number) org.dl4jmeta.io.ModelFile.read(spark.resolve("checkpoint.zip")).progress()
                .learnerState().get("phase")).intValue(), "phase 2 reached");
        assertArrayEquals(TrainCommandTest.params(one.resolve("model.zip")),
                TrainCommandTest.params(spark.resolve("model.zip")), 0.0);
    }
}
