package org.dl4jmeta.app.jobs;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.app.Main;
import org.dl4jmeta.spark.EpisodeSourceFactory;
import org.dl4jmeta.spark.SparkMetaBatchExecutor;
import org.dl4jmeta.task.EpisodeSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code train --spark-master}: the Spark context and the executor that computes each meta-batch's tasks on it.
 * Under {@code spark-submit} the submitted settings apply and the flag's master wins. Executors get the driver's
 * nd4j-native build ({@link Main#NATIVE_BUILD_PROPERTY}); Spark gives them its Java 17 module options itself.
 *
 * <p>Call order: {@link #start}, give {@link #executor} to the run, {@link #close} (stops the context).
 */
final class SparkTraining implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SparkTraining.class);

    private final JavaSparkContext spark;
    private final SparkMetaBatchExecutor executor;

    private SparkTraining(JavaSparkContext spark, SparkMetaBatchExecutor executor) {
        this.spark = spark;
        this.executor = executor;
    }

    /**
     * @param config the job's configuration
     * @param learner a learner configured as the run's
     * @return the Spark side of the run, or null when {@code sparkMaster} is empty
     * @throws IllegalArgumentException if the learner cannot be written to a model file for the executors
     */
    static SparkTraining start(TrainConfig config, MetaLearner learner) {
        if (config.sparkMaster().isEmpty()) {
            return null;
        }
        SparkConf conf = new SparkConf().setMaster(config.sparkMaster()).setAppName("dl4j-meta train "
                        + config.runDir())
                // a task that fails (a lost executor) is retried; one that keeps failing (unreadable data) ends
                // the job after these attempts instead of retrying forever
                .setIfMissing("spark.task.maxFailures", "4")
                .setIfMissing("spark.ui.showConsoleProgress", "false");
        // executor JVMs load the nd4j-native build the app was packaged with, as the driver does
        String build = System.getProperty(Main.NATIVE_BUILD_PROPERTY);
        String options = conf.get("spark.executor.extraJavaOptions", "");
        if (build != null && !options.contains(Main.NATIVE_BUILD_PROPERTY)) {
            conf.set("spark.executor.extraJavaOptions", (options + " -D" + Main.NATIVE_BUILD_PROPERTY + "=" + build)
                    .trim());
        }
        JavaSparkContext spark = new JavaSparkContext(conf);
        try {
            TrainEpisodes episodes = new TrainEpisodes(DataSpec.of(config), config.trainSplit(),
                    config.ways(), config.shots(), config.queries(), config.seed(), config.dataType());
            SparkMetaBatchExecutor executor = SparkMetaBatchExecutor.create(spark, learner, episodes);
            LOG.info("each meta-batch's tasks run on Spark {} in up to {} partitions", config.sparkMaster(),
                    executor.partitions());
            return new SparkTraining(spark, executor);
        } catch (RuntimeException e) {
            spark.stop();
            throw e;
        }
    }

    /** @return the executor to give the training run */
    SparkMetaBatchExecutor executor() {
        return executor;
    }

    @Override
    public void close() {
        try {
            executor.close();
        } finally {
            spark.stop();
        }
    }

    /**
     * The training episodes as each Spark executor builds them: the same data set, folder, split, episode shape,
     * seed and data type as the driver's stream.
     *
     * @param data the data set, its folder as every executor sees it (null: synthetic), split scheme, episode kind
     *     and image shape
     * @param split the training split
     * @param ways classes per episode
     * @param shots support examples per class
     * @param queries query examples per class
     * @param seed the stream's seed
     * @param dataType float or double
     */
    record TrainEpisodes(DataSpec data, String split, int ways, int shots, int queries, long seed,
                         String dataType) implements EpisodeSourceFactory {

        @Override
        public EpisodeSource create() throws Exception {
            return DataSets.episodes(data, split, ways, shots, queries, seed,
                    dataType.equals("double") ? DataType.DOUBLE : DataType.FLOAT);
        }
    }
}
