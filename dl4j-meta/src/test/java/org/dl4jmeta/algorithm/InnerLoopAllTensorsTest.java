package org.dl4jmeta.algorithm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * An update that is the same for every tensor (SGD, proximal SGD) runs on all tensors laid end to end: the iterates,
 * support losses and gradients are those of the loop that updates tensor by tensor, bit for bit, in float and double,
 * and every array a step makes goes back to native memory once the step is done.
 */
class InnerLoopAllTensorsTest {

    /** The same update, applied tensor by tensor (it does not declare itself the same for every tensor). */
    private record PerTensor(InnerUpdate base) implements InnerUpdate {
        @Override
        public <T> T apply(TensorMath<T> math, UpdateStep<T> s) {
            return base.apply(math, s);
        }
    }

    private static double[] values(INDArray a) {
        return a.castTo(DataType.DOUBLE).dup().reshape(a.length()).toDoubleVector();
    }

    private static final Network NET = Conv4.build(new long[] {1, 9, 9}, 3, Conv4.Downsampling.STRIDE, 4, 3);

    private static ParamSet theta(DataType dt) {
        return new Maml(NET, new MamlConfig(3, 0.3, true, false)).initialise(7, dt);
    }

    private static Episode episode(DataType dt, long seed) {
        return SyntheticTasks.noiseEpisode(NET.inputShape(), 3, 2, 2, dt, seed);
    }

    private static InnerLoop.Trace trace() {
        return new InnerLoop.Trace(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    }

    @Test
    void allTensorsAtOnceGiveThePerTensorValuesBitForBit() {
        Network net = NET;
        for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            Episode e = episode(dt, 5);
            ParamSet theta = theta(dt);
            for (InnerUpdate u : List.of(InnerUpdate.sgd(0.3), InnerUpdate.sgd(0.3).withProximal(0.5))) {
                assertTrue(u.sameForEveryTensor(), u.toString());
                InnerLoop loop = new InnerLoop(net, true);
                InnerLoop.Trace all = trace();
                InnerLoop.Trace each = trace();
                ParamSet phiAll = loop.adapt(theta, e.supportX(), e.supportY(), 3, u, 3, all);
                ParamSet phiEach = loop.adapt(theta, e.supportX(), e.supportY(), 3, new PerTensor(u), 3, each);
                String what = u + " in " + dt;
                assertEquals(net.paramNames(), phiAll.names(), what);
                assertArrayEquals(values(phiEach.flat()), values(phiAll.flat()), 0.0, what);
                assertEquals(each.losses(), all.losses(), what);
                for (int k = 0; k < 3; k++) {
                    assertArrayEquals(values(each.gradients().get(k).flat()), values(all.gradients().get(k).flat()),
                            0.0, what + ", gradient " + k);
                    for (String n : net.paramNames()) {
                        assertArrayEquals(values(each.iterates().get(k).get(n)), values(all.iterates().get(k).get(n)),
                                0.0, what + ", phi_" + k + " of " + n);
                    }
                }
                // and without a trace, the same phi_K
                ParamSet untraced = loop.adapt(theta, e.supportX(), e.supportY(), 3, u, 3, null);
                assertArrayEquals(values(phiEach.flat()), values(untraced.flat()), 0.0, what);
            }
        }
    }

    /** An update that hands back theta itself, an array it did not make. */
    private record Reset() implements InnerUpdate {
        @Override
        public <T> T apply(TensorMath<T> math, UpdateStep<T> s) {
            return s.theta();
        }

        @Override
        public boolean sameForEveryTensor() {
            return true;
        }
    }

    /**
     * The loop reuses its sets across steps and tasks, never the one it returns: a returned phi_K keeps its values
     * through later adaptations and may be released without harm to them, also when the update returns theta.
     */
    @Test
    void aReturnedPhiIsTheCallersAlone() {
        ParamSet theta = theta(DataType.DOUBLE);
        Episode a = episode(DataType.DOUBLE, 5);
        Episode b = episode(DataType.DOUBLE, 6);
        InnerLoop loop = new InnerLoop(NET, true);
        InnerUpdate sgd = InnerUpdate.sgd(0.3);
        ParamSet first = loop.adapt(theta, a.supportX(), a.supportY(), 3, sgd, 3, null);
        double[] kept = values(first.flat());
        ParamSet other = loop.adapt(theta, b.supportX(), b.supportY(), 2, sgd, 3, null);
        assertArrayEquals(kept, values(first.flat()), 0.0, "a later adaptation wrote into an earlier phi_K");
        first.release();
        other.release();
        ParamSet again = loop.adapt(theta, a.supportX(), a.supportY(), 3, sgd, 3, null);
        assertArrayEquals(kept, values(again.flat()), 0.0, "releasing a phi_K changed the next adaptation");
        ParamSet reset = loop.adapt(theta, a.supportX(), a.supportY(), 2, new Reset(), 2, null);
        assertArrayEquals(values(theta.flat()), values(reset.flat()), 0.0);
        reset.release();
        assertFalse(theta.flat().wasClosed());
        assertArrayEquals(kept, values(loop.adapt(theta, a.supportX(), a.supportY(), 3, sgd, 3, null).flat()), 0.0);
    }

    /** SGD on all tensors at once, recording every array its math makes. */
    private static final class RecordingSgd implements InnerUpdate {
        final List<INDArray> made = new ArrayList<>();

        @Override
        public <T> T apply(TensorMath<T> math, UpdateStep<T> s) {
            assertEquals(UpdateStep.ALL_TENSORS, s.tensor());
            T step = math.mul(s.gradient(), 0.3);
            T next = math.sub(s.phi(), step);
            made.add((INDArray) step);
            made.add((INDArray) next);
            return next;
        }

        @Override
        public boolean sameForEveryTensor() {
            return true;
        }
    }

    @Test
    void everyArrayAStepMakesIsClosedExceptPhiK() {
        Network net = NET;
        Episode e = episode(DataType.DOUBLE, 5);
        ParamSet theta = theta(DataType.DOUBLE);
        double[] before = theta.flat().toDoubleVector();
        RecordingSgd update = new RecordingSgd();
        ParamSet phi = new InnerLoop(net, true).adapt(theta, e.supportX(), e.supportY(), 3, update, 3, null);
        assertEquals(6, update.made.size(), "two arrays per step");
        INDArray last = update.made.get(5);
        for (INDArray a : update.made) {
            if (a != last) {
                assertTrue(a.wasClosed(), "an array of a step was left to the garbage collector");
            }
        }
        assertTrue(phi.flat() == last, "phi_K is the last step's array, not a copy");
        assertFalse(last.wasClosed());
        assertFalse(theta.flat().wasClosed());
        assertArrayEquals(before, theta.flat().toDoubleVector(), 0.0, "theta was written");
        Map<String, INDArray> views = phi.views();
        assertEquals(net.paramNames(), List.copyOf(views.keySet()));
    }
}
