package org.dl4jmeta.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
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
 * A network of {@link Layer}s and {@link Vertex vertices} ending in a {@link Loss}, whose parameters live outside
 * any graph in a {@link ParamSet} named {@code layer/param} (e.g. {@code conv1/W}): a sequential stack (the Conv-4
 * of the papers), or a directed acyclic graph with residual additions and concatenations (ResNet-12, DL4J
 * {@code ComputationGraph}s), given as {@link Node}s in topological order whose inputs name earlier nodes or
 * {@link #INPUT}; the last node is the output.
 *
 * <p>{@link #lossAndGradient} adds the forward pass, the loss and the hand-written backward pass of every node to
 * a SameDiff graph, producing the gradient as ordinary ops (reverse-mode over the graph: a node's output gradient
 * is the sum of what its consumers send back): differentiating that graph again (MAML's outer gradient,
 * Hessian-vector products) is exact. Immutable and thread-safe.
 */
public final class Network {

    /** The name by which nodes refer to the network's input. */
    public static final String INPUT = "input";

    private final long[] inputShape;
    private final List<Node> nodes;
    private final List<Layer> layers;
    private final Loss loss;
    private final Map<String, long[]> outShapes;
    private final Map<String, long[]> specs;
    private final boolean sequential;

    /**
     * One node of a network: a layer with one input, or a vertex with several.
     *
     * @param layer the layer, or null for a vertex node
     * @param vertex the vertex, or null for a layer node
     * @param inputs the names of the nodes (or {@link #INPUT}) it reads, in order
     */
    public record Node(Layer layer, Vertex vertex, List<String> inputs) {

        /**
         * @throws IllegalArgumentException unless exactly one of layer and vertex is given, a layer has one input
         *     and a vertex at least one
         */
        public Node {
            if ((layer == null) == (vertex == null)) {
                throw new IllegalArgumentException("a node holds exactly one of a layer and a vertex, got " + layer
                        + " and " + vertex);
            }
            inputs = List.copyOf(Objects.requireNonNull(inputs, "inputs"));
            if (layer != null && inputs.size() != 1) {
                throw new IllegalArgumentException("layer '" + layer.name() + "' takes exactly one input, got "
                        + inputs);
            }
            if (vertex != null && inputs.isEmpty()) {
                throw new IllegalArgumentException("vertex '" + vertex.name() + "' has no inputs");
            }
        }

        /**
         * @param layer the layer
         * @param input the node it reads, or {@link #INPUT}
         * @return a layer node
         */
        public static Node of(Layer layer, String input) {
            return new Node(Objects.requireNonNull(layer, "layer"), null, List.of(input));
        }

        /**
         * @param vertex the vertex
         * @param inputs the nodes it reads, in order
         * @return a vertex node
         */
        public static Node of(Vertex vertex, String... inputs) {
            return new Node(null, Objects.requireNonNull(vertex, "vertex"), List.of(inputs));
        }

        /** @return the node's name (its layer's or vertex's) */
        public String name() {
            return layer != null ? layer.name() : vertex.name();
        }
    }

    /**
     * A sequential stack.
     *
     * @param inputShape per-example input shape, e.g. {@code [1,28,28]}
     * @param layers the layers, in order
     * @param loss the loss applied to the last layer's output
     * @throws IllegalArgumentException if there are no layers, names repeat, or shapes do not chain
     */
    public Network(long[] inputShape, List<Layer> layers, Loss loss) {
        this(inputShape, chain(layers), loss, true);
    }

    private static List<Node> chain(List<Layer> layers) {
        if (layers == null || layers.isEmpty()) {
            throw new IllegalArgumentException("a network needs at least one layer, got " + layers);
        }
        List<Node> out = new ArrayList<>();
        String prev = INPUT;
        for (Layer l : layers) {
            out.add(Node.of(l, prev));
            prev = l.name();
        }
        return out;
    }

    /**
     * A graph-shaped network.
     *
     * @param inputShape per-example input shape
     * @param nodes the nodes in topological order (each reads only earlier nodes or {@link #INPUT}); the last is
     *     the output, and every other node's output must be read by a later one
     * @param loss the loss applied to the last node's output
     * @return the network
     * @throws IllegalArgumentException naming the node whose name repeats, whose input is unknown or later, whose
     *     output is unused, or whose shapes do not fit
     */
    public static Network graph(long[] inputShape, List<Node> nodes, Loss loss) {
        return new Network(inputShape, nodes, loss, false);
    }

    private Network(long[] inputShape, List<Node> nodes, Loss loss, boolean sequential) {
        Objects.requireNonNull(inputShape, "inputShape");
        Objects.requireNonNull(loss, "loss");
        if (nodes == null || nodes.isEmpty()) {
            throw new IllegalArgumentException("a network needs at least one node, got " + nodes);
        }
        for (long d : inputShape) {
            if (d < 1) {
                throw new IllegalArgumentException("input shape must have positive dimensions, got "
                        + Arrays.toString(inputShape));
            }
        }
        this.inputShape = inputShape.clone();
        this.nodes = List.copyOf(nodes);
        this.loss = loss;
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put(INPUT, this.inputShape);
        Set<String> unused = new LinkedHashSet<>();
        List<Layer> ls = new ArrayList<>();
        Map<String, long[]> s = new LinkedHashMap<>();
        for (Node n : this.nodes) {
            String name = n.name();
            if (shapes.containsKey(name)) {
                throw new IllegalArgumentException(INPUT.equals(name) ? "no node may be called '" + INPUT
                        + "' (the network's input)" : "layer names must be unique, '" + name + "' repeats");
            }
            List<long[]> in = new ArrayList<>();
            for (String i : n.inputs()) {
                long[] shape = shapes.get(i);
                if (shape == null) {
                    throw new IllegalArgumentException("node '" + name + "' reads '" + i + "', which is not "
                            + INPUT + " or an earlier node; nodes so far: " + shapes.keySet()
                            + " (list the nodes in topological order)");
                }
                in.add(shape);
                unused.remove(i);
            }
            long[] out;
            if (n.layer() != null) {
                Layer l = n.layer();
                for (Map.Entry<String, long[]> e : l.paramShapes(in.get(0)).entrySet()) {
                    s.put(name + "/" + e.getKey(), e.getValue());
                }
                out = l.outputShape(in.get(0));
                ls.add(l);
            } else {
                out = n.vertex().outputShape(in);
            }
            shapes.put(name, out);
            unused.add(name);
        }
        String last = this.nodes.get(this.nodes.size() - 1).name();
        unused.remove(last);
        if (!unused.isEmpty()) {
            throw new IllegalArgumentException("the outputs of nodes " + unused + " are not read by any later node; "
                    + "the network's only output is its last node '" + last + "'");
        }
        long[] cur = shapes.get(last);
        if (cur.length != 1) {
            throw new IllegalArgumentException("the last layer must output [outputs] per example, got "
                    + Arrays.toString(cur) + " (add Flatten and Dense layers)");
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("a network needs at least one parameter, its layers have none");
        }
        this.layers = List.copyOf(ls);
        this.outShapes = java.util.Collections.unmodifiableMap(shapes);
        this.specs = java.util.Collections.unmodifiableMap(s);
        this.sequential = sequential;
    }

    /** @return the per-example input shape (a copy) */
    public long[] inputShape() {
        return inputShape.clone();
    }

    /** @return the layers in order (every node but the vertices) */
    public List<Layer> layers() {
        return layers;
    }

    /** @return every node in topological order, the last being the output */
    public List<Node> nodes() {
        return nodes;
    }

    /** @return whether the network is a plain stack (each node reads the one before), as built by the constructor */
    public boolean isSequential() {
        return sequential;
    }

    /**
     * @param node a node name, or {@link #INPUT}
     * @return its per-example output shape (a copy)
     * @throws IllegalArgumentException naming the node if there is none of that name
     */
    public long[] outputShape(String node) {
        long[] shape = outShapes.get(node);
        if (shape == null) {
            throw new IllegalArgumentException("no node '" + node + "' in this network; nodes: " + outShapes.keySet());
        }
        return shape.clone();
    }

    /** @return a layer node's per-example input shape */
    private long[] inputShapeOf(Node node) {
        return outShapes.get(node.inputs().get(0));
    }

    /** @return the loss */
    public Loss loss() {
        return loss;
    }

    /** @return the number of outputs of the last node */
    public long outputs() {
        return outShapes.get(nodes.get(nodes.size() - 1).name())[0];
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
     * Seeded initialisation: the same seed gives the same parameters on every machine and backend. Each layer, in
     * order, draws from its own split of one stream seeded with {@code seed}.
     *
     * @param seed the seed
     * @param dataType FLOAT or DOUBLE
     * @return fresh parameters
     */
    public ParamSet initialise(long seed, DataType dataType) {
        ParamSet p = ParamSet.zeros(specs, dataType);
        SplittableRandom root = new SplittableRandom(seed);
        for (Node n : nodes) {
            Layer l = n.layer();
            if (l == null) {
                continue;
            }
            SplittableRandom rng = root.split();
            long[] in = inputShapeOf(n);
            Map<String, INDArray> local = new LinkedHashMap<>();
            for (String k : l.paramShapes(in).keySet()) {
                local.put(k, p.get(l.name() + "/" + k));
            }
            l.initialise(local, in, rng);
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
     * @return the output, every node's output and the normalisation layers' statistics
     */
    public Forward forward(SameDiff sd, SDVariable x, long batch, Map<String, SDVariable> params) {
        return forward(sd, x, batch, params, true);
    }

    /**
     * Adds the forward pass to a graph, choosing whether SameDiff may differentiate it.
     *
     * @param differentiable true: every layer's {@link Layer#forward}; false: {@link Layer#nativeForward}, for
     *     graphs that are only executed
     * @return the output, every node's output and the normalisation layers' statistics
     */
    public Forward forward(SameDiff sd, SDVariable x, long batch, Map<String, SDVariable> params,
                           boolean differentiable) {
        return build(sd, x, batch, params, differentiable, Map.of()).forward();
    }

    /**
     * Adds a forward pass whose {@link Normalisation} layers use the given statistics instead of the batch's:
     * with those of an adapted task's support set, each example's output no longer depends on the rest of its
     * batch.
     *
     * @param statistics normalisation layer name to its statistics; every normalisation layer must have them
     * @return the output, every node's output and the statistics used
     * @throws IllegalArgumentException naming a normalisation layer without statistics, or a name that is no
     *     normalisation layer
     */
    public Forward forward(SameDiff sd, SDVariable x, long batch, Map<String, SDVariable> params,
                           Map<String, Normalisation.Statistics> statistics) {
        Set<String> norms = new LinkedHashSet<>();
        for (Layer l : layers) {
            if (l instanceof Normalisation) {
                norms.add(l.name());
            }
        }
        if (!norms.equals(statistics.keySet())) {
            throw new IllegalArgumentException("statistics must be given for exactly the normalisation layers "
                    + norms + ", got them for " + statistics.keySet());
        }
        return build(sd, x, batch, params, true, statistics).forward();
    }

    /**
     * The passes of one forward pass, by node name, with every node's output, and the layouts of an executed-only
     * graph ({@link ChannelsLast}).
     *
     * @param forward the forward pass as callers see it (every output channels-first)
     * @param passes each node's layer or vertex pass
     * @param layouts each node's values as the graph holds them
     */
    private record Built(Forward forward, Map<String, Object> passes, Layouts layouts) {
    }

    /**
     * Where an executed-only graph holds values channels-last: which nodes' outputs, which layer nodes took their
     * input so, and each node's (channels-first) shape, so that the backward pass transposes a gradient wherever the
     * forward pass transposed a value.
     */
    private static final class Layouts {
        private final SameDiff sd;
        private final Set<String> lastOutputs = new java.util.HashSet<>();
        private final Set<String> lastInputs = new java.util.HashSet<>();
        private final Map<String, long[]> shapes;
        private final Map<String, SDVariable> held;
        private final Map<String, SDVariable> channelsFirst = new java.util.HashMap<>();

        Layouts(SameDiff sd, Map<String, SDVariable> held, Map<String, long[]> shapes) {
            this.sd = sd;
            this.held = held;
            this.shapes = shapes;
        }

        /** @return node's output channels-first (transposed once, then reused by every consumer) */
        SDVariable channelsFirst(String node) {
            if (!lastOutputs.contains(node)) {
                return held.get(node);
            }
            return channelsFirst.computeIfAbsent(node, k -> ChannelsLast.toChannelsFirst(sd, held.get(k),
                    shapes.get(k)));
        }

        /** @return node's output channels-last */
        SDVariable channelsLast(String node) {
            return lastOutputs.contains(node) ? held.get(node)
                    : ChannelsLast.toChannelsLast(sd, held.get(node), shapes.get(node));
        }

        /**
         * @param d a gradient of node's output, channels-last if {@code last}
         * @return it in the layout the graph holds node's output in
         */
        SDVariable toHeld(String node, SDVariable d, boolean last) {
            boolean held = lastOutputs.contains(node);
            if (held == last) {
                return d;
            }
            return held ? ChannelsLast.toChannelsLast(sd, d, shapes.get(node))
                    : ChannelsLast.toChannelsFirst(sd, d, shapes.get(node));
        }
    }

    /**
     * @param differentiable false: executed-only, so that {@link ChannelsLast} layers may run channels-last when the
     *     batch size is known
     */
    private Built build(SameDiff sd, SDVariable x, long batch, Map<String, SDVariable> params,
                        boolean differentiable, Map<String, Normalisation.Statistics> fixed) {
        Map<String, SDVariable> out = new LinkedHashMap<>();
        Map<String, long[]> full = new LinkedHashMap<>();
        Map<String, Object> passes = new LinkedHashMap<>();
        Map<String, Normalisation.StatisticsPass> stats = new LinkedHashMap<>();
        Layouts layouts = new Layouts(sd, out, full);
        boolean channelsLastGraph = !differentiable && batch > 0;
        out.put(INPUT, x);
        full.put(INPUT, Shapes.withBatch(batch, inputShape));
        for (Node n : nodes) {
            if (n.layer() != null) {
                Layer l = n.layer();
                String in = n.inputs().get(0);
                long[] shape = full.get(in);
                Map<String, SDVariable> local = new LinkedHashMap<>();
                for (String k : l.paramShapes(Shapes.perExample(shape)).keySet()) {
                    SDVariable v = params.get(l.name() + "/" + k);
                    if (v == null) {
                        throw new IllegalArgumentException("no variable for parameter '" + l.name() + "/" + k + "'");
                    }
                    local.put(k, v);
                }
                Layer.Pass pass;
                Normalisation.Statistics given = fixed.get(l.name());
                boolean last = channelsLastGraph && given == null && shape.length == 4
                        && l instanceof ChannelsLast cl && cl.runsChannelsLast(shape)
                        && (layouts.lastOutputs.contains(in) || shape[1] == 1);
                if (last) {
                    pass = ((ChannelsLast) l).channelsLastForward(sd, layouts.channelsLast(in), shape, local);
                    layouts.lastInputs.add(l.name());
                    if (pass.outputShape().length == 4) {
                        layouts.lastOutputs.add(l.name());
                    }
                } else if (given != null) {
                    pass = ((Normalisation) l).forward(sd, layouts.channelsFirst(in), shape, local, given);
                } else {
                    pass = differentiable ? l.forward(sd, out.get(in), shape, local)
                            : l.nativeForward(sd, layouts.channelsFirst(in), shape, local);
                }
                if (pass instanceof Normalisation.StatisticsPass sp) {
                    stats.put(l.name(), sp);
                }
                passes.put(l.name(), pass);
                out.put(l.name(), pass.output());
                full.put(l.name(), pass.outputShape());
            } else {
                List<SDVariable> ins = new ArrayList<>();
                List<long[]> shapes = new ArrayList<>();
                for (String i : n.inputs()) {
                    ins.add(layouts.channelsFirst(i));
                    shapes.add(full.get(i));
                }
                Vertex.Pass pass = n.vertex().forward(sd, ins, shapes);
                passes.put(n.name(), pass);
                out.put(n.name(), pass.output());
                full.put(n.name(), pass.outputShape());
            }
        }
        Map<String, SDVariable> outputs = new LinkedHashMap<>();
        for (String k : out.keySet()) {
            outputs.put(k, layouts.channelsFirst(k));
        }
        SDVariable y = outputs.get(nodes.get(nodes.size() - 1).name());
        return new Built(new Forward(y, java.util.Collections.unmodifiableMap(outputs),
                java.util.Collections.unmodifiableMap(stats)), passes, layouts);
    }

    /**
     * Adds forward pass and loss (no backward pass) to a graph.
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
        return lossAndGradient(sd, x, y, batch, params, differentiable, Map.of());
    }

    /**
     * As {@link #lossAndGradient(SameDiff, SDVariable, SDVariable, long, Map)} with the {@link Normalisation}
     * layers normalising by the given statistics (held constant), e.g. to fine-tune with a support set's
     * statistics.
     *
     * @param statistics normalisation layer name to its statistics (empty: the batch's, as the other overloads)
     * @return loss, outputs and the gradient of the loss for every parameter
     */
    public LossAndGradient lossAndGradient(SameDiff sd, SDVariable x, SDVariable y, long batch,
                                           Map<String, SDVariable> params, boolean differentiable,
                                           Map<String, Normalisation.Statistics> statistics) {
        Built b = statistics.isEmpty() ? build(sd, x, batch, params, differentiable, Map.of()) : null;
        if (b == null) {
            forward(sd, x, batch, params, statistics); // validates the names
            b = build(sd, x, batch, params, differentiable, statistics);
        }
        Forward f = b.forward();
        Loss.Built lb = loss.build(sd, f.output(), y, batch);
        Map<String, SDVariable> grads = new LinkedHashMap<>();
        // dL/d(node output), summed over the node's consumers; the input needs none
        Map<String, SDVariable> adjoint = new LinkedHashMap<>();
        Layouts layouts = b.layouts();
        String last = nodes.get(nodes.size() - 1).name();
        adjoint.put(last, layouts.toHeld(last, lb.dz(), false));
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            SDVariable d = adjoint.remove(n.name());
            if (d == null) {
                continue; // unreachable from the output: validated away in the constructor
            }
            if (n.layer() != null) {
                String in = n.inputs().get(0);
                boolean needInput = !INPUT.equals(in);
                Map<String, SDVariable> local = new LinkedHashMap<>();
                Layer.Pass pass = (Layer.Pass) b.passes().get(n.name());
                SDVariable dx = differentiable ? pass.backward(d, local, needInput)
                        : pass.nativeBackward(d, local, needInput);
                for (Map.Entry<String, SDVariable> e : local.entrySet()) {
                    grads.put(n.name() + "/" + e.getKey(), e.getValue());
                }
                if (needInput) {
                    adjoint.merge(in, layouts.toHeld(in, dx, layouts.lastInputs.contains(n.name())),
                            SDVariable::add);
                }
            } else {
                List<SDVariable> dxs = ((Vertex.Pass) b.passes().get(n.name())).backward(d);
                for (int k = 0; k < dxs.size(); k++) {
                    String in = n.inputs().get(k);
                    if (!INPUT.equals(in)) {
                        adjoint.merge(in, layouts.toHeld(in, dxs.get(k), false), SDVariable::add);
                    }
                }
            }
        }
        Map<String, SDVariable> ordered = new LinkedHashMap<>();
        for (String name : specs.keySet()) {
            ordered.put(name, grads.get(name));
        }
        return new LossAndGradient(lb.loss(), f.output(), ordered);
    }

    /**
     * A forward pass inside a graph.
     *
     * @param output the network output
     * @param outputs every node's output by name ({@link #INPUT} included)
     * @param normalisations every normalisation layer's pass by name
     */
    public record Forward(SDVariable output, Map<String, SDVariable> outputs,
                          Map<String, Normalisation.StatisticsPass> normalisations) {

        /**
         * @return every normalisation layer's statistics by name (the batch's, or the given ones), in layer order;
         *     the batch's are added to the graph by this call (a forward pass that does not need them has none)
         */
        public Map<String, Normalisation.Statistics> statistics() {
            Map<String, Normalisation.Statistics> m = new LinkedHashMap<>();
            normalisations.forEach((k, v) -> m.put(k, v.statistics()));
            return m;
        }
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
