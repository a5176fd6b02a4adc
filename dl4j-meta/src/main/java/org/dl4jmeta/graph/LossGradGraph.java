package org.dl4jmeta.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The loss, outputs and explicit first-order gradient of a network on a batch of fixed size, as one graph whose
 * inputs, targets and parameters are all placeholders. Used for inner-loop steps of first-order MAML and Reptile,
 * for adaptation at test time, and for forward-only evaluation (only the requested outputs are computed). Each kind
 * of run (forward only, forward and backward) executes through its own {@link ExecutionPlan}, built on first use.
 *
 * <p>Not thread-safe: use one instance per thread. Call order: construct once, then {@link #run} any number of
 * times.
 */
public final class LossGradGraph {

    private final Network network;
    private final long batch;
    private final DataType dataType;
    private final SameDiff sd;
    private final String lossName;
    private final String outputName;
    private final Map<String, String> gradNames = new LinkedHashMap<>();
    private final Map<String, String> paramPlaceholders = new LinkedHashMap<>();
    private ExecutionPlan forward;
    private ExecutionPlan forwardBackward;
    /** Plans that compute the gradients of some tensors only, by those tensors' names. */
    private final Map<java.util.Set<String>, ExecutionPlan> partial = new HashMap<>();

    /**
     * Builds the graph with fused backward ops: {@code LossGradGraph(network, batch, dataType, true)}.
     *
     * @param network the network
     * @param batch the batch size, &gt;= 1
     * @param dataType FLOAT or DOUBLE
     */
    public LossGradGraph(Network network, long batch, DataType dataType) {
        this(network, batch, dataType, true);
    }

    /**
     * Builds the graph.
     *
     * @param network the network
     * @param batch the batch size, &gt;= 1
     * @param dataType FLOAT or DOUBLE
     * @param fused true: layers' {@link org.dl4jmeta.model.Layer.Pass#nativeBackward} (libnd4j's fused backward
     *     ops, faster; their float results can differ in the last bits with the number of OpenMP threads, as in
     *     meta-training with several workers); false: the hand-written backward pass, whose float results do not
     *     depend on the thread count (test-time adaptation, so that evaluation results do not depend on
     *     {@code --threads})
     */
    public LossGradGraph(Network network, long batch, DataType dataType, boolean fused) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        this.network = network;
        this.batch = batch;
        this.dataType = dataType;
        this.sd = SameDiff.create();
        long[] xs = new long[network.inputShape().length + 1];
        xs[0] = batch;
        System.arraycopy(network.inputShape(), 0, xs, 1, xs.length - 1);
        SDVariable x = sd.placeHolder("x", dataType, xs);
        SDVariable y = sd.placeHolder("y", dataType, batch, network.outputs());
        Map<String, SDVariable> params = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : network.paramSpecs().entrySet()) {
            String ph = "p_" + e.getKey();
            params.put(e.getKey(), sd.placeHolder(ph, dataType, e.getValue()));
            paramPlaceholders.put(e.getKey(), ph);
        }
        Network.LossAndGradient lg = network.lossAndGradient(sd, x, y, batch, params, !fused);
        this.lossName = lg.loss().name();
        this.outputName = lg.output().name();
        for (Map.Entry<String, SDVariable> e : lg.gradients().entrySet()) {
            gradNames.put(e.getKey(), e.getValue().name());
        }
    }

    /** @return the batch size this graph was built for */
    public long batch() {
        return batch;
    }

    /**
     * Executes the graph.
     *
     * @param params network parameters (extra entries, e.g. learned step sizes, are ignored)
     * @param x inputs [batch, inputShape...]
     * @param y targets [batch, outputs]
     * @param withGradient whether to compute the gradient (false: forward only)
     * @return loss, outputs and, if requested, the gradient
     */
    public Result run(ParamSet params, INDArray x, INDArray y, boolean withGradient) {
        return run(params.views(), x, y, withGradient);
    }

    /**
     * Executes the graph on parameter tensors held apart (e.g. an inner loop's current iterate, without copying it
     * into one {@link ParamSet}).
     *
     * @param params network parameters by name (extra entries are ignored)
     * @param x inputs [batch, inputShape...]
     * @param y targets [batch, outputs]
     * @param withGradient whether to compute the gradient (false: forward only)
     * @return loss, outputs and, if requested, the gradient
     */
    public Result run(Map<String, INDArray> params, INDArray x, INDArray y, boolean withGradient) {
        return run(params, x, y, withGradient ? gradNames.keySet() : java.util.Set.of());
    }

    /**
     * Executes the graph computing the gradient of some tensors only: the plan runs only the ops those gradients
     * need, e.g. for a head-only inner step (ANIL) the head's gradient without the body's backward pass. Each
     * distinct set of tensors gets its own plan, built on first use.
     *
     * @param params network parameters by name (extra entries are ignored)
     * @param x inputs [batch, inputShape...]
     * @param y targets [batch, outputs]
     * @param gradients the tensors whose gradient to compute (empty: forward only)
     * @return loss, outputs and the gradient of exactly those tensors (null if none was asked for)
     * @throws IllegalArgumentException naming a tensor the network lacks
     */
    public Result run(Map<String, INDArray> params, INDArray x, INDArray y, java.util.Collection<String> gradients) {
        return run(params, x, y, gradients, null);
    }

    /**
     * As {@link #run(Map, INDArray, INDArray, java.util.Collection)}, writing the gradient into a set the caller
     * gives (e.g. one reused across inner steps: making a set's 18 views costs more than the Conv-4's whole update).
     *
     * @param params network parameters by name (extra entries are ignored)
     * @param x inputs [batch, inputShape...]
     * @param y targets [batch, outputs]
     * @param gradients the tensors whose gradient to compute (empty: forward only)
     * @param into the set to write the gradient into: exactly those tensors, in network order, in this graph's data
     *     type; null: a new set
     * @return loss, outputs and the gradient ({@code into} itself when given)
     * @throws IllegalArgumentException naming a tensor the network lacks, or if {@code into} has other tensors or
     *     another data type
     */
    public Result run(Map<String, INDArray> params, INDArray x, INDArray y, java.util.Collection<String> gradients,
                      ParamSet into) {
        for (String n : gradients) {
            if (!gradNames.containsKey(n)) {
                throw new IllegalArgumentException("no parameter '" + n + "' to differentiate by; the network's: "
                        + gradNames.keySet());
            }
        }
        boolean withGradient = !gradients.isEmpty();
        Map<String, INDArray> ph = new HashMap<>();
        ph.put("x", x);
        ph.put("y", y);
        for (Map.Entry<String, String> e : paramPlaceholders.entrySet()) {
            INDArray v = params.get(e.getKey());
            if (v == null) {
                throw new IllegalArgumentException("parameters lack '" + e.getKey() + "'");
            }
            ph.put(e.getValue(), v);
        }
        boolean all = java.util.Set.copyOf(gradients).size() == gradNames.size();
        ParamSet grad = null;
        Map<String, INDArray> targets = new HashMap<>();
        if (withGradient) {
            // the plan writes each gradient straight into its view of one flat set: no copies, no arrays to close
            Map<String, long[]> specs = new LinkedHashMap<>();
            for (String n : gradNames.keySet()) {
                if (all || gradients.contains(n)) {
                    specs.put(n, network.paramSpecs().get(n));
                }
            }
            if (into != null && (!into.names().equals(List.copyOf(specs.keySet())) || into.dataType() != dataType)) {
                throw new IllegalArgumentException("the gradient set given has " + into.dataType() + " "
                        + into.names() + "; this run's gradient is " + dataType + " " + specs.keySet());
            }
            grad = into != null ? into : ParamSet.zeros(specs, dataType);
            for (String n : specs.keySet()) {
                targets.put(gradNames.get(n), grad.get(n));
            }
        }
        Map<String, INDArray> r = (all || !withGradient ? plan(withGradient) : partialPlan(gradients)).run(ph, targets);
        INDArray output = r.get(outputName);
        double loss = r.get(lossName).getDouble(0);
        // the loss was read: its array goes back now (the output is the caller's)
        if (r.get(lossName) != output) {
            ExecutionPlan.release(List.of(r.get(lossName)), ph);
        }
        return new Result(loss, output, grad);
    }

    private ExecutionPlan partialPlan(java.util.Collection<String> gradients) {
        return partial.computeIfAbsent(java.util.Set.copyOf(gradients), set -> {
            List<String> outs = new ArrayList<>();
            outs.add(lossName);
            outs.add(outputName);
            for (Map.Entry<String, String> e : gradNames.entrySet()) {
                if (set.contains(e.getKey())) {
                    outs.add(e.getValue());
                }
            }
            return new ExecutionPlan(sd, List.of(), outs);
        });
    }

    /**
     * @param gradients the tensors whose gradient a run computes (all, some or none)
     * @return the number of ops such a run executes
     */
    public int opCount(java.util.Collection<String> gradients) {
        if (gradients.isEmpty() || gradients.size() == gradNames.size()) {
            return plan(!gradients.isEmpty()).size();
        }
        return partialPlan(gradients).size();
    }

    private ExecutionPlan plan(boolean withGradient) {
        if (withGradient && forwardBackward == null || !withGradient && forward == null) {
            List<String> outs = new ArrayList<>();
            outs.add(lossName);
            outs.add(outputName);
            if (withGradient) {
                outs.addAll(gradNames.values());
                forwardBackward = new ExecutionPlan(sd, List.of(), outs);
            } else {
                forward = new ExecutionPlan(sd, List.of(), outs);
            }
        }
        return withGradient ? forwardBackward : forward;
    }

    /**
     * Hands the pooled intermediates of this graph's plans back to native memory ({@link ExecutionPlan#releasePool});
     * the graph stays usable and its next run allocates afresh.
     */
    public void releasePools() {
        for (ExecutionPlan p : new ExecutionPlan[] {forward, forwardBackward}) {
            if (p != null) {
                p.releasePool();
            }
        }
    }

    /** @return the network */
    public Network network() {
        return network;
    }

    /** @return the data type */
    public DataType dataType() {
        return dataType;
    }

    /**
     * One execution's results.
     *
     * @param loss the mean loss
     * @param output network outputs [batch, outputs]
     * @param gradient dL/dparameters in network parameter order (of the tensors asked for), or null for a
     *     forward-only run
     */
    public record Result(double loss, INDArray output, ParamSet gradient) {
    }
}
