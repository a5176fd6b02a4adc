package org.dl4jmeta.algorithm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dl4jmeta.task.Episode;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Reptile's fixed inner mini-batches ({@link Reptile#miniBatches}): balanced over classes, whatever the row order. */
class ReptileMiniBatchesTest {

    static INDArray oneHot(int ways, int... labels) {
        return Episode.classification(ways, Nd4j.zeros(DataType.DOUBLE, labels.length, 1), labels,
                Nd4j.zeros(DataType.DOUBLE, 1, 1), new int[] {0}).supportY();
    }

    @Test
    void classMajorSupportIsDealtClassByClass() {
        // 3 classes x 4 examples, class-major rows 0..11; batches of 6 hold 2 of every class
        INDArray y = oneHot(3, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2);
        int[][] b = Reptile.miniBatches(y, 6);
        assertArrayEquals(new int[] {0, 4, 8, 1, 5, 9}, b[0]);
        assertArrayEquals(new int[] {2, 6, 10, 3, 7, 11}, b[1]);
    }

    @Test
    void interleavedSupportGivesTheSameBalance() {
        INDArray y = oneHot(2, 1, 0, 1, 0, 1, 0);
        int[][] b = Reptile.miniBatches(y, 2);
        assertArrayEquals(new int[] {1, 0}, b[0]);
        assertArrayEquals(new int[] {3, 2}, b[1]);
        assertArrayEquals(new int[] {5, 4}, b[2]);
    }

    @Test
    void aBatchSizeThatDoesNotDivideTheSupportSetIsRefusedByName() {
        INDArray y = oneHot(2, 0, 0, 1, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Reptile.miniBatches(y, 3));
        assertTrue(e.getMessage().contains("innerBatchSize 3") && e.getMessage().contains("4 examples"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Reptile.miniBatches(y, 5));
    }
}
