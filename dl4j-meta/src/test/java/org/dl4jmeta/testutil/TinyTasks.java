package org.dl4jmeta.testutil;

import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.task.EpisodeSource;
import org.dl4jmeta.task.SyntheticTasks;
import org.nd4j.linalg.api.buffer.DataType;

/** A small Conv-4 (2 stride-2 blocks of 4 filters, 3-way) on 1x8x8 template tasks, for fast training tests. */
public final class TinyTasks {

    /** Per-example input shape. */
    public static final long[] INPUT = {1, 8, 8};

    private TinyTasks() {
    }

    /** @return the network */
    public static Network net() {
        return Conv4.build(INPUT, 4, Conv4.Downsampling.STRIDE, 2, 3);
    }

    /**
     * @return 3-way template tasks over a pool of 6 classes (noise std 1)
     */
    public static EpisodeSource tasks(DataType dt, int shots, int queries, long seed) {
        return SyntheticTasks.templateTasks(INPUT, 1, 6, 64, 3, shots, queries, 1.0, dt, seed);
    }
}
