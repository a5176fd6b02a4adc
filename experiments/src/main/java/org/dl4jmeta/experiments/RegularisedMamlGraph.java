package org.dl4jmeta.experiments;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.graph.GradientPlan;
import org.dl4jmeta.graph.MamlGraph;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * MAML through K gradient-descent steps on iMAML's regularised inner objective (Rajeswaran, Finn, Kakade, Levine
 * 2019, Section 4 and Fig. 2a): phi_0 = theta, phi_{k+1} = phi_k - eta (grad L_s(phi_k) + lambda (phi_k - theta)),
 * meta-gradient d L_q(phi_K) / d theta by SameDiff autodiff of the unrolled loop. The library's {@code Maml} runs its
 * inner loop on L_s alone, so the regulariser, which depends on theta, cannot be expressed there; this graph reuses
 * the library's differentiable backward pass ({@link Network#lossAndGradient}) for grad L_s and adds
 * lambda (phi - theta) as ordinary ops, exactly as the library's MAML graph unrolls its steps.
 *
 * <p>Built once for an episode shape; not thread-safe. Call order: construct, then {@link #run} any number of times.
 */
final class RegularisedMamlGraph {

    private final List<String> variableNames = new ArrayList<>();
    private final Map<String, String> phiNames = new LinkedHashMap<>();
    private final GradientPlan plan;

    /** The meta-gradient and the adapted parameters phi_K. */
    record Result(ParamSet gradient, ParamSet phi) {
    }

    RegularisedMamlGraph(Network network, Episode.ShapeKey key, int steps, double eta, double lambda) {
        if (steps < 1) {
            throw new IllegalArgumentException("inner steps must be >= 1, got " + steps);
        }
        SameDiff sd = SameDiff.create();
        var dt = key.dataType();
        SDVariable xs = sd.placeHolder("xs", dt, key.support(), key.input()[0]);
        SDVariable ys = sd.placeHolder("ys", dt, key.support(), key.outputs());
        SDVariable xq = sd.placeHolder("xq", dt, key.query(), key.input()[0]);
        SDVariable yq = sd.placeHolder("yq", dt, key.query(), key.outputs());
        Map<String, SDVariable> theta = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : network.paramSpecs().entrySet()) {
            theta.put(e.getKey(), sd.var(e.getKey(), Nd4j.zeros(dt, e.getValue())));
            variableNames.add(e.getKey());
        }
        Map<String, SDVariable> phi = theta;
        for (int k = 0; k < steps; k++) {
            Network.LossAndGradient lg = network.lossAndGradient(sd, xs, ys, key.support(), phi);
            Map<String, SDVariable> next = new LinkedHashMap<>();
            for (Map.Entry<String, SDVariable> e : phi.entrySet()) {
                SDVariable grad = lg.gradients().get(e.getKey())
                        .add(e.getValue().sub(theta.get(e.getKey())).mul(lambda));
                next.put(e.getKey(), e.getValue().sub(grad.mul(eta)));
            }
            phi = next;
        }
        for (Map.Entry<String, SDVariable> e : phi.entrySet()) {
            phiNames.put(e.getKey(), e.getValue().name());
        }
        sd.setLossVariables(network.loss(sd, xq, yq, key.query(), phi).loss());
        plan = new GradientPlan(sd, variableNames, new ArrayList<>(phiNames.values()));
    }

    Result run(ParamSet theta, Episode e) {
        GradientPlan.Result r = plan.run(MamlGraph.inputs(theta, variableNames, e));
        Map<String, INDArray> g = new LinkedHashMap<>();
        Map<String, INDArray> p = new LinkedHashMap<>();
        for (String n : variableNames) {
            g.put(n, r.gradients().get(n));
            p.put(n, r.outputs().get(phiNames.get(n)));
        }
        return new Result(ParamSet.copyOf(g), ParamSet.copyOf(p));
    }
}
