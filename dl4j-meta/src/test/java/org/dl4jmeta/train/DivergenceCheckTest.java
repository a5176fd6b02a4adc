package org.dl4jmeta.train;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.dl4jmeta.model.ParamSet;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** The divergence check fires on blown-up losses and parameters, and not on noisy training that improves. */
class DivergenceCheckTest {

    private static ParamSet theta(double value) {
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> m = new LinkedHashMap<>();
        m.put("w", Nd4j.valueArrayOf(new long[] {3}, 0.5, DataType.DOUBLE));
        m.put("b", Nd4j.valueArrayOf(new long[] {2}, value, DataType.DOUBLE));
        return ParamSet.copyOf(m);
    }

    private static IterationMetrics loss(int iteration, double loss, double before) {
        return new IterationMetrics(iteration, loss, Double.NaN, before, Double.NaN, 0.5, 1, 1);
    }

    @Test
    void noisyImprovingLossesNeverFire() {
        DivergenceCheck.Monitor m = DivergenceCheck.defaults().start();
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 1; i <= 5000; i++) {
            // from 1.6 down to about 0.05, each meta-batch off by up to a factor of 3 either way
            double mean = 0.05 + 1.55 * Math.exp(-i / 500.0);
            double noisy = mean * Math.exp(r.nextDouble(-1.1, 1.1));
            assertNull(m.observe(loss(i, noisy, i % 50 == 0 ? mean * 1.5 : Double.NaN), theta(0.1)), "iteration " + i);
        }
    }

    @Test
    void aLossThatBlowsUpFiresNamingTheIteration() {
        DivergenceCheck.Monitor m = DivergenceCheck.defaults().start();
        String why = null;
        int i = 0;
        while (why == null && i < 200) {
            i++;
            why = m.observe(loss(i, i <= 20 ? 1.0 : Math.pow(1.5, i - 20), Double.NaN), theta(0.1));
        }
        assertNotNull(why);
        assertTrue(why.startsWith("iteration " + i + ": the smoothed meta-loss"), why);
        assertTrue(i > 20 && i < 60, "fired at " + i);
    }

    @Test
    void anInnerLoopThatMakesTheLossWorseFiresOnAMeasuredIteration() {
        DivergenceCheck.Monitor m = DivergenceCheck.defaults().start();
        // an inner step of 1e6: the loss after adaptation is enormous from the first iteration on, so its running
        // minimum is too; only the loss before adaptation shows it
        assertNull(m.observe(loss(1, 3.3e10, Double.NaN), theta(0.1)));
        String why = m.observe(loss(2, 3.1e10, 1.61), theta(0.1));
        assertNotNull(why);
        assertTrue(why.contains("iteration 2: adaptation raised the query loss from 1.610 to 3.100e+10"), why);
        assertTrue(why.contains("lower the inner step size"), why);
    }

    @Test
    void hugeOrNonFiniteParametersFireNamingTheTensor() {
        DivergenceCheck.Monitor m = DivergenceCheck.defaults().start();
        String huge = m.observe(loss(7, 1.0, Double.NaN), theta(1.7e29));
        assertTrue(huge.contains("iteration 7: meta-parameter 'b' reached magnitude 1.700e+29, above the bound 1.000e+05"),
                huge);
        String nan = m.parameters(theta(Double.NaN));
        assertTrue(nan.contains("meta-parameter 'b' is not finite"), nan);
        assertNull(DivergenceCheck.off().start().observe(loss(1, 1e30, 1.0), theta(1e30)));
    }

    @Test
    void badSettingsAreNamed() {
        IllegalArgumentException f = assertThrows(IllegalArgumentException.class, () -> new DivergenceCheck(0.5, 1));
        assertTrue(f.getMessage().contains("got 0.5"), f.getMessage());
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class, () -> new DivergenceCheck(10, -1));
        assertTrue(b.getMessage().contains("got -1.0"), b.getMessage());
    }
}
