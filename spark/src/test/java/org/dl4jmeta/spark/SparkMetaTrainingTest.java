package org.dl4jmeta.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.dl4jmeta.algorithm.Imaml;
import org.dl4jmeta.algorithm.ImamlConfig;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.provenance.Provenance;
import org.dl4jmeta.train.MetaTrainer;
import org.dl4jmeta.optim.OuterOptimizer;
import org.dl4jmeta.train.RunFolder;
import org.dl4jmeta.train.TrainingRun;
import org.dl4jmeta.optim.TrainingState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Meta-training with the tasks computed by Spark (local mode, 2 task threads, up to 4 attempts per task) gives the
 * single-process trainer's parameters bit for bit in double precision, whatever the number of partitions, when
 * first attempts of tasks fail, and across a stop and resume through {@link TrainingRun}; an executor that cannot
 * read the data fails the iteration with its host and the path.
 */
class SparkMetaTrainingTest {

    static final int ITERATIONS = 20;
    static final int META_BATCH = 4;
    static final long SEED = 5;

    private static JavaSparkContext spark;

    @BeforeAll
    static void startSpark() {
        spark = new JavaSparkContext(new SparkConf().setMaster("local[2,4]").setAppName("dl4j-meta-spark-test")
                .set("spark.ui.enabled", "false"));
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    /** Single-process parameters by learner name, computed once per JVM (the test classes share them). */
    private static final Map<String, double[]> ALONE = new ConcurrentHashMap<>();

    /** @return theta after training on the calling thread alone */
    static double[] alone(String name, Supplier<MetaLearner> learners) {
        return ALONE.computeIfAbsent(name, n -> train(learners, null, 0, null)).clone();
    }

    static Supplier<MetaLearner> maml() {
        return () -> new Maml(TinyTaskFactory.net(), MamlConfig.secondOrder(1, 0.4));
    }

    static Supplier<MetaLearner> foMaml() {
        return () -> new Maml(TinyTaskFactory.net(), MamlConfig.firstOrder(2, 0.4));
    }

    static Supplier<MetaLearner> imaml() {
        return () -> new Imaml(TinyTaskFactory.net(), ImamlConfig.builder(1.0).optInnerSteps(2)
                .optInnerStepSize(0.1).build());
    }

    static TrainingState initial(MetaLearner l) {
        ParamSet theta = l.initialise(3, DataType.DOUBLE);
        return new TrainingState(theta, new OuterOptimizer(new Adam(0.01), theta.length(), DataType.DOUBLE), 0);
    }

    /** @return theta after training, on the calling thread alone (spark null) or with Spark computing the tasks */
    static double[] train(Supplier<MetaLearner> learners, JavaSparkContext spark, int partitions,
                          EpisodeSourceFactory episodes) {
        MetaLearner l = learners.get();
        TrainingState s = initial(l);
        try (MetaTrainer t = new MetaTrainer(l, META_BATCH)) {
            if (spark == null) {
                t.fit(s, TinyTaskFactory.tasks(SEED), ITERATIONS);
            } else {
                try (SparkMetaBatchExecutor e = new SparkMetaBatchExecutor(spark, l, episodes, partitions)) {
                    t.executor(e).fit(s, TinyTaskFactory.tasks(SEED), ITERATIONS);
                }
            }
        }
        return s.theta().flat().toDoubleVector();
    }

    static void assertSparkEqualsOneProcess(String name, Supplier<MetaLearner> learners, JavaSparkContext spark) {
        double[] alone = alone(name, learners);
        EpisodeSourceFactory episodes = new TinyTaskFactory(SEED, false, null);
        for (int partitions : new int[] {1, META_BATCH}) {
            assertArrayEquals(alone, train(learners, spark, partitions, episodes), 0.0,
                    learners.get().id() + " on " + partitions + " partitions");
        }
    }

    @Test
    void secondOrderMamlEqualsTheSingleProcessTrainer() {
        assertSparkEqualsOneProcess("maml", maml(), spark);
    }

    @Test
    void firstOrderMamlEqualsTheSingleProcessTrainer() {
        assertSparkEqualsOneProcess("fomaml", foMaml(), spark);
    }

    @Test
    void imamlEqualsTheSingleProcessTrainer() {
        assertSparkEqualsOneProcess("imaml", imaml(), spark);
    }

    @Test
    void failedFirstAttemptsAreRetriedWithTheSameResult() throws InterruptedException {
        double[] alone = alone("fomaml", foMaml());
        FailedAttempts failed = new FailedAttempts();
        spark.sc().addSparkListener(failed);
        try {
            double[] retried = train(foMaml(), spark, 2, new TinyTaskFactory(SEED, true, null));
            // episodes 1, 4, 7, ... : one or two of each iteration's 4 tasks, in one of its 2 partitions
            assertTrue(failed.await(ITERATIONS) >= ITERATIONS, "every iteration had a failed attempt");
            assertArrayEquals(alone, retried, 0.0);
        } finally {
            spark.sc().removeSparkListener(failed);
        }
    }

    @Test
    void aResumedRunEqualsTheUninterruptedOne(@TempDir Path dir) throws Exception {
        EpisodeSourceFactory episodes = new TinyTaskFactory(SEED, false, null);
        Supplier<MetaLearner> learners = foMaml();
        try (SparkMetaBatchExecutor e = new SparkMetaBatchExecutor(spark, learners.get(), episodes, 2)) {
            try (RunFolder f = RunFolder.open(dir.resolve("straight"), RunFolder.Mode.FRESH)) {
                run(f, learners, e).start(TinyTaskFactory.tasks(SEED), initial(learners.get()));
            }
            Path resumed = dir.resolve("resumed");
            try (RunFolder f = RunFolder.open(resumed, RunFolder.Mode.FRESH)) {
                TrainingRun r = run(f, learners, e);
                r.addListener((m, s) -> {
                    if (m.iteration() == 9) {
                        r.stopSignal().request();
                    }
                });
                assertEquals(TrainingRun.Ending.STOPPED, r.start(TinyTaskFactory.tasks(SEED),
                        initial(learners.get())).ending());
            }
            try (RunFolder f = RunFolder.open(resumed, RunFolder.Mode.RESUME)) {
                SavedModel ckpt = ModelFile.read(f.file(RunFolder.CHECKPOINT));
                assertEquals(9, ckpt.progress().iteration());
                TrainingRun.Outcome o = run(f, learners, e).resume(TinyTaskFactory.tasks(SEED), ckpt, null);
                assertEquals(TrainingRun.Ending.ITERATIONS, o.ending());
            }
        }
        double[] straight = ModelFile.read(dir.resolve("straight").resolve(RunFolder.MODEL)).parameters().flat()
                .toDoubleVector();
        assertArrayEquals(straight, ModelFile.read(dir.resolve("resumed").resolve(RunFolder.MODEL)).parameters()
                .flat().toDoubleVector(), 0.0);
        assertArrayEquals(alone("fomaml", learners), straight, 0.0, "and the single-process parameters");
    }

    private static TrainingRun run(RunFolder f, Supplier<MetaLearner> learners, SparkMetaBatchExecutor e) {
        TrainingRun.Settings s = TrainingRun.Settings.builder(META_BATCH, ITERATIONS, SEED).valEvery(5)
                .valEpisodes(3).checkpointEvery(4).build();
        return new TrainingRun(f, learners, s, Map.of(), Provenance.capture(DataType.DOUBLE, SEED,
                Map.of(), Map.of())).validation(TinyTaskFactory.tasks(99)).executor(e);
    }

    @Test
    void anExecutorThatCannotReadTheDataFailsNamingItsHostAndThePath(@TempDir Path dir) throws Exception {
        String missing = dir.resolve("no-such-dataset").toString();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> train(foMaml(), spark, 2,
                new TinyTaskFactory(SEED, false, missing)));
        assertTrue(e.getMessage().contains(missing), e.getMessage());
        assertTrue(e.getMessage().contains(InetAddress.getLocalHost().getHostName()), e.getMessage());
        assertTrue(e.getMessage().contains("iteration 1"), e.getMessage());
    }

    @Test
    void aFactoryOfAnotherStreamIsRefusedAtTheFirstIteration() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> train(foMaml(), spark, 2,
                new TinyTaskFactory(SEED + 1, false, null)));
        assertTrue(e.getMessage().contains("episode 0 on the executors differs from the driver's"), e.getMessage());
    }

    @Test
    void badArgumentsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SparkMetaBatchExecutor(spark, foMaml().get(), new TinyTaskFactory(SEED, false, null), 0));
        assertTrue(e.getMessage().contains("partitions must be >= 1, got 0"), e.getMessage());
    }
}
