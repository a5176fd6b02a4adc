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
 * the same model as the single-process run; a bad master and a learner that cannot run on executors are named.
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
    void aBadMasterAndALearnerExecutorsCannotFollowAreNamed(@TempDir Path dir) {
        CliRun bad = Jobs.run(Jobs.args(Jobs.tiny(dir.resolve("bad"), "--iterations", "1", "--spark-master",
                "lcoal[2]")));
        assertEquals(2, bad.code(), bad.all());
        assertTrue(bad.err().contains("got 'lcoal[2]'"), bad.err());
        CliRun bimaml = Jobs.run(Jobs.args(Jobs.tiny(dir.resolve("bimaml"), "--iterations", "1", "--algo",
                "bimaml", "--spark-master", "local[1]")));
        assertEquals(2, bimaml.code(), bimaml.all());
        assertTrue(bimaml.err().contains("learner 'bimaml' changes its state through training events"),
                bimaml.err());
    }
}
