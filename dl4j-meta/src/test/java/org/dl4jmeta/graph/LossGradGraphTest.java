package org.dl4jmeta.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.SyntheticTasks;
import org.dl4jmeta.testutil.Rel;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The first-order graph, run through an execution plan with libnd4j's fused backward ops or with the hand-written
 * backward pass, gives the loss and gradient that SameDiff's own autodiff gives for the same network, in double,
 * run after run.
 */
class LossGradGraphTest {

    @Test
    void gradientEqualsSameDiffAutodiffOnConv4Networks() {
        for (Network net : List.of(Conv4.build(new long[] {1, 9, 9}, 3, Conv4.Downsampling.STRIDE, 3, 3),
                Conv4.build(new long[] {2, 10, 10}, 3, Conv4.Downsampling.MAX_POOL, 2, 3))) {
            for (boolean fused : new boolean[] {true, false}) {
                check(net, new LossGradGraph(net, 6, DataType.DOUBLE, fused), fused);
            }
        }
    }

    private static void check(Network net, LossGradGraph g, boolean fused) {
        SameDiff sd = SameDiff.create();
        long[] in = net.inputShape();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, 6, in[0], in[1], in[2]);
        SDVariable y = sd.placeHolder("y", DataType.DOUBLE, 6, net.outputs());
        Map<String, SDVariable> params = new LinkedHashMap<>();
        ParamSet init = net.initialise(1, DataType.DOUBLE);
        for (String p : net.paramNames()) {
            params.put(p, sd.var(p, init.get(p).dup()));
        }
        Network.LossAndOutput lo = net.loss(sd, x, y, 6, params);
        sd.setLossVariables(lo.loss());
        for (int run = 0; run < 3; run++) {
            ParamSet theta = net.initialise(10 + run, DataType.DOUBLE);
            Episode e = SyntheticTasks.noiseEpisode(in, 3, 2, 1, DataType.DOUBLE, 30 + run);
            LossGradGraph.Result got = g.run(theta, e.supportX(), e.supportY(), true);
            for (String p : net.paramNames()) {
                sd.getVariable(p).setArray(theta.get(p));
            }
            Map<String, INDArray> ph = new HashMap<>();
            ph.put("x", e.supportX());
            ph.put("y", e.supportY());
            Map<String, INDArray> want = sd.calculateGradients(ph, net.paramNames());
            double loss = sd.output(ph, lo.loss().name()).get(lo.loss().name()).getDouble(0);
            assertEquals(loss, got.loss(), 1e-12 * Math.abs(loss), "loss in run " + run + ", fused " + fused);
            for (String p : net.paramNames()) {
                INDArray gp = got.gradient().get(p);
                assertTrue(gp.amaxNumber().doubleValue() > 0, "gradient of " + p + " is trivially zero");
                double err = Rel.maxRelError(gp, want.get(p), 1e-14);
                assertTrue(err < 1e-10, "gradient of " + p + " relative error " + err + " in run " + run
                        + ", fused " + fused);
            }
        }
    }
}
