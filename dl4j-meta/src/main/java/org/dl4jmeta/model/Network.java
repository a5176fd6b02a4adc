package org.dl4jmeta.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A sequential stack of {@link Layer}s ending in a {@link Loss}, whose parameters live outside any graph in a
 * {@link ParamSet} named {@code layer/param} (e.g. {@code conv1/W}).
 *
 * <p>{@link #lossAndGradient} adds the forward pass, the loss and the hand-written backward pass of every layer to
 * a SameDiff graph, producing the gradient as ordinary ops: differentiating that graph again (MAML's outer
 * gradient, Hessian-vector products) is exact. Immutable and thread-safe.
 */
public final class Network {

    private final long[] inputShape;
    private final List<Layer> layers;
    private final Loss loss;
    private final List<long[]> inShapes;
    private final Map<String, long[]> specs;

    /**
     * @param inputShape per-example input shape, e.g. {@code [1,28,28]}
     * @param layers the layers, in order
     * @param loss the loss applied to the last layer's output
     * @throws IllegalArgumentException if there are no layers, names repeat, or shapes do not chain
     */
    public Network(long[] inputShape, List<Layer> layers, Loss loss) {
        Objects.requireNonNull(inputShape, "inputShape");
        Objects.requireNonNull(loss, "loss");
        if (layers == null || layers.isEmpty()) {
            throw new IllegalArgumentException("a network needs at least one layer, got " + layers);
        }
        for (long d : inputShape) {
            if (d < 1) {
                throw new IllegalArgumentException("input shape must have positive dimensions, got "
                        + Arrays.toString(inputShape));
            }
        }
        this.inputShape = inputShape.clone();
        this.layers = List.copyOf(layers);
        this.loss = loss;
        Set<String> seen = new HashSet<>();
        List<long[]> shapes = new ArrayList<>();
        Map<String, long[]> s = new LinkedHashMap<>();
        long[] cur = this.inputShape;
        for (Layer l : this.layers) {
            if (!seen.add(l.name())) {
                throw new IllegalArgumentException("layer names must be unique, '" + l.name() + "' repeats");
            }
            shapes.add(cur);
            for (Map.Entry<String, long[]> e : l.paramShapes(cur).entrySet()) {
                s.put(l.name() + "/" + e.getKey(), e.getValue());
            }
            cur = l.outputShape(cur);
        }
        if (cur.length != 1) {
            throw new IllegalArgumentException("the last layer must output [outputs] per example, got "
                    + Arrays.toString(cur) + " (add Flatten and Dense layers)");
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("a network needs at least one parameter, its layers have none");
        }
        this.inShapes = List.copyOf(shapes);
        this.specs = java.util.Collections.unmodifiableMap(s);
    }

    /** @return the per-example input shape (a copy) */
    public long[] inputShape() {
        return inputShape.clone();
    }

    /** @return the layers in order */
    public List<Layer> layers() {
        return layers;
    }

    /** @return the loss */
    public Loss loss() {
        return loss;
    }

    /** @return the number of outputs of the last layer */
    public long outputs() {
        long[] cur = inputShape;
        for (Layer l : layers) {
            cur = l.outputShape(cur);
        }
        return cur[0];
    }

    /** @return parameter names (layer/param) and shapes, in order */
    public Map<String, long[]> paramSpecs() {
        return specs;
    }

    /** @return the parameter names in order */
    public List<String> paramNames() {
        return List.copyOf(specs.keySet());
    }

    /**
     * Seeded initialisation: the same seed gives the same parameters on every machine and backend.
     *
     * @param seed the seed
     * @param dataType FLOAT or DOUBLE
     * @return fresh parameters
     */
    public ParamSet initialise(long seed, DataType dataType) {
        ParamSet p = ParamSet.zeros(specs, dataType);
        SplittableRandom root = new SplittableRandom(seed);
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            SplittableRandom rng = root.split();
            Map<String, INDArray> local = new LinkedHashMap<>();
            for (String k : l.paramShapes(inShapes.get(i)).keySet()) {
                local.put(k, p.get(l.name() + "/" + k));
            }
            l.initialise(local, inShapes.get(i), rng);
        }
        return p;
    }

    /**
     * Checks that a parameter set fits this network.
     *
     * @param params the parameters
     * @param what how to name them in the message
     * @throws IllegalArgumentException naming the first missing or mis-shaped tensor
     */
    public void requireParams(ParamSet params, String what) {
        for (Map.Entry<String, long[]> e : specs.entrySet()) {
            if (!params.contains(e.getKey())) {
                throw new IllegalArgumentException(what + " lacks parameter '" + e.getKey() + "' of shape "
                        + Arrays.toString(e.getValue()) + "; it has " + params.names());
            }
            if (!Arrays.equals(params.shape(e.getKey()), e.getValue())) {
                throw new IllegalArgumentException(what + " parameter '" + e.getKey() + "' must have shape "
                        + Arrays.toString(e.getValue()) + ", got " + Arrays.toString(params.shape(e.getKey())));
            }
        }
    }

    /**
     * Adds the forward pass to a graph.
     *
     * @param sd the graph
     * @param x input [batch, inputShape...]
     * @param batch batch size
     * @param params parameter name to variable
     * @return the output and the passes of every layer
     */
    public Forward forward(SameDiff sd, SDVariable x, long batch, Map<String, SDVariable> params) {
        return forward(sd, x, batch, params, true);
    }

    /**
     * Adds the forward pass to a graph, choosing whether SameDiff may differentiate it.
     *
     * @param differentiable true: every layer's {@link Layer#forward}; false: {@link Layer#nativeForward}, for
     *     graphs that are only executed
     * @return the output and the passes of every layer
     */
    public Forward forward(SameDiff sd, SDVariable x, long batch, Map<String, SDVariable> params,
                           boolean differentiable) {
        List<Layer.Pass> passes = new ArrayList<>();
        SDVariable cur = x;
        long[] shape = Shapes.withBatch(batch, inputShape);
        for (Layer l : layers) {
            Map<String, SDVariable> local = new LinkedHashMap<>();
            for (String k : l.paramShapes(Shapes.perExample(shape)).keySet()) {
                SDVariable v = params.get(l.name() + "/" + k);
                if (v == null) {
                    throw new IllegalArgumentException("no variable for parameter '" + l.name() + "/" + k + "'");
                }
                local.put(k, v);
            }
            Layer.Pass pass = differentiable ? l.forward(sd, cur, shape, local) : l.nativeForward(sd, cur, shape, local);
            passes.add(pass);
            cur = pass.output();
            shape = pass.outputShape();
        }
        return new Forward(cur, passes);
    }

    /**
     * Adds the forward pass and the loss (no backward pass) to a graph.
     *
     * @param sd the graph
     * @param x input [batch, inputShape...]
     * @param y targets [batch, outputs]
     * @param batch batch size
     * @param params parameter name to variable
     * @return the scalar loss and the network output
     */
    public LossAndOutput loss(SameDiff sd, SDVariable x, SDVariable y, long batch, Map<String, SDVariable> params) {
        Forward f = forward(sd, x, batch, params);
        return new LossAndOutput(loss.build(sd, f.output(), y, batch).loss(), f.output());
    }

    /**
     * Loss and output inside a graph.
     *
     * @param loss scalar loss
     * @param output network output
     */
    public record LossAndOutput(SDVariable loss, SDVariable output) {
    }

    /**
     * Adds forward pass, loss and the explicit backward pass to a graph.
     *
     * @param sd the graph
     * @param x input [batch, inputShape...]
     * @param y targets [batch, outputs]
     * @param batch batch size
     * @param params parameter name to variable
     * @return loss, outputs and the gradient of the loss for every parameter, as differentiable variables
     */
    public LossAndGradient lossAndGradient(SameDiff sd, SDVariable x, SDVariable y, long batch,
                                           Map<String, SDVariable> params) {
        return lossAndGradient(sd, x, y, batch, params, true);
    }

    /**
     * As {@link #lossAndGradient(SameDiff, SDVariable, SDVariable, long, Map)}, choosing whether the gradient
     * must itself be differentiable.
     *
     * @param differentiable true: every layer's {@link Layer.Pass#backward} (ordinary ops, exact to differentiate
     *     again); false: {@link Layer#nativeForward} and {@link Layer.Pass#nativeBackward}, for graphs that are only
     *     executed (the same gradient, but layers may use fused or fewer ops that SameDiff cannot differentiate)
     * @return loss, outputs and the gradient of the loss for every parameter
     */
    public LossAndGradient lossAndGradient(SameDiff sd, SDVariable x, SDVariable y, long batch,
                                           Map<String, SDVariable> params, boolean differentiable) {
        Forward f = forward(sd, x, batch, params, differentiable);
        Loss.Built lb = loss.build(sd, f.output(), y, batch);
        Map<String, SDVariable> grads = new LinkedHashMap<>();
        SDVariable d = lb.dz();
        for (int i = layers.size() - 1; i >= 0; i--) {
            Map<String, SDVariable> local = new LinkedHashMap<>();
            Layer.Pass pass = f.passes().get(i);
            d = differentiable ? pass.backward(d, local, i > 0) : pass.nativeBackward(d, local, i > 0);
            for (Map.Entry<String, SDVariable> e : local.entrySet()) {
                grads.put(layers.get(i).name() + "/" + e.getKey(), e.getValue());
            }
        }
        Map<String, SDVariable> ordered = new LinkedHashMap<>();
        for (String n : specs.keySet()) {
            ordered.put(n, grads.get(n));
        }
        return new LossAndGradient(lb.loss(), f.output(), ordered);
    }

    /**
     * A forward pass inside a graph.
     *
     * @param output the network output
     * @param passes each layer's pass, in order
     */
    public record Forward(SDVariable output, List<Layer.Pass> passes) {
    }

    /**
     * Loss and explicit gradient inside a graph.
     *
     * @param loss scalar loss
     * @param output network output
     * @param gradients parameter name to dL/dparameter, in parameter order
     */
    public record LossAndGradient(SDVariable loss, SDVariable output, Map<String, SDVariable> gradients) {
    }
}
