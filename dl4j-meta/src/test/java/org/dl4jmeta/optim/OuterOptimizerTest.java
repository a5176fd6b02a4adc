package org.dl4jmeta.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.dl4jmeta.model.ParamSet;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The outer optimiser against Adam's closed form (Kingma and Ba 2015, Algorithm 1) step after step, and its
 * refusal of a non-finite update leaving theta and the state exactly as they were, with the reused working
 * arrays.
 */
class OuterOptimizerTest {

    private static ParamSet set(double... values) {
        Map<String, long[]> specs = new LinkedHashMap<>();
        specs.put("a", new long[] {2});
        specs.put("b", new long[] {values.length - 2});
        ParamSet p = ParamSet.zeros(specs, DataType.DOUBLE);
        for (int i = 0; i < values.length; i++) {
            p.flat().putScalar(i, values[i]);
        }
        return p;
    }

    @Test
    void everyStepIsAdamsClosedForm() {
        double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        double[][] grads = {{0.5, -1, 2}, {-0.25, 3, 0.1}, {1, 1, -4}, {0, 2, 0.5}};
        double[] theta = {1, -2, 0.5};
        double[] m = new double[3];
        double[] v = new double[3];
        ParamSet p = set(theta);
        OuterOptimizer opt = new OuterOptimizer(new Adam(lr, b1, b2, eps), 3, DataType.DOUBLE);
        for (int t = 0; t < grads.length; t++) {
            assertTrue(opt.step(p, set(grads[t]), t));
            for (int i = 0; i < 3; i++) {
                m[i] = b1 * m[i] + (1 - b1) * grads[t][i];
                v[i] = b2 * v[i] + (1 - b2) * grads[t][i] * grads[t][i];
                double alpha = lr * Math.sqrt(1 - Math.pow(b2, t + 1)) / (1 - Math.pow(b1, t + 1));
                theta[i] -= alpha * m[i] / (Math.sqrt(v[i]) + eps);
            }
            double[] got = p.flat().toDoubleVector();
            for (int i = 0; i < 3; i++) {
                assertEquals(theta[i], got[i], 1e-12, "step " + t + ", element " + i);
            }
        }
    }

    @Test
    void aNonFiniteUpdateChangesNothingAndTheNextStepIsAsIfItNeverHappened() {
        ParamSet refused = set(1, -2, 0.5);
        ParamSet clean = set(1, -2, 0.5);
        OuterOptimizer a = new OuterOptimizer(new Adam(0.01), 3, DataType.DOUBLE);
        OuterOptimizer b = new OuterOptimizer(new Adam(0.01), 3, DataType.DOUBLE);
        assertTrue(a.step(refused, set(0.5, -1, 2), 0));
        assertTrue(b.step(clean, set(0.5, -1, 2), 0));
        assertTrue(a.step(refused, set(-0.25, 3, 0.1), 1));
        assertTrue(b.step(clean, set(-0.25, 3, 0.1), 1));
        double[] thetaBefore = refused.flat().toDoubleVector();
        double[] stateBefore = a.state().toDoubleVector();

        assertFalse(a.step(refused, set(1, Double.NaN, 0), 2));
        assertArrayEquals(thetaBefore, refused.flat().toDoubleVector());
        assertArrayEquals(stateBefore, a.state().toDoubleVector());

        assertTrue(a.step(refused, set(1, 1, -4), 2));
        assertTrue(b.step(clean, set(1, 1, -4), 2));
        assertArrayEquals(clean.flat().toDoubleVector(), refused.flat().toDoubleVector());
        assertArrayEquals(b.state().toDoubleVector(), a.state().toDoubleVector());
    }
}
