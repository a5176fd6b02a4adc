package org.dl4jmeta.algorithm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.graph.MamlGraph;
import org.dl4jmeta.model.NativeArrays;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.update.InnerUpdate;
import org.dl4jmeta.update.TensorMath;
import org.dl4jmeta.update.UpdateStep;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The executed (numeric, not differentiated) inner loop on a support set, shared by first-order MAML, Reptile,
 * HF-MAML and test-time adaptation: an {@link InnerUpdate} on ND4J arrays, with a cache of first-order graphs per
 * batch size. Learners hold two: one with fused backward ops for meta-training, and one whose results do not depend
 * on the thread count for {@link MetaLearner#adapt} (see
 * {@link LossGradGraph#LossGradGraph(Network, long, DataType, boolean)}), and the checks and metrics every learner
 * needs. Public so that a learner outside this package is written like the built-in ones.
 * Not thread-safe: one per learner.
 */
public final class InnerLoop {

    private final Network network;
    private final boolean fused;
    private final Map<String, LossGradGraph> graphs = new HashMap<>();
    /** This loop's reused sets of the network's layout, by role (theta's copy, gradient, iterate) and data type. */
    private final Map<String, ParamSet> scratch = new HashMap<>();

    /**
     * @param network the network
     * @param fused whether the graphs use libnd4j's fused backward ops
     */
    public InnerLoop(Network network, boolean fused) {
        this.network = network;
        this.fused = fused;
    }

    /**
     * @param batch examples per batch
     * @param dt FLOAT or DOUBLE
     * @return the cached first-order graph (loss and gradient) for that batch size
     */
    public LossGradGraph graph(long batch, DataType dt) {
        return graphs.computeIfAbsent(batch + "/" + dt, k -> new LossGradGraph(network, batch, dt, fused));
    }

    /**
     * What an inner loop hands out besides phi_K, per step k (each list is filled only if it is not null).
     *
     * @param losses receives the support loss before every step (the first is the support loss at theta)
     * @param gradients receives the support gradient of every step
     * @param iterates receives phi_k, the network parameters every step starts from
     */
    public record Trace(List<Double> losses, List<ParamSet> gradients, List<Map<String, INDArray>> iterates) {
    }

    /**
     * Runs the executed inner loop from the network part of theta: phi_0 = theta, phi_{k+1} = the update's step on
     * every tensor it adapts (the others keep theta's values). The update's math is the same as in the unrolled
     * graph ({@link org.dl4jmeta.graph.MamlGraph}), here on ND4J arrays.
     *
     * @param theta meta-parameters (network parameters and the update's meta-parameters are read, never written)
     * @param x support inputs
     * @param y support targets
     * @param steps number of steps
     * @param update the inner update
     * @param updateSteps the number of steps the update's meta-parameters were declared for
     * @param trace if not null, receives each step's support loss, gradient and starting point
     * @return phi_K
     */
    public ParamSet adapt(ParamSet theta, INDArray x, INDArray y, int steps, InnerUpdate update, int updateSteps,
                   Trace trace) {
        return adapt(theta, x, y, steps, update, updateSteps, List.of(), trace);
    }

    /**
     * The executed inner loop with per-step tensors (MAML++'s per-step batch-norm weights and biases): as
     * {@link #adapt(ParamSet, INDArray, INDArray, int, InnerUpdate, int, Trace)}, and the forward pass at phi_k uses
     * theta's set {@link MamlGraph#perStepSource}(k, updateSteps, t) of each per-step tensor t, exactly as the
     * unrolled graph does. Only the gradients of the adapting tensors are computed (a head-only update runs no
     * backward pass through the body).
     *
     * @param theta meta-parameters (network parameters, the update's meta-parameters and the per-step sets)
     * @param x support inputs
     * @param y support targets
     * @param steps number of steps
     * @param update the inner update (it must not adapt a per-step tensor)
     * @param updateSteps the number of steps the update's meta-parameters and the sets were declared for
     * @param perStepTensors network tensors with one set per step (empty for none)
     * @param trace if not null, receives each step's support loss, gradient and the parameters its forward pass used
     * @return phi_K, its per-step tensors being the set that the forward pass at phi_K uses
     */
    public ParamSet adapt(ParamSet theta, INDArray x, INDArray y, int steps, InnerUpdate update, int updateSteps,
                          List<String> perStepTensors, Trace trace) {
        if (update.sameForEveryTensor() && perStepTensors.isEmpty() && steps > 0) {
            return adaptAll(theta, x, y, steps, update, updateSteps, trace);
        }
        // arrays phi takes from theta (views of theta.flat()) are never closed; every other array a step makes
        // (phi_{k+1}, the update's temporaries, the gradient, the output) is closed once nothing can read it, unless
        // the trace keeps it
        Map<String, INDArray> phi = new LinkedHashMap<>();
        List<String> adapting = new ArrayList<>();
        for (String n : network.paramNames()) {
            phi.put(n, theta.get(n));
            if (update.adapts(n)) {
                adapting.add(n);
            }
        }
        LossGradGraph g = graph(x.size(0), theta.dataType());
        List<INDArray> made = new ArrayList<>();
        TensorMath<INDArray> math = TensorMath.nd4j(made::add);
        boolean keepIterates = trace != null && trace.iterates() != null;
        boolean keepGradients = trace != null && trace.gradients() != null;
        for (int k = 0; k < steps; k++) {
            withSets(phi, theta, perStepTensors, k, updateSteps);
            LossGradGraph.Result r = g.run(phi, x, y, adapting);
            ParamSet grad = r.gradient();
            if (trace != null) {
                add(trace.losses(), r.loss());
                add(trace.gradients(), grad);
                add(trace.iterates(), Map.copyOf(phi));
            }
            List<INDArray> done = new ArrayList<>();
            for (Map.Entry<String, INDArray> e : phi.entrySet()) {
                String n = e.getKey();
                if (update.adapts(n)) {
                    if (!keepIterates) {
                        done.add(e.getValue());
                    }
                    e.setValue(update.apply(math, new UpdateStep<>(k, updateSteps, n, theta.get(n), e.getValue(),
                            grad.get(n), theta::get)));
                }
            }
            if (!keepGradients && grad != null) {
                done.add(grad.flat());
            }
            done.add(r.output());
            // the update's temporaries of this step; phi_{k+1} is among them but stays open (it is in phi)
            done.addAll(made);
            made.clear();
            close(done, phi.values(), theta);
        }
        withSets(phi, theta, perStepTensors, steps, updateSteps);
        ParamSet out = ParamSet.copyOf(phi);
        close(phi.values(), List.of(), theta);
        return out;
    }

    /**
     * The inner loop of an update that is {@link InnerUpdate#sameForEveryTensor the same for every tensor}: phi_k is
     * one flat set in network order, and each step applies the update once to the flat vectors of phi_k, the gradient
     * (which the graph writes into one flat set in the same order) and theta's network part. Element by element the
     * same arithmetic as the per-tensor loop, so the same values bit for bit; two ops per step instead of two per
     * tensor, and no per-tensor arrays to make and close.
     *
     * <p>Unless the trace keeps them, theta's copy, the gradient and phi_1..phi_{K-1} live in three sets of this
     * loop reused by every step and task: making a set (its 18 views of the flat vector, 10-30 us each in ND4J
     * 1.0.0-M2.1) costs more than the Conv-4's whole update step. phi_K is the last step's own array, the caller's.
     */
    private ParamSet adaptAll(ParamSet theta, INDArray x, INDArray y, int steps, InnerUpdate update, int updateSteps,
                              Trace trace) {
        Map<String, long[]> specs = network.paramSpecs();
        List<String> names = List.copyOf(specs.keySet());
        DataType dt = theta.dataType();
        boolean keepIterates = trace != null && trace.iterates() != null;
        boolean keepGradients = trace != null && trace.gradients() != null;
        ParamSet theta0 = keepIterates ? ParamSet.zeros(specs, dt) : scratch(0, specs, dt);
        if (theta.names().size() >= names.size() && theta.names().subList(0, names.size()).equals(names)) {
            // theta starts with the network's tensors (the update's meta-parameters follow): one copy
            theta0.flat().assign(theta.flat().get(NDArrayIndex.interval(0, theta0.length())));
        } else {
            for (String n : names) {
                theta0.get(n).assign(theta.get(n));
            }
        }
        LossGradGraph g = graph(x.size(0), dt);
        List<INDArray> made = new ArrayList<>();
        TensorMath<INDArray> math = TensorMath.nd4j(made::add);
        ParamSet phi = theta0;
        for (int k = 0; k < steps; k++) {
            LossGradGraph.Result r = g.run(phi.views(), x, y, names, keepGradients ? null : scratch(1, specs, dt));
            ParamSet grad = r.gradient();
            if (trace != null) {
                add(trace.losses(), r.loss());
                add(trace.gradients(), grad);
                add(trace.iterates(), phi.views());
            }
            INDArray applied = update.apply(math, new UpdateStep<>(k, updateSteps, UpdateStep.ALL_TENSORS,
                    theta0.flat(), phi.flat(), grad.flat(), theta::get));
            INDArray next = applied;
            if (made.stream().noneMatch(m -> m == applied)) {
                // the update handed back an array it did not make (phi, theta): the new phi gets its own copy
                next = next.dup();
                made.add(next);
            }
            List<INDArray> done = new ArrayList<>(made);
            made.clear();
            done.add(r.output());
            if (k == steps - 1 || keepIterates) {
                phi = theta0.over(next);
                NativeArrays.close(done, List.of(next, theta0.flat(), theta.flat(), grad.flat()));
            } else {
                // phi_k is read no more: phi_{k+1} goes into the reused set
                ParamSet into = scratch(2, specs, dt);
                into.flat().assign(next);
                phi = into;
                NativeArrays.close(done, List.of(into.flat(), theta0.flat(), theta.flat(), grad.flat()));
            }
        }
        return phi;
    }

    private ParamSet scratch(int role, Map<String, long[]> specs, DataType dt) {
        return scratch.computeIfAbsent(role + "/" + dt, k -> ParamSet.zeros(specs, dt));
    }

    /** Closes the arrays of {@code done} that share no memory with {@code live} or theta. */
    private static void close(java.util.Collection<INDArray> done, java.util.Collection<INDArray> live,
                              ParamSet theta) {
        List<INDArray> keep = new ArrayList<>(live);
        keep.add(theta.flat());
        NativeArrays.close(done, keep);
    }

    private static void withSets(Map<String, INDArray> phi, ParamSet theta, List<String> perStep, int k, int steps) {
        for (String t : perStep) {
            phi.put(t, theta.get(MamlGraph.perStepSource(k, steps, t)));
        }
    }

    private static <T> void add(List<T> list, T value) {
        if (list != null) {
            list.add(value);
        }
    }

    /**
     * Validates a test-time adaptation request (steps, theta, support shapes) before any work.
     *
     * @throws IllegalArgumentException naming the bad value
     */
    public void requireAdaptation(ParamSet theta, INDArray x, INDArray y, int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("inner steps must be >= 1, got " + steps);
        }
        network.requireParams(theta, "theta");
        requireSupport(theta, x, y);
    }

    /**
     * Checks that support inputs and targets fit the network and theta.
     */
    public void requireSupport(ParamSet theta, INDArray x, INDArray y) {
        long[] in = network.inputShape();
        long[] got = Arrays.copyOfRange(x.shape(), 1, x.rank());
        if (!Arrays.equals(in, got)) {
            long[] want = new long[in.length + 1];
            want[0] = x.size(0);
            System.arraycopy(in, 0, want, 1, in.length);
            throw new IllegalArgumentException("supportX must be " + Arrays.toString(want) + " for this network, got "
                    + Arrays.toString(x.shape()));
        }
        if (y.rank() != 2 || y.size(0) != x.size(0) || y.size(1) != network.outputs()) {
            throw new IllegalArgumentException("supportY must be [" + x.size(0) + "," + network.outputs()
                    + "], got " + Arrays.toString(y.shape()));
        }
        if (x.dataType() != theta.dataType() || y.dataType() != theta.dataType()) {
            throw new IllegalArgumentException("support data type " + x.dataType() + " must equal theta's "
                    + theta.dataType());
        }
    }

    /**
     * Checks that an episode fits the network and theta's data type.
     */
    public void requireEpisode(ParamSet theta, Episode e) {
        long[] in = network.inputShape();
        if (!Arrays.equals(in, e.inputShape())) {
            long[] want = new long[in.length + 1];
            want[0] = e.supportX().size(0);
            System.arraycopy(in, 0, want, 1, in.length);
            throw new IllegalArgumentException("supportX must be " + Arrays.toString(want)
                    + " (network input " + Arrays.toString(in) + "), got " + Arrays.toString(e.supportX().shape()));
        }
        if (e.ways() != network.outputs()) {
            throw new IllegalArgumentException("episode has " + e.ways() + " ways but the network outputs "
                    + network.outputs());
        }
        if (e.dataType() != theta.dataType()) {
            throw new IllegalArgumentException("episode data type " + e.dataType() + " must equal theta's "
                    + theta.dataType());
        }
    }

    /**
     * The query loss and accuracy at theta (before adaptation), one forward pass of the query set.
     *
     * @param theta meta-parameters
     * @param e the episode
     * @param measure false: no pass, both NaN
     * @return {loss, accuracy}
     */
    public double[] queryAtTheta(ParamSet theta, Episode e, boolean measure) {
        if (!measure) {
            return new double[] {Double.NaN, Double.NaN};
        }
        LossGradGraph.Result r = graph(e.queryX().size(0), theta.dataType()).run(theta, e.queryX(), e.queryY(), false);
        return new double[] {r.loss(), accuracy(r.output(), e.queryY())};
    }

    /**
     * The support loss at theta, one forward pass of the support set, for learners that have no inner step at
     * theta to take it from.
     *
     * @param theta meta-parameters
     * @param e the episode
     * @param measure false: no pass, NaN
     * @return the loss
     */
    public double supportLossAtTheta(ParamSet theta, Episode e, boolean measure) {
        return measure ? graph(e.supportX().size(0), theta.dataType()).run(theta, e.supportX(), e.supportY(), false)
                .loss() : Double.NaN;
    }

    /** @return whether the network's loss is softmax cross-entropy, so accuracies mean something */
    public boolean classification() {
        return "softmax-cross-entropy".equals(network.loss().id());
    }

    /**
     * @param output network outputs [n, ways]
     * @param targets one-hot targets [n, ways]
     * @return the fraction of rows whose largest output is the target class; NaN for regression losses
     */
    public double accuracy(INDArray output, INDArray targets) {
        return classification() ? TaskMetrics.accuracy(output, targets) : Double.NaN;
    }
}
