package org.dl4jmeta.experiments;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.dl4jmeta.algorithm.Imaml;
import org.dl4jmeta.algorithm.ImamlConfig;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.SyntheticTasks;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The library's iMAML conjugate-gradient meta-gradient approaches the dense implicit gradient as the CG iterations
 * grow (small Conv-4, double precision), and the dense reference refuses what it cannot form.
 */
class DenseImplicitGradientTest {

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

    @Test
    void floatParametersAreRefusedNamingTheType() {
        Network net = Conv4.build(new long[] {1, 6, 6}, 2, Conv4.Downsampling.STRIDE, 2, 3);
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 2, DataType.FLOAT, 7);
        ParamSet phi = net.initialise(1, DataType.FLOAT);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> DenseImplicitGradient.hessian(net, phi, e.supportX(), e.supportY()));
        assertTrue(ex.getMessage().contains("FLOAT"), ex.getMessage());
    }

    @Test
    void aNetworkTooLargeForADenseHessianIsRefusedNamingItsSize() {
        Network net = Conv4.omniglot(5);
        ParamSet phi = net.initialise(1, DataType.DOUBLE);
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 5, 1, 1, DataType.DOUBLE, 7);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> DenseImplicitGradient.hessian(net, phi, e.supportX(), e.supportY()));
        assertTrue(ex.getMessage().contains(Long.toString(phi.length())) && ex.getMessage().contains("--arch tiny"),
                ex.getMessage());
    }
}
