package org.dl4jmeta.datasets.episode;

import java.nio.DoubleBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Tensor construction from heap buffers, shared by the sampler and {@link ClassImageSet#classImages}.
 *
 * <p>Tensors are allocated outside any ND4J workspace (an episode outlives the training step that asked for it)
 * and filled with one bulk copy into their host memory: several times faster than {@code Nd4j.create(float[])}
 * for episode-sized arrays, which matters at 64 tensors per meta-batch.
 */
final class Tensors {

    private Tensors() {
    }

    /**
     * @param dataType the requested episode data type
     * @throws IllegalArgumentException if it is not FLOAT or DOUBLE
     */
    static void checkDataType(DataType dataType) {
        if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
            throw new IllegalArgumentException("dataType must be FLOAT or DOUBLE, got " + dataType);
        }
    }

    /**
     * @param data row-major values, at least as many as the shape holds
     * @param shape tensor shape
     * @param dataType FLOAT or DOUBLE
     * @return a new detached C-order tensor holding data (widened for DOUBLE)
     * @throws IllegalArgumentException if dataType is not FLOAT or DOUBLE
     */
    static INDArray create(float[] data, long[] shape, DataType dataType) {
        checkDataType(dataType);
        INDArray x;
        MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces();
        try {
            x = Nd4j.createUninitialized(dataType, shape, 'c');
        } finally {
            outside.close();
        }
        int n = Math.toIntExact(x.length());
        if (dataType == DataType.FLOAT) {
            x.data().asNioFloat().put(data, 0, n);
        } else {
            DoubleBuffer b = x.data().asNioDouble();
            for (int k = 0; k < n; k++) {
                b.put(k, data[k]);
            }
        }
        // The values were written to host memory: tell a GPU backend to copy them to the device before use.
        Nd4j.getAffinityManager().tagLocation(x, AffinityManager.Location.HOST);
        return x;
    }

    /**
     * @param labels labels in {@code [0, ways)}
     * @param ways number of classes
     * @param dataType FLOAT or DOUBLE
     * @return the {@code [labels.length, ways]} one-hot matrix
     */
    static INDArray oneHot(int[] labels, int ways, DataType dataType) {
        float[] buf = new float[labels.length * ways];
        for (int i = 0; i < labels.length; i++) {
            buf[i * ways + labels[i]] = 1f;
        }
        return create(buf, new long[] {labels.length, ways}, dataType);
    }
}
