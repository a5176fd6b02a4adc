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
    private final boolean multiStepLoss;
    private final List<String> perStepTensors;

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
        this(network, key, steps, update, outputAdapted, List.of(), false);
    }

    /**
     * The name of a per-step copy of a tensor in theta (MAML++'s per-step batch-norm weights and biases, Antoniou,
     * Edwards, Storkey 2019, section 4 "BNWB").
     *
     * @param step the inner step whose forward pass uses it, &gt;= 1 (step 0 uses the network's own tensor)
     * @param tensor the network parameter name
     * @return e.g. {@code bn/step1/bn2/gamma}
     */
    public static String perStepName(int step, String tensor) {
        return "bn/step" + step + "/" + tensor;
    }

    /**
     * The name in theta of the tensor that the forward pass at phi_k uses for a per-step tensor: set min(k, K-1),
     * the network's own tensor for set 0.
     *
     * @param k the iterate index, &gt;= 0 (k &gt;= K: longer adaptation at test time)
     * @param steps K, the number of inner steps the sets were declared for
     * @param tensor the network parameter name
     * @return the name of the tensor to use
     */
    public static String perStepSource(int k, int steps, String tensor) {
        int set = Math.min(k, steps - 1);
        return set == 0 ? tensor : perStepName(set, tensor);
    }

    /** The placeholder of the multi-step loss's per-step weights, shape [K]. */
    public static final String STEP_WEIGHTS = "stepWeights";

    /**
     * Builds the graph, optionally with MAML++'s per-step tensors and multi-step loss (Antoniou, Edwards, Storkey
     * 2019, section 4).
     *
     * <p>Per-step tensors (their batch-norm weights and biases, BNWB): these tensors do not adapt; the forward pass
     * at phi_k (support step k, and the query loss at phi_k) uses set min(k, K-1), set 0 being theta's own tensor
     * and set j &gt;= 1 the graph variable {@link #perStepName}(j, tensor), so the query after the last step shares
     * set K-1 with the last support step. Multi-step loss: the graph's loss is sum_{j=0}^{K-1} w_j L_query(phi_{j+1})
     * with the weights w fed as placeholder {@link #STEP_WEIGHTS} on every run; without it the loss is
     * L_query(phi_K).
     *
     * @param network the network
     * @param key the episode shape
     * @param steps inner steps K, &gt;= 1
     * @param update the inner update; the meta-parameters it declares for K steps become graph variables
     * @param outputAdapted whether each run also returns phi_K (costs one retained array per adapted tensor)
     * @param perStepTensors network tensors with one set per inner step (empty for none); the update must not adapt
     *     them
     * @param multiStepLoss whether the loss is the weighted sum of the query losses after every step
     * @throws IllegalArgumentException if steps &lt; 1, the update names tensors the network lacks or adapts none,
     *     or a per-step tensor is unknown or adapted
     */
    public MamlGraph(Network network, Episode.ShapeKey key, int steps, InnerUpdate update, boolean outputAdapted,
                     List<String> perStepTensors, boolean multiStepLoss) {
        if (steps < 1) {
            throw new IllegalArgumentException("inner steps must be >= 1, got " + steps);
        }
        this.network = network;
        this.key = key;
        this.steps = steps;
        this.multiStepLoss = multiStepLoss;
        this.perStepTensors = List.copyOf(perStepTensors);
        update.requireTensors(network.paramNames());
        for (String t : perStepTensors) {
            if (!network.paramSpecs().containsKey(t) || update.adapts(t)) {
                throw new IllegalArgumentException("per-step tensor '" + t + "' must be a network tensor that the "
                        + "inner update does not adapt; the network's: " + network.paramNames());
            }
        }
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
        List<SDVariable> stepLosses = new ArrayList<>();
        for (int k = 0; k < steps; k++) {
            Network.LossAndGradient lg = network.lossAndGradient(sd, xs, ys, key.support(),
                    withSets(sd, phi, perStepTensors, k, steps, dt));
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
            if (multiStepLoss && k < steps - 1) {
                stepLosses.add(network.loss(sd, xq, yq, key.query(), withSets(sd, phi, perStepTensors, k + 1, steps,
                        dt)).loss());
            }
        }
        this.supportLossBefore = supportLoss0;
        phi = withSets(sd, phi, perStepTensors, steps, steps, dt);
        Network.LossAndOutput after = network.loss(sd, xq, yq, key.query(), phi);
        this.queryLoss = after.loss().name();
        this.queryOutput = after.output().name();
        if (multiStepLoss) {
            stepLosses.add(after.loss());
            SDVariable w = sd.placeHolder(STEP_WEIGHTS, dt, steps);
            SDVariable[] each = new SDVariable[steps];
            for (int j = 0; j < steps; j++) {
                each[j] = sd.reshape(stepLosses.get(j), 1);
            }
            SDVariable total = sd.sum(sd.concat(0, each).mul(w));
            sd.setLossVariables(total);
        } else {
            sd.setLossVariables(after.loss());
        }
        List<String> outputs = new ArrayList<>(List.of(queryLoss, queryOutput, supportLossBefore));
        if (outputAdapted) {
            for (String n : adapted.keySet()) {
                adaptedNames.put(n, phi.get(n).name());
                outputs.add(phi.get(n).name());
            }
        }
        this.plan = new GradientPlan(sd, variableNames, outputs);
    }

    /**
     * phi with each per-step tensor replaced by the set the forward pass at phi_k uses; set variables are created on
     * first use and added to the variables differentiated by.
     */
    private Map<String, SDVariable> withSets(SameDiff sd, Map<String, SDVariable> phi, List<String> perStep, int k,
                                             int steps, org.nd4j.linalg.api.buffer.DataType dt) {
        if (perStep.isEmpty()) {
            return phi;
        }
        Map<String, SDVariable> out = new LinkedHashMap<>(phi);
        for (String t : perStep) {
            String n = perStepSource(k, steps, t);
            if (n.equals(t)) {
                continue;
            }
            if (!sd.hasVariable(n)) {
                variableNames.add(n);
                sd.var(n, Nd4j.zeros(dt, network.paramSpecs().get(t)));
            }
            out.put(t, sd.getVariable(n));
        }
        return out;
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
        if (multiStepLoss) {
            throw new IllegalStateException("this graph's loss is the multi-step loss: run it with its step weights");
        }
        return run(theta, e, null);
    }

    /**
     * Computes the meta-gradient of one task under the multi-step loss sum_j w_j L_query(phi_{j+1}).
     *
     * @param theta meta-parameters: the network's parameters, the inner update's meta-parameters and the per-step
     *     sets
     * @param e the episode (its shape must equal {@link #key()})
     * @param stepWeights w_0..w_{K-1}, or null for a graph built without the multi-step loss
     * @return the gradient of the graph's loss with respect to every entry of theta, and metrics (the query loss
     *     and outputs at phi_K)
     * @throws IllegalArgumentException if weights are given to a graph without the multi-step loss, or not K of them
     */
    public Result run(ParamSet theta, Episode e, double[] stepWeights) {
        if ((stepWeights != null) != multiStepLoss || stepWeights != null && stepWeights.length != steps) {
            throw new IllegalArgumentException("step weights must be " + (multiStepLoss ? steps + " values" : "null")
                    + " for this graph, got " + (stepWeights == null ? "null" : java.util.Arrays.toString(stepWeights)));
        }
        Map<String, INDArray> inputs = inputs(theta, variableNames, e);
        if (stepWeights != null) {
            inputs.put(STEP_WEIGHTS, Nd4j.createFromArray(stepWeights).castTo(theta.dataType()));
        }
        // the plan writes every gradient straight into its view of one flat set (zeros for tensors it lacks)
        ParamSet gradient = theta.zerosLike();
        Map<String, INDArray> into = new LinkedHashMap<>();
        for (String n : theta.names()) {
            if (variableNames.contains(n)) {
                into.put(n, gradient.get(n));
            }
        }
        GradientPlan.Result r = plan.run(inputs, into);
        Map<String, INDArray> o = r.outputs();
        ParamSet adapted = null;
        if (!adaptedNames.isEmpty()) {
            Map<String, INDArray> phi = new LinkedHashMap<>();
            for (String n : network.paramNames()) {
                String v = adaptedNames.get(n);
                phi.put(n, v == null ? theta.get(perStepTensors.contains(n) ? perStepSource(steps, steps, n) : n)
                        : o.get(v));
            }
            adapted = ParamSet.copyOf(phi);
        }
        Result result = new Result(gradient, o.get(supportLossBefore).getDouble(0),
                o.get(queryLoss).getDouble(0), o.get(queryOutput), adapted);
        // copied or read: back to native memory now rather than when the garbage collector finds them
        List<INDArray> done = new ArrayList<>();
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
