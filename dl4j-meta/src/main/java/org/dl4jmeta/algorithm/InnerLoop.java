package org.dl4jmeta.algorithm;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleBiFunction;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Plain (numeric, not differentiated) inner-loop SGD on a support set, shared by first-order MAML, Reptile and
 * test-time adaptation, with a cache of first-order graphs per batch size, and the checks and metrics every learner
 * needs. Public so that a learner outside this package is written like the built-in ones. Learners hold two: one
 * with fused backward ops for meta-training, and one whose results do not depend on the thread count for
 * {@link MetaLearner#adapt} (see {@link LossGradGraph#LossGradGraph(Network, long, DataType, boolean)}).
 * Not thread-safe: one per learner.
 */
public final class InnerLoop {

    private final Network network;
    private final boolean fused;
    private final Map<String, LossGradGraph> graphs = new HashMap<>();

    /**
     * @param network the network
     * @param fused whether the graphs use libnd4j's fused backward ops
     */
    public InnerLoop(Network network, boolean fused) {
        this.network = network;
        this.fused = fused;
    }

    /**
     * The loss-and-gradient graph for a batch size, built on first use and cached.
     *
     * @param batch the number of examples
     * @param dt the data type of parameters and inputs
     * @return the graph (run it with {@link LossGradGraph#run})
     */
    public LossGradGraph graph(long batch, DataType dt) {
        return graphs.computeIfAbsent(batch + "/" + dt, k -> new LossGradGraph(network, batch, dt, fused));
    }

    /**
     * Runs SGD from the network part of theta.
     *
     * @param theta meta-parameters (network parameters are read, never written)
     * @param x support inputs
     * @param y support targets
     * @param steps number of steps
     * @param rate step size of parameter {@code name} at step {@code k}
     * @param gradsOut if not null, receives the support gradient of every step
     * @return phi_K
     */
    public ParamSet sgd(ParamSet theta, INDArray x, INDArray y, int steps, ToDoubleBiFunction<String, Integer> rate,
                        List<ParamSet> gradsOut) {
        return sgd(theta, x, y, steps, rate, gradsOut, null);
    }

    /**
     * As {@link #sgd(ParamSet, INDArray, INDArray, int, ToDoubleBiFunction, List)}, also handing out the support
     * loss each step starts from, so a caller needs no separate forward pass for the support loss at theta (the
     * first one).
     *
     * @param theta meta-parameters (network parameters are read, never written)
     * @param x support inputs
     * @param y support targets
     * @param steps number of steps
     * @param rate step size of parameter {@code name} at step {@code k}
     * @param gradsOut if not null, receives the support gradient of every step
     * @param lossesOut if not null, receives the support loss before every step
     * @return phi_K
     */
    public ParamSet sgd(ParamSet theta, INDArray x, INDArray y, int steps, ToDoubleBiFunction<String, Integer> rate,
                        List<ParamSet> gradsOut, List<Double> lossesOut) {
        ParamSet phi = theta.select(network.paramNames());
        LossGradGraph g = graph(x.size(0), theta.dataType());
        for (int k = 0; k < steps; k++) {
            LossGradGraph.Result r = g.run(phi, x, y, true);
            ParamSet grad = r.gradient();
            if (lossesOut != null) {
                lossesOut.add(r.loss());
            }
            if (gradsOut != null) {
                gradsOut.add(grad);
            }
            for (String n : phi.names()) {
                phi.get(n).subi(grad.get(n).mul(rate.applyAsDouble(n, k)));
            }
        }
        return phi;
    }

    /**
     * Validates a test-time adaptation request (steps, theta, support shapes) before any work.
     *
     * @param theta meta-parameters
     * @param x support inputs
     * @param y support targets
     * @param steps inner steps
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
     *
     * @param theta meta-parameters
     * @param x support inputs
     * @param y support targets
     * @throws IllegalArgumentException naming the bad shape or data type
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
     *
     * @param theta meta-parameters
     * @param e the episode
     * @throws IllegalArgumentException naming the bad shape, ways or data type
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
