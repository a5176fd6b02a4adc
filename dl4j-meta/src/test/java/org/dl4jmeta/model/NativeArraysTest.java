package org.dl4jmeta.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** What {@link NativeArrays#close} closes, and what it must leave alone. */
class NativeArraysTest {

    @Test
    void closesOwnedArraysOnceAndSkipsNulls() {
        INDArray a = Nd4j.rand(DataType.DOUBLE, 3, 4);
        INDArray b = Nd4j.rand(DataType.DOUBLE, 5);
        NativeArrays.close(Arrays.asList(a, null, b, a), List.of());
        assertTrue(a.wasClosed());
        assertTrue(b.wasClosed());
    }

    @Test
    void neverClosesAKeptArrayOrOneSharingItsBuffer() {
        INDArray parent = Nd4j.rand(DataType.DOUBLE, 4, 4);
        INDArray view = parent.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all());
        INDArray other = Nd4j.rand(DataType.DOUBLE, 2);
        // the kept array is a view: its parent shares its memory and must survive
        NativeArrays.close(List.of(parent, other), List.of(view));
        assertFalse(parent.wasClosed());
        assertTrue(other.wasClosed());
        assertArrayEquals(parent.getRow(1).toDoubleVector(), view.getRow(0).toDoubleVector(), 0.0);
        // the kept array itself
        INDArray kept = Nd4j.rand(DataType.DOUBLE, 3);
        NativeArrays.close(List.of(kept), List.of(kept));
        assertFalse(kept.wasClosed());
    }

    @Test
    void viewsAndEmptyArraysAreSkipped() {
        INDArray parent = Nd4j.rand(DataType.DOUBLE, 4, 4);
        INDArray view = parent.getRow(2);
        INDArray empty = Nd4j.empty(DataType.DOUBLE);
        NativeArrays.close(List.of(view, empty), List.of());
        assertFalse(view.wasClosed());
        assertFalse(parent.wasClosed());
        assertTrue(Double.isFinite(parent.sumNumber().doubleValue()));
    }

    @Test
    void paramSetReleaseClosesItsFlatVectorAndIsIdempotent() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("w", Nd4j.rand(DataType.DOUBLE, 2, 3));
        m.put("b", Nd4j.rand(DataType.DOUBLE, 3));
        ParamSet p = ParamSet.copyOf(m);
        p.release();
        assertTrue(p.flat().wasClosed());
        p.release();
        // the arrays it was copied from are the caller's and untouched
        assertFalse(m.get("w").wasClosed());
    }

    @Test
    void allFiniteFindsNaNsAndInfinitiesInViewsToo() {
        INDArray a = Nd4j.rand(DataType.DOUBLE, 3, 4);
        assertTrue(NativeArrays.allFinite(a));
        a.putScalar(1, 2, Double.NaN);
        assertFalse(NativeArrays.allFinite(a));
        assertTrue(NativeArrays.allFinite(a.getRow(0)));
        a.putScalar(0, 3, Double.NEGATIVE_INFINITY);
        assertFalse(NativeArrays.allFinite(a.getRow(0)));
        assertFalse(a.wasClosed());
    }

    @Test
    void allFiniteIsExactWhereTheSumIsNot() {
        // finite elements whose float sum overflows: still all finite (the exact test behind the sum decides)
        INDArray big = Nd4j.createFromArray(3e38f, 3e38f, 1f);
        assertTrue(Float.isInfinite(big.sumNumber().floatValue()));
        assertTrue(NativeArrays.allFinite(big));
        // infinities of both signs: their sum is NaN, and so not finite either way
        assertFalse(NativeArrays.allFinite(Nd4j.createFromArray(Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY)));
        assertFalse(NativeArrays.allFinite(Nd4j.createFromArray(1f, Float.NaN, 2f)));
        assertFalse(NativeArrays.allFinite(Nd4j.createFromArray(1f, Float.POSITIVE_INFINITY)));
        // integers are finite whatever their values
        assertTrue(NativeArrays.allFinite(Nd4j.createFromArray(Integer.MAX_VALUE, Integer.MAX_VALUE)));
    }

    @Test
    void trimmingHandsFreedPagesBackThatFreeingKept() {
        Assumptions.assumeTrue(System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux"),
                "malloc_trim is glibc's");
        // a chunk above glibc's initial mmap threshold, freed: the threshold rises to its size, so the smaller
        // chunks below come from the arena, as libnd4j's temporaries do
        Pointer.free(Pointer.malloc(1 << 20));
        int n = 256;
        long chunk = 256 << 10;
        Pointer[] chunks = new Pointer[n];
        for (int i = 0; i < n; i++) {
            chunks[i] = Pointer.malloc(chunk);
            Pointer.memset(chunks[i], 1, chunk);
        }
        // the last chunk stays: the freed ones below it are a hole that free() itself never hands back
        for (int i = 0; i < n - 1; i++) {
            Pointer.free(chunks[i]);
        }
        long held = Pointer.physicalBytes();
        assertTrue(NativeArrays.trimCHeap(), "JavaCPP's trimMemory is reachable");
        long trimmed = Pointer.physicalBytes();
        Pointer.free(chunks[n - 1]);
        long freed = (n - 1) * chunk;
        assertTrue(held - trimmed > freed / 2, "resident set " + held / 1048576 + " MB before the trim, "
                + trimmed / 1048576 + " MB after; " + freed / 1048576 + " MB were free");
    }
}
