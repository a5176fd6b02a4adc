package org.dl4jmeta.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The same parameters as one process when the tasks run in two separate executor JVMs (Spark's
 * {@code local-cluster} mode: a master and two workers in this JVM, each worker launching its own executor
 * process with the test class path), with first attempts of tasks failing there.
 */
class SparkLocalClusterTest {

    private static JavaSparkContext spark;

    @BeforeAll
    static void startCluster() {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String extension = System.getProperty("org.bytedeco.javacpp.platform.extension", "");
        spark = new JavaSparkContext(new SparkConf().setMaster("local-cluster[2,1,1024]")
                .setAppName("dl4j-meta-spark-cluster-test")
                .set("spark.ui.enabled", "false")
                // no Spark distribution here: the executors run from the test class path (Spark's launcher in
                // testing mode, SPARK_TESTING and SPARK_SCALA_VERSION set by the pom)
                .set("spark.test.home", Path.of("target").toAbsolutePath().toString())
                .set("spark.executor.extraClassPath", classPath)
                .set("spark.executor.extraJavaOptions", "-Dorg.bytedeco.javacpp.platform.extension=" + extension)
                .set("spark.task.maxFailures", "4"));
    }

    @AfterAll
    static void stopCluster() {
        spark.stop();
    }

    @Test
    void twoExecutorJvmsGiveTheSingleProcessParametersDespiteFailedAttempts() throws InterruptedException {
        List<String> executors = spark.parallelize(IntStream.range(0, 8).boxed().toList(), 8)
                .map(i -> SparkEnv.get().executorId() + "@" + ProcessHandle.current().pid()).distinct().collect();
        assertEquals(2, executors.size(), "two executor processes: " + executors);
        assertTrue(executors.stream().noneMatch(e -> e.startsWith("driver")), executors.toString());

        double[] alone = SparkMetaTrainingTest.alone("maml", SparkMetaTrainingTest.maml());
        FailedAttempts failed = new FailedAttempts();
        spark.sc().addSparkListener(failed);
        double[] there = SparkMetaTrainingTest.train(SparkMetaTrainingTest.maml(), spark, 2,
                new TinyTaskFactory(SparkMetaTrainingTest.SEED, true, null));
        assertTrue(failed.await(SparkMetaTrainingTest.ITERATIONS) >= SparkMetaTrainingTest.ITERATIONS,
                "every iteration had a failed attempt");
        assertArrayEquals(alone, there, 0.0);
    }
}
