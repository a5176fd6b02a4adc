package org.dl4jmeta.algorithm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.SyntheticTasks;
import org.dl4jmeta.update.InnerUpdate;
import org.dl4jmeta.update.TensorMath;
import org.dl4jmeta.update.UpdateStep;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The executed inner loop hands back the native memory of every array an update step makes (its temporaries and
 * the iterates phi_1..phi_{K-1}) once the step is done, keeps phi_K's copy and theta open, and computes the same
 * phi_K as plain SGD.
 */
class InnerLoopNativeReleaseTest {

    /** SGD written with an explicit temporary, recording every array its math makes. */
    private static final class RecordingSgd implements InnerUpdate {
        final double alpha;
        final List<INDArray> temporaries = new ArrayList<>();
        final List<INDArray> results = new ArrayList<>();

        RecordingSgd(double alpha) {
            this.alpha = alpha;
        }

        @Override
        public <T> T apply(TensorMath<T> math, UpdateStep<T> s) {
            T step = math.mul(s.gradient(), alpha);
            T next = math.sub(s.phi(), step);
            if (step instanceof INDArray a) {
                temporaries.add(a);
                results.add((INDArray) next);
            }
            return next;
        }
    }

    @Test
    void everyArrayAStepMakesIsClosedOnceTheStepIsDone() {
        Network net = Conv4.build(new long[] {1, 9, 9}, 3, Conv4.Downsampling.STRIDE, 4, 3);
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 2, DataType.DOUBLE, 5);
        Maml reference = new Maml(net, new MamlConfig(3, 0.3, true, false));
        ParamSet theta = reference.initialise(7, DataType.DOUBLE);
        double[] before = theta.flat().toDoubleVector();
        RecordingSgd update = new RecordingSgd(0.3);
        ParamSet phi = new InnerLoop(net, false).adapt(theta, e.supportX(), e.supportY(), 3, update, 3, null);

        int tensors = net.paramNames().size();
        assertEquals(3 * tensors, update.temporaries.size());
        for (INDArray t : update.temporaries) {
            assertTrue(t.wasClosed(), "an update temporary was left to the garbage collector");
        }
        // phi_1..phi_3 are made by the update; phi_K was copied into the result, so all of them go back too
        for (INDArray r : update.results) {
            assertTrue(r.wasClosed(), "an iterate was left to the garbage collector");
        }
        assertFalse(phi.flat().wasClosed());
        assertFalse(theta.flat().wasClosed());
        assertArrayEquals(before, theta.flat().toDoubleVector(), 0.0, "theta was written");
        assertArrayEquals(reference.adapt(theta, e).flat().toDoubleVector(), phi.flat().toDoubleVector(), 1e-12,
                "the released loop computes another phi_K than SGD");
    }
}
