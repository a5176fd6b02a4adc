package org.dl4jmeta.app.bench;

import java.util.Locale;
import java.util.function.Supplier;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.app.Main;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.spark.EpisodeSourceFactory;
import org.dl4jmeta.spark.SparkMetaBatchExecutor;
import org.dl4jmeta.task.EpisodeSource;
import org.dl4jmeta.task.SyntheticTasks;
import org.dl4jmeta.train.MetaTrainer;
import org.dl4jmeta.optim.OuterOptimizer;
import org.dl4jmeta.optim.TrainingState;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/**
 * {@code bench --spark-master}: the meta-step of a configuration with its tasks on Spark against the same trainer
 * on this process's workers (as many as Spark's partitions), measured in alternation so that a drifting machine
 * slows both alike; the difference is Spark's per-iteration overhead (broadcast, scheduling, result transfer).
 *
 * <p>Call order: construct (starts the Spark context), {@link #metaStep} per configuration, {@link #close}.
 */
final class SparkBench implements AutoCloseable {

    private final String master;
    private final JavaSparkContext spark;

    /** @param master the Spark master URL, e.g. local[2] */
    SparkBench(String master) {
        this.master = master;
        SparkConf conf = new SparkConf().setMaster(master).setAppName("dl4j-meta bench")
                .setIfMissing("spark.ui.showConsoleProgress", "false");
        String build = System.getProperty(Main.NATIVE_BUILD_PROPERTY);
        if (build != null) {
            conf.setIfMissing("spark.executor.extraJavaOptions", "-D" + Main.NATIVE_BUILD_PROPERTY + "=" + build);
        }
        this.spark = new JavaSparkContext(conf);
    }

    /**
     * The bench's synthetic Omniglot-shaped tasks, as each executor builds them.
     *
     * @param input per-example input shape
     * @param seed the seed (also of the class templates)
     * @param pool the number of classes
     * @param ways classes per episode
     * @param shots support examples per class
     * @param queries query examples per class
     * @param dataType FLOAT or DOUBLE
     */
    record Tasks(long[] input, long seed, int pool, int ways, int shots, int queries, DataType dataType)
            implements EpisodeSourceFactory {

        @Override
        public EpisodeSource create() {
            return SyntheticTasks.templateTasks(input, seed, pool, 784, ways, shots, queries, 1.0, dataType, seed);
        }
    }

    /**
     * @param config the configuration's name
     * @param learners builds the configuration's learner
     * @param metaBatch tasks per meta-step
     * @param tasks the episodes (the driver's source is {@code tasks.create()})
     * @param warmupSeconds unmeasured steps of each trainer for at least this long
     * @param repeats measured steps of each
     * @param preAdaptationEvery as the trainers' option
     * @return one JSON line (without the closing provenance fields)
     */
    String metaStep(String config, Supplier<MetaLearner> learners, int metaBatch, Tasks tasks, double warmupSeconds,
                    int repeats, int preAdaptationEvery) {
        EpisodeSource source = tasks.create();
        int partitions = spark.defaultParallelism();
        MetaLearner driver = learners.get();
        try (MetaTrainer local = new MetaTrainer(learners, metaBatch, partitions);
             MetaTrainer onSpark = new MetaTrainer(driver, metaBatch);
             SparkMetaBatchExecutor executor = new SparkMetaBatchExecutor(spark, driver, tasks, partitions)) {
            onSpark.executor(executor);
            local.preAdaptationMetricsEvery(preAdaptationEvery);
            onSpark.preAdaptationMetricsEvery(preAdaptationEvery);
            TrainingState a = state(driver, tasks.dataType());
            TrainingState b = state(driver, tasks.dataType());
            long start = System.nanoTime();
            do {
                local.fit(a, source, a.iteration() + 1);
                onSpark.fit(b, source, b.iteration() + 1);
            } while ((System.nanoTime() - start) / 1e9 < warmupSeconds);
            double[] localMs = new double[repeats];
            double[] sparkMs = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                long t0 = System.nanoTime();
                local.fit(a, source, a.iteration() + 1);
                long t1 = System.nanoTime();
                onSpark.fit(b, source, b.iteration() + 1);
                long t2 = System.nanoTime();
                localMs[r] = (t1 - t0) / 1e6;
                sparkMs[r] = (t2 - t1) / 1e6;
            }
            double l = BenchCommand.median(localMs);
            double s = BenchCommand.median(sparkMs);
            return String.format(Locale.ROOT, "{\"bench\":\"%s\",\"meta_batch\":%d,\"spark_master\":\"%s\","
                    + "\"partitions\":%d,\"ways\":%d,\"shots\":%d,\"queries\":%d,\"dtype\":\"%s\","
                    + "\"median_ms_per_meta_step\":%.1f,\"tasks_per_s\":%.2f,\"local_workers\":%d,"
                    + "\"local_median_ms_per_meta_step\":%.1f,\"local_tasks_per_s\":%.2f,\"overhead_ms\":%.1f,"
                    + "\"overhead_fraction\":%.3f,\"repeats\":%d,\"pre_adaptation_every\":%d", config, metaBatch,
                    master, partitions, tasks.ways(), tasks.shots(), tasks.queries(), tasks.dataType(), s,
                    1000.0 * metaBatch / s, partitions, l, 1000.0 * metaBatch / l, s - l, (s - l) / l, repeats,
                    preAdaptationEvery);
        }
    }

    private static TrainingState state(MetaLearner l, DataType dt) {
        ParamSet theta = l.initialise(1, dt);
        return new TrainingState(theta, new OuterOptimizer(new Adam(1e-3), theta.length(), dt), 0);
    }

    /** @return the context's default parallelism (the workers the in-process trainer gets) */
    int partitions() {
        return spark.defaultParallelism();
    }

    @Override
    public void close() {
        spark.stop();
    }
}
