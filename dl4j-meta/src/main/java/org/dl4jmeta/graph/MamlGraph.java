package org.dl4jmeta.graph;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.update.InnerUpdate;
import org.dl4jmeta.update.MetaParameter;
import org.dl4jmeta.update.TensorMath;
import org.dl4jmeta.update.UpdateStep;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The unrolled MAML objective of one task as a single graph: K inner steps on the support set, each using the
 * network's explicit (differentiable) backward pass and an {@link InnerUpdate} written as SameDiff ops, then the query
 * loss at the adapted parameters. SameDiff autodiff of that graph gives the exact second-order meta-gradient (Finn et
 * al. 2017, eq. 1 inside the meta-objective): for SGD, phi_0 = theta, phi_{k+1} = phi_k - alpha grad L_s(phi_k),
 * dL_q(phi_K)/dtheta = prod_k (I - alpha H_s(phi_k)) grad L_q(phi_K); for any update, the product of its Jacobians.
 *
 * <p>Theta (and the update's meta-parameters, e.g. learned step sizes) are graph variables whose arrays are replaced
 * before each run; data are placeholders. Tensors the update does not adapt stay theta's variables (no ops). Not
 * thread-safe: one instance per thread. Call order: construct once per (network, episode shape, steps, update), then
 * {@link #run} any number of times.
 */
public final class MamlGraph {

    private final Network network;
    private final Episode.ShapeKey key;
    private final int steps;
    private final List<String> variableNames = new ArrayList<>();
    private final String queryLoss;
    private final String queryOutput;
    private final String supportLossBefore;
    /** Adapted tensor name to the graph variable of its phi_K, when requested. */
    private final Map<String, String> adaptedNames = new LinkedHashMap<>();
    private final GradientPlan plan;

    /**
     * Builds the graph.
     *
     * @param network the network
     * @param key the episode shape
     * @param steps inner steps K, &gt;= 1
     * @param update the inner update; the meta-parameters it declares for K steps become graph variables
     * @param outputAdapted whether each run also returns phi_K (costs one retained array per adapted tensor)
     * @throws IllegalArgumentException if steps &lt; 1, or the update names tensors the network lacks or adapts none
     */
    public MamlGraph(Network network, Episode.ShapeKey key, int steps, InnerUpdate update, boolean outputAdapted) {
        if (steps < 1) {
            throw new IllegalArgumentException("inner steps must be >= 1, got " + steps);
        }
        this.network = network;
        this.key = key;
        this.steps = steps;
        update.requireTensors(network.paramNames());
        SameDiff sd = SameDiff.create();
        var dt = key.dataType();
        SDVariable xs = sd.placeHolder("xs", dt, withBatch(key.support(), key.input()));
        SDVariable ys = sd.placeHolder("ys", dt, key.support(), key.outputs());
        SDVariable xq = sd.placeHolder("xq", dt, withBatch(key.query(), key.input()));
        SDVariable yq = sd.placeHolder("yq", dt, key.query(), key.outputs());
        Map<String, SDVariable> theta = new LinkedHashMap<>();
        Map<String, long[]> adapted = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : network.paramSpecs().entrySet()) {
            theta.put(e.getKey(), sd.var(e.getKey(), Nd4j.zeros(dt, e.getValue())));
            variableNames.add(e.getKey());
            if (update.adapts(e.getKey())) {
                adapted.put(e.getKey(), e.getValue());
            }
        }
        if (adapted.isEmpty()) {
            throw new IllegalArgumentException("inner update " + update + " adapts none of the network's tensors "
                    + network.paramNames());
        }
        Map<String, long[]> declared = new LinkedHashMap<>();
        for (MetaParameter m : update.metaParameters(adapted, steps)) {
            declared.put(m.name(), m.shape());
        }
        // Meta-parameter variables are created on first use, so the graph holds only those the steps read.
        Function<String, SDVariable> metaParameter = n -> {
            if (sd.hasVariable(n)) {
                return sd.getVariable(n);
            }
            long[] shape = declared.get(n);
            if (shape == null) {
                throw new IllegalStateException("inner update " + update + " read meta-parameter '" + n
                        + "' that it did not declare; declared: " + declared.keySet());
            }
            variableNames.add(n);
            return sd.var(n, Nd4j.zeros(dt, shape));
        };
        TensorMath<SDVariable> math = TensorMath.samediff();
        Map<String, SDVariable> phi = theta;
        String supportLoss0 = null;
        for (int k = 0; k < steps; k++) {
            Network.LossAndGradient lg = network.lossAndGradient(sd, xs, ys, key.support(), phi);
            if (k == 0) {
                supportLoss0 = lg.loss().name();
            }
            Map<String, SDVariable> next = new LinkedHashMap<>();
            for (Map.Entry<String, SDVariable> e : phi.entrySet()) {
                String n = e.getKey();
                next.put(n, adapted.containsKey(n) ? update.apply(math, new UpdateStep<>(k, steps, n, theta.get(n),
                        e.getValue(), lg.gradients().get(n), metaParameter)) : e.getValue());
            }
            phi = next;
        }
        this.supportLossBefore = supportLoss0;
        Network.LossAndOutput after = network.loss(sd, xq, yq, key.query(), phi);
        this.queryLoss = after.loss().name();
        this.queryOutput = after.output().name();
        sd.setLossVariables(after.loss());
        List<String> outputs = new ArrayList<>(List.of(queryLoss, queryOutput, supportLossBefore));
        if (outputAdapted) {
            for (String n : adapted.keySet()) {
                adaptedNames.put(n, phi.get(n).name());
                outputs.add(phi.get(n).name());
            }
        }
        this.plan = new GradientPlan(sd, variableNames, outputs);
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

    /** @return the number of ops a run executes (forward, inner steps and their autodiff) */
    public int opCount() {
        return plan.size();
    }

    /** @return the number of inner steps */
    public int steps() {
        return steps;
    }

    /**
     * Computes the meta-gradient of one task.
     *
     * @param theta meta-parameters: the network's parameters plus the inner update's meta-parameters
     * @param e the episode (its shape must equal {@link #key()})
     * @return the gradient of the query loss after adaptation with respect to every entry of theta, and metrics
     */
    public Result run(ParamSet theta, Episode e) {
        Map<String, INDArray> inputs = inputs(theta, variableNames, e);
        GradientPlan.Result r = plan.run(inputs);
        Map<String, INDArray> g = new LinkedHashMap<>();
        for (String n : theta.names()) {
            INDArray gi = r.gradients().get(n);
            g.put(n, gi == null ? Nd4j.zeros(theta.dataType(), theta.shape(n)) : gi);
        }
        Map<String, INDArray> o = r.outputs();
        ParamSet adapted = null;
        if (!adaptedNames.isEmpty()) {
            Map<String, INDArray> phi = new LinkedHashMap<>();
            for (String n : network.paramNames()) {
                String v = adaptedNames.get(n);
                phi.put(n, v == null ? theta.get(n) : o.get(v));
            }
            adapted = ParamSet.copyOf(phi);
        }
        Result result = new Result(ParamSet.copyOf(g), o.get(supportLossBefore).getDouble(0),
                o.get(queryLoss).getDouble(0), o.get(queryOutput), adapted);
        // copied or read: back to native memory now rather than when the garbage collector finds them
        List<INDArray> done = new ArrayList<>(g.values());
        done.add(o.get(supportLossBefore));
        done.add(o.get(queryLoss));
        for (String v : adaptedNames.values()) {
            done.add(o.get(v));
        }
        done.removeIf(a -> a == result.queryOutputAfter());
        ExecutionPlan.release(done, inputs);
        return result;
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
     * @param adapted phi_K, the adapted network parameters, or null unless the graph was built to output them
     */
    public record Result(ParamSet gradient, double supportLossBefore, double queryLossAfter,
                         INDArray queryOutputAfter, ParamSet adapted) {
    }
}
