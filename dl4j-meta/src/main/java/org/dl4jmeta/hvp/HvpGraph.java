package org.dl4jmeta.hvp;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.graph.GradientPlan;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Exact Hessian-vector products H(w) v of a network's loss on a batch of fixed size (Pearlmutter 1994): the graph
 * holds the explicit gradient g(w) as ordinary ops and the scalar s = &lt;g(w), v&gt;; SameDiff autodiff of s with
 * respect to w is H(w) v. One run also returns the loss and g(w).
 *
 * <p>Not thread-safe: one instance per thread. Call order: construct once, then {@link #run} any number of times.
 */
public final class HvpGraph {

    private final long batch;
    private final DataType dataType;
    private final List<String> paramNames;
    private final Map<String, String> vNames = new LinkedHashMap<>();
    private final Map<String, String> gradNames = new LinkedHashMap<>();
    private final String lossName;
    private final GradientPlan plan;

    /**
     * @param network the network
     * @param batch batch size
     * @param dataType FLOAT or DOUBLE
     */
    public HvpGraph(Network network, long batch, DataType dataType) {
        this.batch = batch;
        this.dataType = dataType;
        SameDiff sd = SameDiff.create();
        this.paramNames = network.paramNames();
        long[] in = network.inputShape();
        long[] xs = new long[in.length + 1];
        xs[0] = batch;
        System.arraycopy(in, 0, xs, 1, in.length);
        SDVariable x = sd.placeHolder("x", dataType, xs);
        SDVariable y = sd.placeHolder("y", dataType, batch, network.outputs());
        Map<String, SDVariable> w = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : network.paramSpecs().entrySet()) {
            w.put(e.getKey(), sd.var(e.getKey(), Nd4j.zeros(dataType, e.getValue())));
            vNames.put(e.getKey(), "v_" + e.getKey());
        }
        Network.LossAndGradient lg = network.lossAndGradient(sd, x, y, batch, w);
        this.lossName = lg.loss().name();
        SDVariable s = null;
        for (Map.Entry<String, SDVariable> e : lg.gradients().entrySet()) {
            gradNames.put(e.getKey(), e.getValue().name());
            SDVariable v = sd.placeHolder(vNames.get(e.getKey()), dataType, network.paramSpecs().get(e.getKey()));
            SDVariable term = sd.sum(e.getValue().mul(v));
            s = s == null ? term : s.add(term);
        }
        sd.setLossVariables(s);
        List<String> outs = new ArrayList<>();
        outs.add(lossName);
        outs.addAll(gradNames.values());
        this.plan = new GradientPlan(sd, paramNames, outs);
    }

    /** @return the batch size */
    public long batch() {
        return batch;
    }

    /** @return the data type */
    public DataType dataType() {
        return dataType;
    }

    /**
     * @param w the point (network parameters; extra entries are ignored)
     * @param x inputs
     * @param y targets
     * @param v the direction, in the network's parameter layout
     * @return loss, gradient and Hessian-vector product at w
     */
    public Result run(ParamSet w, INDArray x, INDArray y, ParamSet v) {
        Map<String, INDArray> ph = new HashMap<>();
        for (String n : paramNames) {
            ph.put(n, w.get(n));
        }
        ph.put("x", x);
        ph.put("y", y);
        for (Map.Entry<String, String> e : vNames.entrySet()) {
            ph.put(e.getValue(), v.get(e.getKey()));
        }
        GradientPlan.Result r = plan.run(ph);
        Map<String, INDArray> g = new LinkedHashMap<>();
        Map<String, INDArray> hv = new LinkedHashMap<>();
        for (String n : paramNames) {
            g.put(n, r.outputs().get(gradNames.get(n)));
            INDArray h = r.gradients().get(n);
            hv.put(n, h == null ? Nd4j.zeros(dataType, w.shape(n)) : h);
        }
        return new Result(r.outputs().get(lossName).getDouble(0), ParamSet.copyOf(g), ParamSet.copyOf(hv));
    }

    /**
     * @param loss the loss at w
     * @param gradient grad L(w)
     * @param hessianVector H(w) v
     */
    public record Result(double loss, ParamSet gradient, ParamSet hessianVector) {
    }
}
