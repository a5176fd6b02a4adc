package org.dl4jmeta.datasets.episode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class InMemoryClassImageSetTest {

    @Test
    void classImagesHoldTheClassInOrderInEitherDataType() {
        InMemoryClassImageSet set = SyntheticImages.of("s", 3, 4);
        assertEquals(12, set.totalImages());
        assertEquals(4, set.minImagesPerClass());
        assertArrayEquals(new long[] {1, 2, 2}, set.imageShape());
        for (DataType dt : List.of(DataType.FLOAT, DataType.DOUBLE)) {
            INDArray x = set.classImages(2, dt);
            assertEquals(dt, x.dataType());
            assertArrayEquals(new long[] {4, 1, 2, 2}, x.shape());
            for (int i = 0; i < 4; i++) {
                assertEquals(200 + i, SyntheticImages.id(x, i));
            }
        }
    }

    @Test
    void inconsistentArraysAreRejected() {
        assertEquals("class 'b' must hold a positive whole number of 4-pixel images, got 6 values",
                assertThrows(IllegalArgumentException.class, () -> new InMemoryClassImageSet("s", List.of("a", "b"),
                        1, 2, 2, new float[][] {new float[4], new float[6]})).getMessage());
        assertEquals("pixels must hold one array per class (2), got 1",
                assertThrows(IllegalArgumentException.class, () -> new InMemoryClassImageSet("s", List.of("a", "b"),
                        1, 2, 2, new float[][] {new float[4]})).getMessage());
        assertThrows(IndexOutOfBoundsException.class,
                () -> SyntheticImages.of("s", 2, 2).copyImage(0, 2, new float[4], 0));
    }
}
