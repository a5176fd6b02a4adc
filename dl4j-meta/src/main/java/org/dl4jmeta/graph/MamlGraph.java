package org.dl4jmeta.graph;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The unrolled MAML objective of one task as a single graph: K inner SGD steps on the support set, each using the
 * network's explicit (differentiable) backward pass, then the query loss at the adapted parameters.
 * SameDiff autodiff of that graph gives the exact second-order meta-gradient (Finn et al. 2017, eq. 1 inside
 * the meta-objective): with phi_0 = theta, phi_{k+1} = phi_k - alpha_k grad L_s(phi_k),
 * dL_q(phi_K)/dtheta = prod_k (I - alpha_k H_s(phi_k)) grad L_q(phi_K).
 *
 * <p>Theta (and learned step sizes) are graph variables whose arrays are replaced before each run; data are
 * placeholders. Not thread-safe: one instance per thread. Call order: construct once per (network, episode shape,
 * steps, step-size mode), then {@link #run} any number of times.
 */
public final class MamlGraph {

    private final Network network;
    private final Episode.ShapeKey key;
    private final int steps;
    private final List<String> variableNames = new ArrayList<>();
    private final String queryLoss;
    private final String queryOutput;
    private final String supportLossBefore;
    private final GradientPlan plan;

    /**
     * Builds the graph.
     *
     * @param network the network
     * @param key the episode shape
     * @param steps inner steps K, &gt;= 1
     * @param alpha the fixed inner step size (ignored where learned step sizes are given)
     * @param learnedRateNames per step, parameter name to the name of its learned step-size tensor (shape [1]),
     *     or null for the fixed alpha
     */
    public MamlGraph(Network network, Episode.ShapeKey key, int steps, double alpha,
                     List<Map<String, String>> learnedRateNames) {
        if (steps < 1) {
            throw new IllegalArgumentException("inner steps must be >= 1, got " + steps);
        }
        this.network = network;
        this.key = key;
        this.steps = steps;
        SameDiff sd = SameDiff.create();
        var dt = key.dataType();
        SDVariable xs = sd.placeHolder("xs", dt, withBatch(key.support(), key.input()));
        SDVariable ys = sd.placeHolder("ys", dt, key.support(), key.outputs());
        SDVariable xq = sd.placeHolder("xq", dt, withBatch(key.query(), key.input()));
        SDVariable yq = sd.placeHolder("yq", dt, key.query(), key.outputs());
        Map<String, SDVariable> phi = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : network.paramSpecs().entrySet()) {
            phi.put(e.getKey(), sd.var(e.getKey(), Nd4j.zeros(dt, e.getValue())));
            variableNames.add(e.getKey());
        }
        String supportLoss0 = null;
        for (int k = 0; k < steps; k++) {
            Network.LossAndGradient lg = network.lossAndGradient(sd, xs, ys, key.support(), phi);
            if (k == 0) {
                supportLoss0 = lg.loss().name();
            }
            Map<String, SDVariable> next = new LinkedHashMap<>();
            for (Map.Entry<String, SDVariable> e : phi.entrySet()) {
                SDVariable g = lg.gradients().get(e.getKey());
                SDVariable step;
                if (learnedRateNames == null) {
                    step = g.mul(alpha);
                } else {
                    String an = learnedRateNames.get(k).get(e.getKey());
                    SDVariable a = sd.hasVariable(an) ? sd.getVariable(an) : sd.var(an, Nd4j.zeros(dt, 1));
                    if (!variableNames.contains(an)) {
                        variableNames.add(an);
                    }
                    step = g.mul(a);
                }
                next.put(e.getKey(), e.getValue().sub(step));
            }
            phi = next;
        }
        this.supportLossBefore = supportLoss0;
        Network.LossAndOutput after = network.loss(sd, xq, yq, key.query(), phi);
        this.queryLoss = after.loss().name();
        this.queryOutput = after.output().name();
        sd.setLossVariables(after.loss());
        this.plan = new GradientPlan(sd, variableNames,
                List.of(queryLoss, queryOutput, supportLossBefore));
    }

    private static long[] withBatch(long batch, long[] perExample) {
        long[] s = new long[perExample.length + 1];
        s[0] = batch;
        System.arraycopy(perExample, 0, s, 1, perExample.length);
        return s;
    }

    /** @return the episode shape this graph was built for */
    public Episode.ShapeKey key() {
        return key;
    }

    /** @return the number of inner steps */
    public int steps() {
        return steps;
    }

    /**
     * Computes the meta-gradient of one task.
     *
     * @param theta meta-parameters: the network's parameters plus any learned step sizes this graph uses
     * @param e the episode (its shape must equal {@link #key()})
     * @return the gradient of the query loss after adaptation with respect to every entry of theta, and metrics
     */
    public Result run(ParamSet theta, Episode e) {
        GradientPlan.Result r = plan.run(inputs(theta, variableNames, e));
        Map<String, INDArray> g = new LinkedHashMap<>();
        for (String n : theta.names()) {
            INDArray gi = r.gradients().get(n);
            g.put(n, gi == null ? Nd4j.zeros(theta.dataType(), theta.shape(n)) : gi);
        }
        Map<String, INDArray> o = r.outputs();
        return new Result(ParamSet.copyOf(g), o.get(supportLossBefore).getDouble(0), o.get(queryLoss).getDouble(0),
                o.get(queryOutput));
    }

    /** @return the network */
    public Network network() {
        return network;
    }

    /**
     * The arrays a run of an unrolled episode graph takes: the variables from theta, and the episode under the
     * placeholder names {@code xs, ys, xq, yq} that this graph (and graphs built like it) use.
     *
     * @param theta parameter values
     * @param variables the names of theta's entries the graph takes
     * @param e the episode
     * @return name to array
     */
    public static Map<String, INDArray> inputs(ParamSet theta, Collection<String> variables, Episode e) {
        Map<String, INDArray> in = new HashMap<>();
        for (String n : variables) {
            in.put(n, theta.get(n));
        }
        in.put("xs", e.supportX());
        in.put("ys", e.supportY());
        in.put("xq", e.queryX());
        in.put("yq", e.queryY());
        return in;
    }

    /**
     * One task's results.
     *
     * @param gradient meta-gradient, in theta's layout
     * @param supportLossBefore support loss at theta
     * @param queryLossAfter query loss at the adapted parameters (the task's meta-loss)
     * @param queryOutputAfter query outputs at the adapted parameters
     */
    public record Result(ParamSet gradient, double supportLossBefore, double queryLossAfter,
                         INDArray queryOutputAfter) {
    }
}
