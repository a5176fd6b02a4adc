package org.dl4jmeta.hvp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.dl4jmeta.algorithm.Imaml;
import org.dl4jmeta.algorithm.ImamlConfig;
import org.dl4jmeta.check.DenseImplicitGradient;
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
 * explicit gradient, and the iMAML conjugate-gradient meta-gradient approaches the dense implicit gradient as the
 * CG iterations grow.
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

    @Test
    void cgMetaGradientApproachesTheDenseImplicitGradient() {
        Network net = Conv4.build(new long[] {1, 6, 6}, 2, Conv4.Downsampling.STRIDE, 2, 3);
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 2, DataType.DOUBLE, 7);
        double lambda = 2.0;
        Imaml base = new Imaml(net, ImamlConfig.builder(lambda).optInnerSteps(5).build());
        ParamSet theta = base.initialise(8, DataType.DOUBLE);
        ParamSet phi = base.adapt(theta, e);
        ParamSet v = new LossGradGraph(net, e.queryX().size(0), DataType.DOUBLE)
                .run(phi, e.queryX(), e.queryY(), true).gradient();
        ParamSet exact = DenseImplicitGradient.solve(net, phi, e.supportX(), e.supportY(), v, lambda, 0);
        List<Double> errors = new ArrayList<>();
        for (int it : new int[] {1, 2, 5, 20, 60}) {
            Imaml imaml = new Imaml(net, ImamlConfig.builder(lambda).optInnerSteps(5).optCgIterations(it)
                    .optCgTolerance(0).build());
            ParamSet g = imaml.metaGradient(theta, e).gradient();
            errors.add(g.axpy(-1, exact).norm2() / exact.norm2());
        }
        for (int i = 1; i < errors.size(); i++) {
            assertTrue(errors.get(i) <= errors.get(i - 1) * 1.0001 || errors.get(i) < 1e-10, "errors " + errors);
        }
        assertTrue(errors.get(0) > 1e-3, "one CG iteration is not yet exact: " + errors);
        assertTrue(errors.get(errors.size() - 1) < 1e-8, "errors " + errors);
    }
}
