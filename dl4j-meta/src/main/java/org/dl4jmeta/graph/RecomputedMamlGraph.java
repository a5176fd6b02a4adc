package org.dl4jmeta.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.update.InnerUpdate;
import org.dl4jmeta.update.MetaParameter;
import org.dl4jmeta.update.TensorMath;
import org.dl4jmeta.update.UpdateStep;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Second-order MAML's meta-gradient with checkpointing at step boundaries: the same value as {@link MamlGraph} (to
 * rounding) in the memory of one inner step instead of K.
 *
 * <p>The inner loop phi_{k+1} = S_k(phi_k) = U(k, theta, phi_k, grad L_s(phi_k), p) runs forward executed only,
 * keeping phi_0 = theta, ..., phi_K (a few parameter vectors). Then reverse-mode through the steps one at a time
 * (Griewank and Walther 2000, ch. 12): a_K = grad L_q(phi_K); for k = K-1..0, with the step run again from phi_k,
 * a_k = (d S_k / d phi_k)' a_{k+1}, and the step's direct dependence on theta and on the update's meta-parameters
 * adds (d S_k / d theta)' a_{k+1} and (d S_k / d p)' a_{k+1} to their gradients; finally d L_q / d theta += a_0.
 * Each vector-Jacobian product is SameDiff's gradient of the scalar sum(a_{k+1} * S_k(phi_k)) with respect to phi_k,
 * theta and p, in one step graph whose support gradient is the network's explicit, differentiable backward pass (as
 * in {@link MamlGraph}). Tensors the update does not adapt keep theta's values; their gradient is the sum of their
 * terms over the steps and the query.
 *
 * <p>One step graph serves every k: phi_k, theta and the step's meta-parameters are its variables, supplied per
 * run, and the adjoint a_{k+1} a placeholder. The update is built into it once, for step 0; for each step k the
 * arrays of the meta-parameters that step k reads (e.g. learned step sizes {@code alpha/stepK/...}) take the places of
 * step 0's. That is exact when the update's step differs between steps only in which meta-parameters it reads, as
 * every built-in update does; construction checks it (each step evaluated on probe values must equal step 0 on the
 * same values) and rejects another update. Cost: the inner loop forward once more than {@link MamlGraph}.
 *
 * <p>Memory: the pools of the three plans (forward steps, query gradient, backward steps) are handed back to native
 * memory at the end of their phase, so between runs the graph holds none of them and a run's peak is about one
 * backward step's intermediates; each run allocates them afresh.
 *
 * <p>Not thread-safe: one instance per thread. Call order: construct once per (network, episode shape, steps,
 * update), then {@link #run} any number of times.
 */
public final class RecomputedMamlGraph {

    private static final String THETA = "theta/";
    private static final String ADJOINT = "adjoint/";
    private static final String SLOT = "meta-slot/";

    private final Network network;
    private final Episode.ShapeKey key;
    private final int steps;
    /** The tensors the update adapts, in network order. */
    private final List<String> adapted = new ArrayList<>();
    /** Per adapted tensor, the step graph's variable of S_k(phi_k). */
    private final Map<String, String> nextNames = new LinkedHashMap<>();
    /** Per step k, per meta-parameter slot of the step graph, the meta-parameter step k reads there. */
    private final List<List<String>> slotParams = new ArrayList<>();
    private final String supportLoss;
    private final ExecutionPlan forward;
    private final GradientPlan backward;
    private final LossGradGraph query;

    /**
     * Builds the step graph and the query's loss-and-gradient graph.
     *
     * @param network the network
     * @param key the episode shape
     * @param steps inner steps K, &gt;= 1
     * @param update the inner update
     * @throws IllegalArgumentException if steps &lt; 1, or the update names tensors the network lacks or adapts none
     * @throws UnsupportedOperationException naming the update and step if its step differs from step 0 other than
     *     in which meta-parameters it reads (use the unrolled graph, {@link MamlGraph})
     */
    public RecomputedMamlGraph(Network network, Episode.ShapeKey key, int steps, InnerUpdate update) {
        if (steps < 1) {
            throw new IllegalArgumentException("inner steps must be >= 1, got " + steps);
        }
        this.network = network;
        this.key = key;
        this.steps = steps;
        update.requireTensors(network.paramNames());
        DataType dt = key.dataType();
        Map<String, long[]> adaptedShapes = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : network.paramSpecs().entrySet()) {
            if (update.adapts(e.getKey())) {
                adaptedShapes.put(e.getKey(), e.getValue());
                adapted.add(e.getKey());
            }
        }
        if (adapted.isEmpty()) {
            throw new IllegalArgumentException("inner update " + update + " adapts none of the network's tensors "
                    + network.paramNames());
        }
        Map<String, long[]> declared = new LinkedHashMap<>();
        for (MetaParameter m : update.metaParameters(adaptedShapes, steps)) {
            declared.put(m.name(), m.shape());
        }
        List<long[]> slotShapes = probeSteps(update, adaptedShapes, declared, dt);

        SameDiff sd = SameDiff.create();
        SDVariable xs = sd.placeHolder("xs", dt, withBatch(key.support(), key.input()));
        SDVariable ys = sd.placeHolder("ys", dt, key.support(), key.outputs());
        List<String> variables = new ArrayList<>();
        Map<String, SDVariable> phi = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : network.paramSpecs().entrySet()) {
            phi.put(e.getKey(), sd.var(e.getKey(), Nd4j.zeros(dt, e.getValue())));
            variables.add(e.getKey());
        }
        Map<String, SDVariable> theta = new LinkedHashMap<>();
        for (String n : adapted) {
            theta.put(n, sd.var(THETA + n, Nd4j.zeros(dt, adaptedShapes.get(n))));
            variables.add(THETA + n);
        }
        List<String> step0 = slotParams.get(0);
        for (int i = 0; i < slotShapes.size(); i++) {
            sd.var(SLOT + i, Nd4j.zeros(dt, slotShapes.get(i)));
            variables.add(SLOT + i);
        }
        Network.LossAndGradient lg = network.lossAndGradient(sd, xs, ys, key.support(), phi);
        this.supportLoss = lg.loss().name();
        TensorMath<SDVariable> math = TensorMath.samediff();
        SDVariable vjp = null;
        for (String n : adapted) {
            SDVariable next = update.apply(math, new UpdateStep<>(0, steps, n, theta.get(n), phi.get(n),
                    lg.gradients().get(n), p -> sd.getVariable(SLOT + step0.indexOf(p))));
            nextNames.put(n, next.name());
            SDVariable adjoint = sd.placeHolder(ADJOINT + n, dt, adaptedShapes.get(n));
            SDVariable term = adjoint.mul(next).sum();
            vjp = vjp == null ? term : vjp.add(term);
        }
        sd.setLossVariables(vjp);
        List<String> outputs = new ArrayList<>(nextNames.values());
        outputs.add(supportLoss);
        this.forward = new ExecutionPlan(sd, variables, outputs);
        this.backward = new GradientPlan(sd, variables, List.of());
        this.query = new LossGradGraph(network, key.query(), dt, false);
    }

    /**
     * Runs every step of the update on probe values and records which meta-parameters each step reads; a step must
     * read as many of the same shapes as step 0, in the same pattern, and give step 0's values when its
     * meta-parameters hold step 0's probe values.
     *
     * @return the shapes of the meta-parameter slots (those step 0 reads, in the order it first reads them)
     */
    private List<long[]> probeSteps(InnerUpdate update, Map<String, long[]> shapes, Map<String, long[]> declared,
                                    DataType dt) {
        TensorMath<INDArray> math = TensorMath.nd4j();
        List<long[]> slotShapes = new ArrayList<>();
        List<INDArray> slotValues = new ArrayList<>();
        Map<String, INDArray> step0Results = new HashMap<>();
        for (int k = 0; k < steps; k++) {
            List<String> reads = new ArrayList<>();
            int step = k;
            for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                String n = e.getKey();
                INDArray thetaN = probe(e.getValue(), 1, dt);
                INDArray phiN = probe(e.getValue(), 2, dt);
                INDArray gN = probe(e.getValue(), 3, dt);
                INDArray out = update.apply(math, new UpdateStep<>(k, steps, n, thetaN, phiN, gN, p -> {
                    long[] shape = declared.get(p);
                    if (shape == null) {
                        throw new IllegalStateException("inner update " + update + " read meta-parameter '" + p
                                + "' that it did not declare; declared: " + declared.keySet());
                    }
                    int slot = reads.indexOf(p);
                    if (slot < 0) {
                        slot = reads.size();
                        reads.add(p);
                        if (step == 0) {
                            slotShapes.add(shape);
                            slotValues.add(probe(shape, 4 + slot, dt));
                        }
                    }
                    if (slot >= slotShapes.size() || !java.util.Arrays.equals(slotShapes.get(slot), shape)) {
                        throw notStepInvariant(update, step, "reads meta-parameter '" + p + "' of shape "
                                + java.util.Arrays.toString(shape) + " where step 0 reads " + (slot < slotShapes.size()
                                ? "one of shape " + java.util.Arrays.toString(slotShapes.get(slot)) : "none"));
                    }
                    return slotValues.get(slot);
                }));
                if (k == 0) {
                    step0Results.put(n, out);
                } else if (out.sub(step0Results.get(n)).amaxNumber().doubleValue() != 0) {
                    throw notStepInvariant(update, k, "computes tensor '" + n + "' differently from step 0 on the "
                            + "same values");
                }
            }
            if (k > 0 && reads.size() != slotShapes.size()) {
                throw notStepInvariant(update, k, "reads " + reads.size() + " meta-parameters where step 0 reads "
                        + slotShapes.size());
            }
            slotParams.add(List.copyOf(reads));
        }
        return slotShapes;
    }

    private static UnsupportedOperationException notStepInvariant(InnerUpdate update, int step, String what) {
        return new UnsupportedOperationException("second-order memory mode recompute reuses one step graph for every "
                + "inner step, but inner update " + update + " at step " + step + " " + what + "; use "
                + "secondOrderMemory unrolled for this update");
    }

    private static long[] withBatch(long batch, long[] perExample) {
        long[] s = new long[perExample.length + 1];
        s[0] = batch;
        System.arraycopy(perExample, 0, s, 1, perExample.length);
        return s;
    }

    /** Deterministic, non-degenerate probe values: sin of the element index, shifted per role. */
    private static INDArray probe(long[] shape, int role, DataType dt) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = 0.5 + 0.25 * Math.sin(0.37 * i + 1.3 * role);
        }
        return Nd4j.create(v, shape, dt);
    }

    /** @return the episode shape this graph was built for */
    public Episode.ShapeKey key() {
        return key;
    }

    /** @return the number of inner steps */
    public int steps() {
        return steps;
    }

    /** @return the number of ops one backward step executes (one inner step forward and its vector-Jacobian product) */
    public int stepOpCount() {
        return backward.size();
    }

    /**
     * Computes the meta-gradient of one task.
     *
     * @param theta meta-parameters: the network's parameters plus the inner update's meta-parameters
     * @param e the episode (its shape must equal {@link #key()})
     * @return the gradient of the query loss after adaptation with respect to every entry of theta, the metrics, and
     *     phi_K
     */
    public MamlGraph.Result run(ParamSet theta, Episode e) {
        Map<String, INDArray> in = new HashMap<>();
        in.put("xs", e.supportX());
        in.put("ys", e.supportY());
        for (String n : adapted) {
            in.put(THETA + n, theta.get(n));
        }
        List<Map<String, INDArray>> iterates = new ArrayList<>();
        Map<String, INDArray> phi = new LinkedHashMap<>();
        for (String n : network.paramNames()) {
            phi.put(n, theta.get(n));
        }
        double supportLossBefore = Double.NaN;
        for (int k = 0; k < steps; k++) {
            iterates.add(phi);
            stepInputs(in, theta, phi, k);
            Map<String, INDArray> out = forward.run(in);
            if (k == 0) {
                supportLossBefore = out.get(supportLoss).getDouble(0);
            }
            Map<String, INDArray> next = new LinkedHashMap<>(phi);
            for (String n : adapted) {
                next.put(n, out.get(nextNames.get(n)));
            }
            release(List.of(out.get(supportLoss)), List.of(next.values(), phi.values()), theta);
            phi = next;
        }
        // Each phase's pool goes back once the phase is done, so a run's peak is its largest phase (the backward
        // steps), not the sum of the three plans' pools.
        forward.releasePool();
        LossGradGraph.Result q = query.run(phi, e.queryX(), e.queryY(), true);
        query.releasePools();
        ParamSet grad = theta.zerosLike();
        Map<String, INDArray> adjoint = new LinkedHashMap<>();
        for (String n : network.paramNames()) {
            if (adapted.contains(n)) {
                adjoint.put(n, q.gradient().get(n));
            } else {
                grad.get(n).addi(q.gradient().get(n));
            }
        }
        ParamSet phiK = ParamSet.copyOf(phi);
        List<INDArray> consumed = new ArrayList<>(phi.values());
        for (int k = steps - 1; k >= 0; k--) {
            stepInputs(in, theta, iterates.get(k), k);
            for (String n : adapted) {
                in.put(ADJOINT + n, adjoint.get(n));
            }
            Map<String, INDArray> g = backward.run(in).gradients();
            Map<String, INDArray> nextAdjoint = new LinkedHashMap<>();
            for (String n : network.paramNames()) {
                if (adapted.contains(n)) {
                    nextAdjoint.put(n, g.get(n));
                    grad.get(n).addi(g.get(THETA + n));
                    consumed.add(g.get(THETA + n));
                } else {
                    grad.get(n).addi(g.get(n));
                    consumed.add(g.get(n));
                }
            }
            List<String> params = slotParams.get(k);
            for (int i = 0; i < params.size(); i++) {
                grad.get(params.get(i)).addi(g.get(SLOT + i));
                consumed.add(g.get(SLOT + i));
            }
            // what step k has consumed: the old adjoint, phi_{k+1} and the gradients just accumulated
            consumed.addAll(adjoint.values());
            release(consumed, List.of(nextAdjoint.values(), iterates.get(k).values()), theta);
            consumed = new ArrayList<>(iterates.get(k).values());
            adjoint = nextAdjoint;
        }
        for (String n : adapted) {
            grad.get(n).addi(adjoint.get(n));
        }
        consumed.addAll(adjoint.values());
        release(consumed, List.of(), theta);
        backward.releasePool();
        return new MamlGraph.Result(grad, supportLossBefore, q.loss(), q.output(), phiK);
    }

    /**
     * Hands arrays this run allocated back to native memory as soon as they are consumed, instead of when the
     * garbage collector finds them: every closeable candidate that is not one of the live arrays nor one of theta's
     * (a plan's output may be an alias of its input, e.g. an update that leaves a tensor as it is).
     *
     * @param candidates arrays whose last use is done
     * @param live arrays still in use
     * @param theta the caller's parameters, never closed
     */
    private static void release(List<INDArray> candidates, List<java.util.Collection<INDArray>> live, ParamSet theta) {
        Set<INDArray> keep = Collections.newSetFromMap(new IdentityHashMap<>());
        for (java.util.Collection<INDArray> c : live) {
            keep.addAll(c);
        }
        keep.addAll(theta.views().values());
        for (INDArray a : candidates) {
            if (a != null && keep.add(a) && a.closeable()) {
                a.close();
            }
        }
    }

    /** Puts step k's phi and the meta-parameters it reads (from theta) into the step graph's inputs. */
    private void stepInputs(Map<String, INDArray> in, ParamSet theta, Map<String, INDArray> phi, int k) {
        for (String n : network.paramNames()) {
            in.put(n, phi.get(n));
        }
        List<String> params = slotParams.get(k);
        for (int i = 0; i < params.size(); i++) {
            in.put(SLOT + i, theta.get(params.get(i)));
        }
    }

}
