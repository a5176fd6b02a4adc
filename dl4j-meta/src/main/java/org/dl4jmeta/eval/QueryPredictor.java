package org.dl4jmeta.eval;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.dl4jmeta.graph.ExecutionPlan;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.Normalisation;
import org.dl4jmeta.model.ParamSet;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Predicts query examples with adapted parameters under a {@link BatchNormMode}: {@link BatchNormMode#TRANSDUCTIVE}
 * runs the network on the query batch (its batch norms use the batch's statistics);
 * {@link BatchNormMode#SUPPORT} runs one graph that computes every batch norm layer's statistics on the support set
 * and normalises the queries with them ({@link Network#forward(SameDiff, SDVariable, long, Map, Map)}), so each
 * query's output does not depend on the others. Graphs are built once per (support size, query size, data type) and
 * re-run through {@link ExecutionPlan}s.
 *
 * <p>Not thread-safe: one instance per thread. Call order: construct, then {@link #predict} any number of times.
 */
public final class QueryPredictor {

    private final Network network;
    private final BatchNormMode mode;
    private final Map<String, LossGradGraph> transductive = new HashMap<>();
    private final Map<String, SupportGraph> support = new HashMap<>();

    /**
     * @param network the network the adapted parameters belong to
     * @param mode where batch norm takes its statistics
     */
    public QueryPredictor(Network network, BatchNormMode mode) {
        this.network = Objects.requireNonNull(network, "network");
        this.mode = Objects.requireNonNull(mode, "mode");
    }

    /** @return the batch norm mode */
    public BatchNormMode mode() {
        return mode;
    }

    /**
     * Predicts a query set.
     *
     * @param phi adapted network parameters (extra entries, e.g. learned step sizes, are ignored)
     * @param supportX the support inputs phi was adapted on (their statistics are used in {@code SUPPORT} mode)
     * @param queryX query inputs [q, inputShape...]
     * @param queryY query targets [q, outputs] (for the loss; zeros where unknown)
     * @return the mean query loss and the outputs (logits) [q, outputs]
     * @throws IllegalArgumentException if phi lacks a parameter
     */
    public Prediction predict(ParamSet phi, INDArray supportX, INDArray queryX, INDArray queryY) {
        long q = queryX.size(0);
        DataType dt = phi.dataType();
        if (mode == BatchNormMode.TRANSDUCTIVE) {
            LossGradGraph g = transductive.computeIfAbsent(q + "/" + dt, k -> new LossGradGraph(network, q, dt));
            LossGradGraph.Result r = g.run(phi, queryX, queryY, false);
            return new Prediction(r.loss(), r.output());
        }
        long s = supportX.size(0);
        return support.computeIfAbsent(s + "/" + q + "/" + dt, k -> new SupportGraph(network, s, q, dt))
                .run(phi, supportX, queryX, queryY);
    }

    /**
     * A query set's prediction.
     *
     * @param loss mean query loss
     * @param output network outputs (logits) [q, outputs]
     */
    public record Prediction(double loss, INDArray output) {
    }

    /** Support statistics, then the queries normalised with them, in one graph of placeholders. */
    private static final class SupportGraph {
        private final Map<String, String> params = new LinkedHashMap<>();
        private final String lossName;
        private final String outputName;
        private final ExecutionPlan plan;

        SupportGraph(Network net, long s, long q, DataType dt) {
            SameDiff sd = SameDiff.create();
            SDVariable sx = sd.placeHolder("support_x", dt, withBatch(s, net.inputShape()));
            SDVariable qx = sd.placeHolder("query_x", dt, withBatch(q, net.inputShape()));
            SDVariable qy = sd.placeHolder("query_y", dt, q, net.outputs());
            Map<String, SDVariable> p = new LinkedHashMap<>();
            for (Map.Entry<String, long[]> e : net.paramSpecs().entrySet()) {
                p.put(e.getKey(), sd.placeHolder("p_" + e.getKey(), dt, e.getValue()));
                params.put(e.getKey(), "p_" + e.getKey());
            }
            // executed only: the support pass may use the layers' native forward ops, as the transductive one does
            Map<String, Normalisation.Statistics> stats = net.forward(sd, sx, s, p, false).statistics();
            Network.Forward f = net.forward(sd, qx, q, p, stats);
            this.outputName = f.output().name();
            this.lossName = net.loss().build(sd, f.output(), qy, q).loss().name();
            this.plan = new ExecutionPlan(sd, List.of(), List.of(lossName, outputName));
        }

        Prediction run(ParamSet phi, INDArray supportX, INDArray queryX, INDArray queryY) {
            Map<String, INDArray> ph = new HashMap<>();
            ph.put("support_x", supportX);
            ph.put("query_x", queryX);
            ph.put("query_y", queryY);
            for (Map.Entry<String, String> e : params.entrySet()) {
                if (!phi.contains(e.getKey())) {
                    throw new IllegalArgumentException("parameters lack '" + e.getKey() + "'; they have "
                            + phi.names());
                }
                ph.put(e.getValue(), phi.get(e.getKey()));
            }
            Map<String, INDArray> r = plan.run(ph);
            return new Prediction(r.get(lossName).getDouble(0), r.get(outputName));
        }

        private static long[] withBatch(long n, long[] shape) {
            long[] out = new long[shape.length + 1];
            out[0] = n;
            System.arraycopy(shape, 0, out, 1, shape.length);
            return out;
        }
    }
}
