package org.dl4jmeta.hvp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.SyntheticTasks;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * On small Conv-4 networks in double precision: exact Hessian-vector products equal central differences of the
 * explicit gradient. (The iMAML conjugate-gradient meta-gradient against the dense implicit gradient is checked in
 * the experiments module, which holds the dense reference.)
 */
class HvpTest {

    @Test
    void exactHvpMatchesFiniteDifferencesOfTheGradient() {
        for (Network net : List.of(Conv4.build(new long[] {1, 9, 9}, 3, Conv4.Downsampling.STRIDE, 3, 3),
                Conv4.build(new long[] {2, 10, 10}, 3, Conv4.Downsampling.MAX_POOL, 2, 3))) {
            ParamSet w = net.initialise(3, DataType.DOUBLE);
            Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 1, DataType.DOUBLE, 4);
            HvpGraph h = new HvpGraph(net, e.supportX().size(0), DataType.DOUBLE);
            LossGradGraph g = new LossGradGraph(net, e.supportX().size(0), DataType.DOUBLE);
            SplittableRandom rng = new SplittableRandom(5);
            for (int r = 0; r < 3; r++) {
                double[] d = new double[(int) w.length()];
                for (int i = 0; i < d.length; i++) {
                    d[i] = rng.nextGaussian();
                }
                ParamSet v = w.withFlat(Nd4j.createFromArray(d));
                v.scalei(1 / v.norm2());
                ParamSet hv = h.run(w, e.supportX(), e.supportY(), v).hessianVector();
                double eps = 1e-5;
                ParamSet fd = g.run(w.axpy(eps, v), e.supportX(), e.supportY(), true).gradient()
                        .axpyi(-1, g.run(w.axpy(-eps, v), e.supportX(), e.supportY(), true).gradient())
                        .scalei(1 / (2 * eps));
                double rel = hv.axpy(-1, fd).norm2() / (hv.norm2() + fd.norm2());
                assertTrue(rel < 1e-6, "relative error " + rel + " (|Hv| = " + hv.norm2() + ")");
                assertTrue(hv.norm2() > 1e-3, "the product is not trivially zero");
            }
        }
    }
}
