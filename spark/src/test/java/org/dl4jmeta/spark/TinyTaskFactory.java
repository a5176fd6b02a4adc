package org.dl4jmeta.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.TaskContext;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.task.EpisodeSource;
import org.dl4jmeta.task.SyntheticTasks;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Test episodes: 3-way 1-shot template tasks on 1x8x8 inputs (dl4j-meta's TinyTasks), in double precision.
 *
 * @param seed the stream's seed
 * @param failFirstAttempts whether the first attempt of every task computing an episode index = 1 (mod 3) throws
 * @param dataDir if not null, a folder whose file {@code seed.txt} must be readable (it is never created, so a
 *     missing folder makes the executors fail as a real data set would)
 */
record TinyTaskFactory(long seed, boolean failFirstAttempts, String dataDir) implements EpisodeSourceFactory {

    static final long[] INPUT = {1, 8, 8};

    static Network net() {
        return Conv4.build(INPUT, 4, Conv4.Downsampling.STRIDE, 2, 3);
    }

    static EpisodeSource tasks(long seed) {
        return SyntheticTasks.templateTasks(INPUT, 1, 6, 64, 3, 1, 2, 1.0, DataType.DOUBLE, seed);
    }

    @Override
    public EpisodeSource create() throws Exception {
        if (dataDir != null) {
            Files.readAllBytes(Path.of(dataDir, "seed.txt"));
        }
        EpisodeSource inner = tasks(seed);
        if (!failFirstAttempts) {
            return inner;
        }
        return i -> {
            TaskContext c = TaskContext.get();
            if (c != null && c.attemptNumber() == 0 && i % 3 == 1) {
                throw new IllegalStateException("injected failure: first attempt of the task computing episode " + i);
            }
            return inner.episode(i);
        };
    }
}
