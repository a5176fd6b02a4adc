package org.dl4jmeta.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Outputs of a graph and the gradients of its loss with respect to some of its variables, computed by an
 * {@link ExecutionPlan} of the graph's gradient function: what {@code SameDiff.calculateGradientsAndOutputs} returns,
 * without SameDiff's per-run session work. The graph's loss variables must be set before construction; the gradient
 * function is created here if the graph has none yet.
 *
 * <p>Not thread-safe: one instance per thread, like the graph.
 */
public final class GradientPlan {

    private final List<String> outputs;
    private final Map<String, String> gradientNames = new LinkedHashMap<>();
    private final Map<String, INDArray> withoutGradient = new LinkedHashMap<>();
    private final ExecutionPlan plan;

    /**
     * Compiles the plan.
     *
     * @param sd the graph, with its loss variables set
     * @param wrt the variables to differentiate with respect to; each run supplies their arrays
     * @param outputs further variables of the graph to output
     */
    public GradientPlan(SameDiff sd, List<String> wrt, List<String> outputs) {
        if (sd.getFunction("grad") == null) {
            GraphBuild.quietly(sd::createGradFunction);
        }
        this.outputs = List.copyOf(outputs);
        List<String> all = new ArrayList<>(outputs);
        for (String w : wrt) {
            SDVariable v = sd.getVariable(w);
            if (v == null) {
                throw new IllegalArgumentException("graph has no variable '" + w + "' to differentiate by");
            }
            SDVariable g = v.getGradient();
            if (g == null) {
                // The loss does not depend on it (SameDiff returns no gradient either): its gradient is zero.
                withoutGradient.put(w, v.getArr());
            } else {
                gradientNames.put(w, g.name());
                all.add(g.name());
            }
        }
        SameDiff gradFn = sd.getFunction("grad");
        List<String> variableInputs = new ArrayList<>();
        for (String w : wrt) {
            if (gradFn.hasVariable(w)) {
                variableInputs.add(w);
            }
        }
        this.plan = new ExecutionPlan(gradFn, variableInputs, all);
    }

    /** @return the number of ops each run executes (the gradient function's ops that the outputs need) */
    public int size() {
        return plan.size();
    }

    /** @return the names each run must supply arrays for */
    public Set<String> inputNames() {
        return plan.inputNames();
    }

    /**
     * Runs the plan.
     *
     * @param inputs arrays for the placeholders and the variables differentiated by
     * @return the outputs and, per variable differentiated by, its gradient
     */
    public Result run(Map<String, INDArray> inputs) {
        return run(inputs, Map.of());
    }

    /**
     * Runs the plan, writing some gradients straight into arrays the caller gives (see
     * {@link ExecutionPlan#run(Map, Map)}); a variable the loss does not depend on gets zeros written into its array.
     *
     * @param inputs arrays for the placeholders and the variables differentiated by
     * @param into per variable differentiated by, the array to write its gradient into (its shape and data type)
     * @return the outputs and, per variable differentiated by, its gradient (for the names of {@code into}, its
     *     arrays)
     * @throws IllegalArgumentException naming a variable of {@code into} not differentiated by, or a target of the
     *     wrong shape or data type
     */
    public Result run(Map<String, INDArray> inputs, Map<String, INDArray> into) {
        Map<String, INDArray> targets = new HashMap<>();
        for (Map.Entry<String, INDArray> e : into.entrySet()) {
            String g = gradientNames.get(e.getKey());
            if (g != null) {
                targets.put(g, e.getValue());
            } else if (!withoutGradient.containsKey(e.getKey())) {
                throw new IllegalArgumentException("'" + e.getKey() + "' is not differentiated by in this plan; "
                        + "its variables: " + inputNames());
            }
        }
        Map<String, INDArray> r = plan.run(inputs, targets);
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String o : outputs) {
            out.put(o, r.get(o));
        }
        Map<String, INDArray> grads = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : gradientNames.entrySet()) {
            grads.put(e.getKey(), r.get(e.getValue()));
        }
        for (Map.Entry<String, INDArray> e : withoutGradient.entrySet()) {
            INDArray target = into.get(e.getKey());
            grads.put(e.getKey(), target != null ? target.assign(0.0)
                    : Nd4j.zeros(e.getValue().dataType(), e.getValue().shape()));
        }
        return new Result(out, grads);
    }

    /** @return the plan of the gradient function that this runs */
    ExecutionPlan executionPlan() {
        return plan;
    }

    /** Hands the plan's pooled intermediates back to native memory ({@link ExecutionPlan#releasePool}). */
    public void releasePool() {
        plan.releasePool();
    }

    /**
     * @param outputs the requested outputs by name
     * @param gradients d loss / d variable, by variable name
     */
    public record Result(Map<String, INDArray> outputs, Map<String, INDArray> gradients) {
    }
}
