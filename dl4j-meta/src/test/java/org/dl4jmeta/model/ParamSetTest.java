package org.dl4jmeta.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** Vector-space operations of {@link ParamSet} against hand-computed values, views, and layout errors. */
class ParamSetTest {

    static ParamSet sample(double offset) {
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> m = new LinkedHashMap<>();
        m.put("a/W", Nd4j.createFromArray(new double[][] {{1 + offset, 2}, {3, 4}}));
        m.put("a/b", Nd4j.createFromArray(new double[] {5, 6 + offset}));
        return ParamSet.copyOf(m);
    }

    @Test
    void vectorOperationsMatchHandComputedValues() {
        ParamSet x = sample(0);
        ParamSet y = sample(1);
        assertEquals(List.of("a/W", "a/b"), x.names());
        assertEquals(6, x.length());
        // <x,y> = 1*2 + 2*2 + 3*3 + 4*4 + 5*5 + 6*7
        assertEquals(2 + 4 + 9 + 16 + 25 + 42, x.dot(y), 1e-12);
        assertEquals(Math.sqrt(1 + 4 + 9 + 16 + 25 + 36), x.norm2(), 1e-12);
        ParamSet z = x.axpy(2, y);
        assertEquals(1 + 2 * 2, z.get("a/W").getDouble(0, 0), 1e-12);
        assertEquals(6 + 2 * 7, z.get("a/b").getDouble(1), 1e-12);
        assertEquals(1, x.get("a/W").getDouble(0, 0), 0.0, "axpy returns a new set");
        x.scalei(3);
        assertEquals(12, x.get("a/W").getDouble(1, 1), 1e-12);
    }

    @Test
    void firstNonFiniteNamesTheFirstTensorHoldingNanOrInfinity() {
        ParamSet x = sample(0);
        assertEquals(null, x.firstNonFinite());
        x.get("a/b").putScalar(1, Double.POSITIVE_INFINITY);
        assertEquals("a/b", x.firstNonFinite());
        x.get("a/W").putScalar(0, 1, Double.NaN);
        assertEquals("a/W", x.firstNonFinite());
    }

    @Test
    void namedTensorsAreViewsOfTheFlatVector() {
        ParamSet x = sample(0);
        x.get("a/b").putScalar(0, 50);
        assertEquals(50, x.flat().getDouble(4), 0.0);
        x.flat().putScalar(1, 20);
        assertEquals(20, x.get("a/W").getDouble(0, 1), 0.0);
        ParamSet c = x.copy();
        c.flat().putScalar(0, -1);
        assertEquals(1, x.flat().getDouble(0), 0.0, "copy is deep");
    }

    @Test
    void mismatchedSetsAreRejectedNamingTheDifference() {
        ParamSet x = sample(0);
        Map<String, long[]> other = new LinkedHashMap<>();
        other.put("a/W", new long[] {2, 3});
        other.put("a/b", new long[] {2});
        ParamSet y = ParamSet.zeros(other, DataType.DOUBLE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.axpyi(1, y));
        assertTrue(e.getMessage().contains("a/W") && e.getMessage().contains("[2, 3]"), e.getMessage());
        ParamSet f = x.castTo(DataType.FLOAT);
        e = assertThrows(IllegalArgumentException.class, () -> x.dot(f));
        assertTrue(e.getMessage().contains("FLOAT"), e.getMessage());
        ParamSet sub = x.select(List.of("a/b"));
        e = assertThrows(IllegalArgumentException.class, () -> x.dot(sub));
        assertTrue(e.getMessage().contains("[a/b]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> x.get("nope"));
        assertTrue(e.getMessage().contains("'nope'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ParamSet.zeros(Map.of("w", new long[] {0}),
                DataType.DOUBLE));
        assertTrue(e.getMessage().contains("[0]"), e.getMessage());
    }

    @Test
    void initialisationIsSeeded() {
        Network net = Conv4.omniglot(5);
        ParamSet a = net.initialise(42, DataType.FLOAT);
        ParamSet b = net.initialise(42, DataType.FLOAT);
        ParamSet c = net.initialise(43, DataType.FLOAT);
        assertEquals(0.0, a.axpy(-1, b).norm2(), 0.0);
        assertTrue(a.axpy(-1, c).norm2() > 1);
        // Conv4 on Omniglot: 4 x (conv W, b, bn gamma, beta) + head W, b; 64 features into the head
        assertEquals(18, a.names().size());
        assertEquals(List.of(64L, 5L), java.util.Arrays.stream(a.shape("head/W")).boxed().toList());
        assertEquals(List.of(800L, 5L), java.util.Arrays.stream(Conv4.miniImageNet(5).paramSpecs().get("head/W"))
                .boxed().toList(), "Mini-ImageNet: 32 x 5 x 5 features");
    }
}
