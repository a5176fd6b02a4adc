package org.dl4jmeta.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.autodiff.samediff.internal.Variable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.BaseOp;
import org.nd4j.linalg.api.ops.BaseReduceOp;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.ReduceOp;
import org.nd4j.linalg.api.ops.ScalarOp;
import org.nd4j.linalg.api.ops.impl.transforms.same.Identity;
import org.nd4j.linalg.api.ops.impl.shape.Reshape;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A SameDiff graph compiled once into a fixed, topologically ordered list of the ops that the requested outputs
 * need, executed directly on libnd4j without SameDiff's per-run session.
 *
 * <p>Why: SameDiff 1.0.0-M2.1's {@code InferenceSession} spends about 40-50 us of Java-side work on every op of
 * every run (dependency tracking through hash maps of variable ids, regular expressions on variable names, a
 * native shape calculation, an array-cache lookup), whatever the op's size. A second-order MAML task on a
 * 10-image episode runs about 900 ops, so that bookkeeping was about half its time. Our graphs have no control
 * flow and fixed shapes, so everything it decides per run can be decided once: the order, each op's input and
 * output slots, its native context with its integer/float/boolean/type arguments, its output shapes (recomputed
 * only when an input's shape changes), and the point after which each intermediate array is dead.
 *
 * <p>Memory: an intermediate array is handed back to a pool of this plan as soon as its last consumer that reads
 * its values has run (ops that read only its shape get a stand-in), and later allocations of the same data type and
 * length, whatever their shape, reuse its memory (SameDiff instead keeps every array of a run until the garbage
 * collector finds it). That first run tells every intermediate's shape and lifetime; the plan then lays them out in
 * one arena per data type at fixed offsets ({@link #planArena}), so later runs allocate nothing and the plan holds
 * little more than the peak set of simultaneously live intermediates between runs.
 * Reshapes run as views of their input, not copies. The arrays that {@link #run} returns are the caller's and
 * never pooled.
 *
 * <p>The values are SameDiff's own: the same op objects execute on the same inputs, in an order consistent with
 * the graph's dependencies. Supported: custom ops and legacy (transform, scalar, reduce, broadcast, pairwise) ops
 * and identity; control flow (loops, conditions, tensor arrays, invoked functions) is rejected at construction.
 *
 * <p>Not thread-safe: one plan per thread, like the graphs that hold it.
 */
public final class ExecutionPlan {

    private enum Kind { CUSTOM, LEGACY, IDENTITY, VIEW }

    /** One op of the plan. */
    private static final class Step {
        final DifferentialFunction op;
        final Kind kind;
        final int[] in;
        final int[] out;
        final DataType[] outTypes;
        final OpContext context;
        /** For legacy reductions whose second input is the axis; -1 otherwise. */
        final int axisSlot;
        /** For legacy scalar ops whose second input is the scalar; -1 otherwise. */
        final int scalarSlot;
        /** Intermediates whose last use is this step (and outputs nobody reads), to hand back after it. */
        int[] release = new int[0];
        /** Per input position, whether the op reads only that input's shape ({@link #shapeOnlyInputs}). */
        boolean[] shapeOnly;
        LongShapeDescriptor[] shapes;
        int[] poolIds;
        /** For a view of an intermediate or a constant: the array last viewed and its view, reused while the same. */
        boolean cachesView;
        INDArray viewed;
        INDArray view;

        Step(DifferentialFunction op, Kind kind, int[] in, int[] out, DataType[] outTypes, OpContext context,
             int axisSlot, int scalarSlot) {
            this.op = op;
            this.kind = kind;
            this.in = in;
            this.out = out;
            this.outTypes = outTypes;
            this.context = context;
            this.axisSlot = axisSlot;
            this.scalarSlot = scalarSlot;
        }
    }

    private final String[] slotNames;
    private final Map<String, Integer> slotOf = new HashMap<>();
    /** Slots whose arrays each run must supply (placeholders and the variable inputs), by name. */
    private final Map<String, Integer> inputSlots = new LinkedHashMap<>();
    private final INDArray[] constants;
    private final Step[] steps;
    private final String[] outputs;
    private final Set<String> variableInputs;
    private final int[] outputSlots;
    /** Slots never handed back to the pool: requested outputs, inputs, constants and identity aliases. */
    private final boolean[] pinned;
    /** Pool ids by {@link #poolKey}: arrays of one data type and length share a pool, whatever their shapes. */
    private final Map<Object, Integer> poolIdOf = new HashMap<>();
    private final List<ArrayDeque<INDArray>> pools = new ArrayList<>();
    /** Per slot, the pool its current array came from (valid while the slot holds an unpinned array). */
    private final int[] poolOfSlot;
    /**
     * Per slot, its array's offset (in elements) in the arena of its data type, or -1 for an array the pools hold;
     * null until a run has told every intermediate's shape ({@link #planArena}).
     */
    private long[] arenaOffset;
    private DataType[] arenaType;
    /** Per data type, the arena's length in elements (the plan) and, once allocated, its memory. */
    private final Map<DataType, Long> arenaLength = new HashMap<>();
    private final Map<DataType, INDArray> arenaMemory = new HashMap<>();
    /** Per slot, its arena array (a view of the arena, the same object run after run). */
    private final INDArray[] arenaView;
    private long[][] shapesOfLastInputs;
    private long arraysAllocated;
    /**
     * Per slot, whether an op reads only its shape after its array went back to the pool, and then that shape and
     * data type (recorded when it goes back).
     */
    private final boolean[] shapeReadAfterRelease;
    private final long[][] releasedShape;
    private final DataType[] releasedType;
    /** Per slot, the slot whose array it views through reshapes executed as views (itself if none). */
    private final int[] rootOfSlot;
    /** Per data type, the memory that stand-ins for released arrays view (filled with NaN: no op reads it). */
    private final Map<DataType, INDArray> standInMemory = new HashMap<>();
    /** Per slot, the caller's array to write that output into during a run with targets (null: none), reused. */
    private INDArray[] targets;
    /** The slot of each requested output, by name. */
    private final Map<String, Integer> outputSlotOf = new HashMap<>();

    /**
     * Compiles the part of a graph that the given outputs need.
     *
     * @param sd the graph (for gradients: its gradient function, {@code sd.getFunction("grad")})
     * @param variableInputs names of the graph's variables whose arrays each run supplies (e.g. the parameters);
     *     every other variable, like every constant, keeps the array it holds now
     * @param outputs names of the variables to compute, in the order {@link #run} returns them
     * @throws IllegalArgumentException naming an output the graph lacks
     * @throws UnsupportedOperationException naming an op this plan cannot execute (control flow)
     */
    public ExecutionPlan(SameDiff sd, Collection<String> variableInputs, Collection<String> outputs) {
        this.variableInputs = Set.copyOf(variableInputs);
        for (String v : this.variableInputs) {
            if (!sd.hasVariable(v) || sd.getVariable(v).getVariableType() != VariableType.VARIABLE) {
                throw new IllegalArgumentException("'" + v + "' is not a variable of the graph");
            }
        }
        this.outputs = outputs.toArray(new String[0]);
        for (String o : this.outputs) {
            if (!sd.hasVariable(o)) {
                throw new IllegalArgumentException("graph has no variable '" + o + "' to output");
            }
        }
        List<SameDiffOp> order = topologicalOrder(sd, this.outputs);
        List<String> names = new ArrayList<>();
        List<INDArray> consts = new ArrayList<>();
        for (SameDiffOp sdo : order) {
            for (String n : inputsOf(sdo)) {
                slot(sd, n, names, consts);
            }
            for (String n : sdo.getOutputsOfOp()) {
                slot(sd, n, names, consts);
            }
        }
        for (String o : this.outputs) {
            slot(sd, o, names, consts);
        }
        this.slotNames = names.toArray(new String[0]);
        this.constants = consts.toArray(new INDArray[0]);
        this.pinned = new boolean[slotNames.length];
        this.poolOfSlot = new int[slotNames.length];
        this.arenaView = new INDArray[slotNames.length];
        this.shapeReadAfterRelease = new boolean[slotNames.length];
        this.releasedShape = new long[slotNames.length][];
        this.rootOfSlot = new int[slotNames.length];
        this.releasedType = new DataType[slotNames.length];
        for (int s = 0; s < slotNames.length; s++) {
            pinned[s] = constants[s] != null || inputSlots.containsValue(s);
        }
        this.outputSlots = new int[this.outputs.length];
        for (int i = 0; i < this.outputs.length; i++) {
            outputSlots[i] = slotOf.get(this.outputs[i]);
            outputSlotOf.put(this.outputs[i], outputSlots[i]);
            pinned[outputSlots[i]] = true;
        }
        this.steps = new Step[order.size()];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = compile(sd, order.get(i));
            steps[i].shapeOnly = shapeOnlyInputs(steps[i]);
        }
        for (int i = 0; i < steps.length; i++) {
            Step s = steps[i];
            if (s.kind == Kind.VIEW && pinned[s.out[0]]) {
                // an identity compiled later aliases this reshape's result: it must own its memory, so copy
                steps[i] = new Step(s.op, Kind.CUSTOM, s.in, s.out, s.outTypes, s.context, -1, -1);
            }
        }
        planReleases();
    }

    private static List<String> inputsOf(SameDiffOp sdo) {
        return sdo.getInputsToOp() == null ? List.of() : sdo.getInputsToOp();
    }

    private void slot(SameDiff sd, String name, List<String> names, List<INDArray> consts) {
        if (slotOf.containsKey(name)) {
            return;
        }
        int s = names.size();
        slotOf.put(name, s);
        names.add(name);
        SDVariable v = sd.getVariable(name);
        VariableType t = v.getVariableType();
        boolean fixed = t == VariableType.CONSTANT || t == VariableType.VARIABLE && !variableInputs.contains(name);
        if (fixed) {
            INDArray c = sd.getArrForVarName(name);
            if (c == null) {
                throw new IllegalStateException(t.toString().toLowerCase() + " '" + name + "' has no array");
            }
            consts.add(c);
        } else {
            consts.add(null);
            if (t == VariableType.PLACEHOLDER || t == VariableType.VARIABLE) {
                inputSlots.put(name, s);
            } else if (t != VariableType.ARRAY) {
                throw new UnsupportedOperationException("variable '" + name + "' of type " + t
                        + " cannot be executed by a plan");
            }
        }
    }

    private static List<SameDiffOp> topologicalOrder(SameDiff sd, String[] outputs) {
        Map<String, SameDiffOp> ops = sd.getOps();
        Map<String, Variable> vars = sd.getVariables();
        List<SameDiffOp> order = new ArrayList<>();
        Set<String> done = new HashSet<>();
        Set<String> onPath = new HashSet<>();
        // Iterative depth-first post-order: graphs of several thousand ops would overflow a recursive walk.
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        for (String o : outputs) {
            String producer = vars.get(o).getOutputOfOp();
            if (producer != null && !done.contains(producer)) {
                stack.push(new Object[] {producer, 0});
                onPath.add(producer);
            }
            while (!stack.isEmpty()) {
                Object[] top = stack.peek();
                String opName = (String) top[0];
                int next = (Integer) top[1];
                SameDiffOp sdo = ops.get(opName);
                List<String> ins = inputsOf(sdo);
                if (next < ins.size()) {
                    top[1] = next + 1;
                    String p = vars.get(ins.get(next)).getOutputOfOp();
                    if (p != null && !done.contains(p)) {
                        if (!onPath.add(p)) {
                            throw new UnsupportedOperationException("graph has a cycle through op '" + p + "'");
                        }
                        stack.push(new Object[] {p, 0});
                    }
                } else {
                    if (sdo.getControlDeps() != null && !sdo.getControlDeps().isEmpty()) {
                        throw new UnsupportedOperationException("op '" + opName + "' has control dependencies "
                                + sdo.getControlDeps() + "; plans execute data dependencies only");
                    }
                    stack.pop();
                    onPath.remove(opName);
                    done.add(opName);
                    order.add(sdo);
                }
            }
        }
        return order;
    }

    private Step compile(SameDiff sd, SameDiffOp sdo) {
        DifferentialFunction df = sdo.getOp();
        List<String> ins = inputsOf(sdo);
        int[] in = new int[ins.size()];
        for (int i = 0; i < in.length; i++) {
            in[i] = slotOf.get(ins.get(i));
        }
        List<String> outs = sdo.getOutputsOfOp();
        int[] out = new int[outs.size()];
        DataType[] types = new DataType[out.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = slotOf.get(outs.get(i));
            types[i] = sd.getVariable(outs.get(i)).dataType();
        }
        if (df instanceof Identity) {
            pinned[in[0]] = true;
            pinned[out[0]] = true;
            return new Step(df, Kind.IDENTITY, in, out, types, null, -1, -1);
        }
        if (df instanceof DynamicCustomOp c && isPlainCustomOp(c)) {
            OpContext oc = Nd4j.getExecutioner().buildContext();
            boolean view = df instanceof Reshape && !pinned[out[0]] && isCOrder(c);
            if (c.numIArguments() > 0) {
                oc.setIArguments(c.iArgs());
            }
            if (c.numTArguments() > 0) {
                oc.setTArguments(c.tArgs());
            }
            if (c.numBArguments() > 0) {
                oc.setBArguments(c.bArgs());
            }
            if (c.numDArguments() > 0) {
                oc.setDArguments(c.dArgs());
            }
            return new Step(df, view ? Kind.VIEW : Kind.CUSTOM, in, out, types, oc, -1, -1);
        }
        if (df instanceof Op op && !(df instanceof CustomOp)) {
            int axisSlot = -1;
            int scalarSlot = -1;
            if (op instanceof ReduceOp r && r.getOpType() != Op.Type.REDUCE3 && in.length == 2) {
                axisSlot = in[1];
            } else if (op instanceof ScalarOp && in.length == 2) {
                scalarSlot = in[1];
            }
            return new Step(df, Kind.LEGACY, in, out, types, Nd4j.getExecutioner().buildContext(), axisSlot,
                    scalarSlot);
        }
        throw new UnsupportedOperationException("op '" + sdo.getName() + "' (" + df.getClass().getName()
                + ") cannot be executed by a plan: only data-flow custom and legacy ops are supported");
    }

    /** @return whether a reshape op keeps 'c' order: its first integer argument is -99, or it names no order */
    private static boolean isCOrder(DynamicCustomOp reshape) {
        long[] args = reshape.iArgs();
        return args.length == 0 || args[0] == -'c' || args[0] >= 0;
    }

    /** Control-flow, tensor-array and in-place assignment ops need SameDiff's session. */
    private static boolean isPlainCustomOp(DynamicCustomOp c) {
        String n = c.getClass().getName();
        return !n.contains(".controlflow.") && !n.contains(".shape.tensorops.")
                && !n.endsWith(".Assign") && !n.endsWith(".CreateView") && !n.endsWith(".Invoke");
    }

    /**
     * Decides after which step each intermediate goes back to its pool. A reshape executed as a view shares its
     * input's memory, so the array it views (its root, through chains of views) stays out of the pool until the last
     * consumer of every view of it has run, and the views themselves are never pooled.
     */
    private void planReleases() {
        int[] lastUse = new int[slotNames.length];
        Arrays.fill(lastUse, -1);
        int[] root = rootOfSlot;
        for (int s = 0; s < root.length; s++) {
            root[s] = s;
        }
        for (int i = 0; i < steps.length; i++) {
            for (int j = 0; j < steps[i].in.length; j++) {
                if (!steps[i].shapeOnly[j]) {
                    lastUse[steps[i].in[j]] = i;
                }
            }
            if (steps[i].kind == Kind.VIEW) {
                root[steps[i].out[0]] = root[steps[i].in[0]];
            }
        }
        for (int s = 0; s < root.length; s++) {
            if (root[s] != s) {
                lastUse[root[s]] = Math.max(lastUse[root[s]], lastUse[s]);
            }
        }
        for (Step st : steps) {
            // pooled intermediates and constants come back as the same array objects run after run, so their views
            // can be kept; inputs and outputs are new every run, and keeping a view of one would keep it reachable
            st.cachesView = st.kind == Kind.VIEW && (!pinned[root[st.in[0]]] || constants[root[st.in[0]]] != null);
        }
        List<List<Integer>> release = new ArrayList<>();
        for (int i = 0; i < steps.length; i++) {
            release.add(new ArrayList<>());
        }
        for (int i = 0; i < steps.length; i++) {
            for (int s : steps[i].out) {
                if (!pinned[s] && root[s] == s) {
                    release.get(Math.max(i, lastUse[s])).add(s);
                }
            }
        }
        for (int i = 0; i < steps.length; i++) {
            steps[i].release = release.get(i).stream().mapToInt(Integer::intValue).distinct().toArray();
        }
        for (int i = 0; i < steps.length; i++) {
            for (int j = 0; j < steps[i].in.length; j++) {
                int r = root[steps[i].in[j]];
                if (steps[i].shapeOnly[j] && !pinned[r] && lastUse[r] < i) {
                    shapeReadAfterRelease[steps[i].in[j]] = true;
                    shapeReadAfterRelease[r] = true;
                }
            }
        }
    }

    /**
     * The inputs of an op that reads only their shapes, never their values: {@code shape_of}; the original inputs of
     * the gradients of a sum, a difference and of mean and sum reductions ({@code add_bp}, {@code subtract_bp}:
     * the gradient with respect to x + y is the incoming gradient, summed down to each input's shape;
     * {@code reduce_mean_bp}, {@code reduce_sum_bp}: the incoming gradient spread over the input's shape). SameDiff's
     * autodiff hands these ops the forward pass's arrays, so a plan that waited for them would keep, per batch-norm
     * block, the convolution's output, the squared deviations and the scaled deviations alive from the forward pass
     * to the backward one; a plan hands such an array back after its last value use and gives these ops a stand-in
     * of the same shape (a view of NaN-filled memory, so that a value read would show).
     */
    private static boolean[] shapeOnlyInputs(Step s) {
        boolean[] only = new boolean[s.in.length];
        if (s.kind != Kind.CUSTOM) {
            return only;
        }
        int n = switch (s.op.opName()) {
            case "shape_of", "reduce_mean_bp", "reduce_sum_bp" -> 1;
            case "add_bp", "subtract_bp" -> 2;
            default -> 0;
        };
        for (int j = 0; j < Math.min(n, only.length); j++) {
            only[j] = true;
        }
        return only;
    }

    /** @return an array of this shape and type viewing memory no op reads: the stand-in of a released input */
    private INDArray standIn(long[] shape, DataType type) {
        long length = Shape.lengthOf(shape);
        INDArray memory = standInMemory.get(type);
        if (memory == null || memory.length() < length) {
            memory = type.isFPType() ? Nd4j.valueArrayOf(new long[] {Math.max(length, 1)}, Double.NaN, type)
                    : Nd4j.zeros(type, Math.max(length, 1));
            standInMemory.put(type, memory);
        }
        return cView(memory, 0, shape);
    }

    /** @return the names of the arrays each run must supply (placeholders and the variable inputs) */
    public Set<String> inputNames() {
        return inputSlots.keySet();
    }

    /** @return the number of ops one run executes */
    public int size() {
        return steps.length;
    }

    /**
     * Executes the plan.
     *
     * @param inputs an array for every name in {@link #inputNames()} (others are ignored)
     * @return the requested outputs by name, in the order given at construction; the caller owns them
     * @throws IllegalArgumentException naming a missing input
     */
    public Map<String, INDArray> run(Map<String, INDArray> inputs) {
        return run(inputs, Map.of());
    }

    /**
     * Executes the plan, writing some outputs into arrays the caller gives (e.g. the views of one
     * {@link org.dl4jmeta.model.ParamSet}, which then needs no copy of them): the op that computes such an output
     * writes into the given array directly when the array is dense in 'c' order; an output that is an alias (of an
     * input, a constant or through an identity) or a target that is not dense is copied into it after the run.
     *
     * @param inputs an array for every name in {@link #inputNames()} (others are ignored)
     * @param into per output name, the array to write that output into: the output's shape and data type, and no
     *     memory shared with another target or an input
     * @return the requested outputs by name, in the order given at construction (for the names of {@code into}, its
     *     arrays); the caller owns them
     * @throws IllegalArgumentException naming a missing input, a name of {@code into} that is not an output, or a
     *     target of the wrong shape or data type
     */
    public Map<String, INDArray> run(Map<String, INDArray> inputs, Map<String, INDArray> into) {
        for (String name : into.keySet()) {
            if (!outputSlotOf.containsKey(name)) {
                throw new IllegalArgumentException("'" + name + "' is not an output of this plan; its outputs: "
                        + Arrays.toString(outputs));
            }
        }
        if (into.isEmpty()) {
            return execute(inputs, into);
        }
        if (targets == null) {
            targets = new INDArray[slotNames.length];
        }
        into.forEach((name, target) -> targets[outputSlotOf.get(name)] = target);
        try {
            return execute(inputs, into);
        } finally {
            into.keySet().forEach(name -> targets[outputSlotOf.get(name)] = null);
        }
    }

    private Map<String, INDArray> execute(Map<String, INDArray> inputs, Map<String, INDArray> into) {
        INDArray[] values = constants.clone();
        boolean shapesChanged = shapesOfLastInputs == null;
        long[][] shapesNow = new long[inputSlots.size()][];
        int k = 0;
        for (Map.Entry<String, Integer> e : inputSlots.entrySet()) {
            INDArray a = inputs.get(e.getKey());
            if (a == null) {
                throw new IllegalArgumentException("no array given for graph input '" + e.getKey()
                        + "'; give every name of inputNames(): " + inputSlots.keySet());
            }
            values[e.getValue()] = a;
            shapesNow[k] = a.shape();
            if (!shapesChanged && !Arrays.equals(shapesNow[k], shapesOfLastInputs[k])) {
                shapesChanged = true;
            }
            k++;
        }
        if (shapesChanged) {
            dropArena();
            for (Step s : steps) {
                s.shapes = null;
                s.viewed = null;
                s.view = null;
            }
            shapesOfLastInputs = shapesNow;
        }
        boolean profile = OpProfile.active();
        for (Step s : steps) {
            if (profile) {
                long t0 = System.nanoTime();
                execute(s, values);
                long t = System.nanoTime() - t0;
                INDArray first = s.out.length == 0 ? null : values[s.out[0]];
                OpProfile.record(s.op.opName(), first == null ? null : first.shape(), t);
            } else {
                execute(s, values);
            }
            for (int r : s.release) {
                INDArray a = values[r];
                values[r] = null;
                if (a != null) {
                    if (shapeReadAfterRelease[r]) {
                        releasedShape[r] = a.shape();
                        releasedType[r] = a.dataType();
                    }
                    if (poolOfSlot[r] >= 0) {
                        pools.get(poolOfSlot[r]).push(a);
                    }
                }
            }
        }
        if (arenaOffset == null) {
            planArena();
        }
        Map<String, INDArray> result = new LinkedHashMap<>();
        for (int i = 0; i < outputs.length; i++) {
            INDArray target = into.get(outputs[i]);
            INDArray v = values[outputSlots[i]];
            if (target != null && v != target) {
                // an alias, or computed apart from a target that is not dense
                requireTarget(outputs[i], target, v.shape(), v.dataType());
                target.assign(v);
                v = target;
            }
            result.put(outputs[i], v);
        }
        return result;
    }

    private static void requireTarget(String output, INDArray target, long[] shape, DataType dataType) {
        if (!Arrays.equals(target.shape(), shape) || target.dataType() != dataType) {
            throw new IllegalArgumentException("the array given for output '" + output + "' is "
                    + target.dataType() + " " + Arrays.toString(target.shape()) + "; the output is " + dataType + " "
                    + Arrays.toString(shape));
        }
    }

    private void execute(Step s, INDArray[] values) {
        switch (s.kind) {
            case IDENTITY -> values[s.out[0]] = values[s.in[0]];
            case VIEW -> view(s, values);
            case CUSTOM -> {
                setCustomInputs(s, values);
                allocateOutputs(s, values);
                Nd4j.getExecutioner().exec((CustomOp) s.op, s.context);
                purge(s.context);
            }
            case LEGACY -> {
                OpContext oc = s.context;
                if (s.axisSlot >= 0) {
                    INDArray axisArray = values[s.axisSlot];
                    if (axisArray.isEmpty()) {
                        throw new UnsupportedOperationException("op '" + s.op.getOwnName()
                                + "' reduces over an empty axis list, which plans do not support");
                    }
                    s.op.setDimensions(Shape.normalizeAxis(values[s.in[0]].rank(), axisArray.toIntVector()));
                    ((BaseReduceOp) s.op).setEmptyReduce(false);
                } else if (s.scalarSlot >= 0) {
                    ((ScalarOp) s.op).setScalar(values[s.scalarSlot]);
                }
                oc.setInputArray(0, values[s.in[0]]);
                if (s.in.length == 2 && s.axisSlot < 0) {
                    oc.setInputArray(1, values[s.in[1]]);
                }
                if (s.shapes == null) {
                    List<LongShapeDescriptor> shapes = ((BaseOp) s.op).calculateOutputShape(oc);
                    if (shapes == null || shapes.size() != 1) {
                        throw new IllegalStateException("op '" + s.op.getOwnName() + "' (" + s.op.opName()
                                + ") gave no single output shape");
                    }
                    cacheShapes(s, shapes, false);
                }
                allocateOutputs(s, values);
                Nd4j.getExecutioner().exec((Op) s.op, oc);
                s.op.clearArrays();
                purge(oc);
            }
            default -> throw new IllegalStateException(s.kind.toString());
        }
    }

    /**
     * A reshape as a view of its input, without the copy that libnd4j's {@code reshape} op makes: 'c'-order reshapes
     * of an array whose values lie densely in 'c' order keep every value where it is. Any other input (a caller's
     * strided view) is copied once into a fresh array of this run, as the op would; it is not pooled.
     */
    private void view(Step s, INDArray[] values) {
        if (s.shapes == null) {
            setCustomInputs(s, values);
            purge(s.context);
        }
        INDArray x = values[s.in[0]];
        if (x == s.viewed) {
            values[s.out[0]] = s.view;
            return;
        }
        boolean dense = !x.isEmpty() && isDenseC(x.shape(), x.stride());
        INDArray v = inShape(dense ? x : x.dup('c'), s.shapes[0].getShape());
        values[s.out[0]] = v;
        if (s.cachesView && dense) {
            s.viewed = x;
            s.view = v;
        }
    }

    /**
     * Sets a custom op's inputs on its context and, on the first run after the input shapes changed, computes and
     * caches its output shapes.
     */
    private void setCustomInputs(Step s, INDArray[] values) {
        OpContext oc = s.context;
        for (int i = 0; i < s.in.length; i++) {
            int slot = s.in[i];
            INDArray a = values[slot];
            if (s.shapeOnly[i] && shapeReadAfterRelease[slot]) {
                if (a == null) {
                    // released: a stand-in of the shape it had
                    a = standIn(releasedShape[slot], releasedType[slot]);
                } else if (values[rootOfSlot[slot]] == null) {
                    // a view of a released array: a stand-in of the view's shape
                    a = standIn(a.shape(), a.dataType());
                }
            }
            oc.setInputArray(i, a);
        }
        if (s.shapes == null) {
            List<LongShapeDescriptor> shapes = ((CustomOp) s.op).calculateOutputShape(oc);
            if (shapes == null || shapes.size() != s.out.length) {
                throw new IllegalStateException("op '" + s.op.getOwnName() + "' (" + s.op.opName()
                        + ") gave " + (shapes == null ? 0 : shapes.size()) + " output shapes for "
                        + s.out.length + " outputs");
            }
            cacheShapes(s, shapes, true);
        }
    }

    /** @return the memory of a dense 'c'-order array from its offset on, as a 'c'-order array of this shape */
    private static INDArray inShape(INDArray dense, long[] shape) {
        return cView(dense, dense.offset(), shape);
    }

    /** @return a 'c'-order array of this shape on the memory of {@code memory}'s buffer from the given element on */
    private static INDArray cView(INDArray memory, long offset, long[] shape) {
        return Nd4j.create(memory.data(), shape, Nd4j.getStrides(shape, 'c'), offset, 'c');
    }

    /**
     * @return whether values of this shape and these strides lie in 'c' order without gaps: every axis longer than
     *     one has the stride of a fresh 'c'-order array (axes of length one may carry any stride, as libnd4j's ops
     *     leave them)
     */
    static boolean isDenseC(long[] shape, long[] stride) {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /**
     * Drops the context's references to this run's arrays. Necessary, not tidy-up: libnd4j's context keeps a
     * native wrapper, sharing ownership of the data buffer, for every array ever set on it until it is purged, so
     * a context reused across runs without this keeps every array of every run alive (a 25-minute training run
     * reached 24 GB and was killed). The integer, float, boolean and type arguments survive a purge.
     */
    private static void purge(OpContext oc) {
        oc.purge();
    }

    private void cacheShapes(Step s, List<LongShapeDescriptor> shapes, boolean useVariableTypes) {
        s.shapes = new LongShapeDescriptor[shapes.size()];
        s.poolIds = new int[shapes.size()];
        for (int i = 0; i < shapes.size(); i++) {
            LongShapeDescriptor d = shapes.get(i);
            // As SameDiff's session: shape functions cannot always tell the output type; the variable's is right.
            if (useVariableTypes && d.dataType() != s.outTypes[i]) {
                d = d.asDataType(s.outTypes[i]);
            }
            s.shapes[i] = d;
            s.poolIds[i] = poolIdOf(d);
        }
    }

    /**
     * Arrays of at least this many elements share a pool by length whatever their shapes; smaller ones are pooled by
     * shape: their memory is negligible, and an array re-shaped for another shape is one more Java object per use
     * (in a first-order Conv-4 task about 6% of its Java garbage, batch norm's [1,c,1] factors and [c] sums).
     */
    static final long SHARED_POOL_LENGTH = 4096;

    /**
     * The pool key of a dense 'c'-order array of at least {@link #SHARED_POOL_LENGTH} elements: its data type and
     * length; of anything else: its whole descriptor.
     */
    private record DenseKey(DataType dataType, long length) {
    }

    private static Object poolKey(LongShapeDescriptor d) {
        boolean dense = !d.isEmpty() && d.getOrder() == 'c' && isDenseC(d.getShape(), d.getStride());
        return dense && Shape.lengthOf(d.getShape()) >= SHARED_POOL_LENGTH
                ? new DenseKey(d.dataType(), Shape.lengthOf(d.getShape())) : d;
    }

    private int poolIdOf(LongShapeDescriptor d) {
        Object key = poolKey(d);
        Integer id = poolIdOf.get(key);
        if (id == null) {
            id = pools.size();
            poolIdOf.put(key, id);
            pools.add(new ArrayDeque<>());
        }
        return id;
    }

    private void allocateOutputs(Step s, INDArray[] values) {
        for (int i = 0; i < s.out.length; i++) {
            LongShapeDescriptor d = s.shapes[i];
            INDArray target = targets == null ? null : targets[s.out[i]];
            if (target != null && target.ordering() == 'c' && isDenseC(target.shape(), target.stride())) {
                requireTarget(slotNames[s.out[i]], target, d.getShape(), d.dataType());
                values[s.out[i]] = target;
                s.context.setOutputArray(i, target);
                continue;
            }
            int slot = s.out[i];
            if (!pinned[slot] && arenaOffset != null && arenaOffset[slot] >= 0) {
                INDArray a = arenaView[slot] != null ? arenaView[slot] : arenaArray(slot, d.getShape());
                values[slot] = a;
                poolOfSlot[slot] = -1;
                s.context.setOutputArray(i, a);
                continue;
            }
            INDArray a = pinned[s.out[i]] ? null : take(pools.get(s.poolIds[i]), d.getShape());
            if (a == null) {
                a = d.isEmpty() || d.getOrder() != 'c' ? Nd4j.create(d)
                        : Nd4j.createUninitializedDetached(d.dataType(), d.getShape());
                arraysAllocated++;
            } else if (!Arrays.equals(a.shape(), d.getShape())) {
                // a dense array of another shape and the same length: its memory, in this shape
                a = inShape(a, d.getShape());
            }
            values[s.out[i]] = a;
            poolOfSlot[s.out[i]] = s.poolIds[i];
            s.context.setOutputArray(i, a);
        }
    }

    /**
     * Plans one arena per data type from the run that just ended, which told every intermediate's shape: each
     * intermediate that the pools held (a dense 'c'-order array) gets a fixed offset, so that two intermediates share
     * memory only if no step has both alive (the step that produces one and the step after which the other goes back
     * count as alive for both, so an op's output never overlaps its inputs). Offsets are assigned greedily by size,
     * largest first, each at the smallest gap between the arrays already placed whose lifetimes overlap its own
     * (best fit), aligned to 64 bytes. The pools then hand their arrays back to native memory: later runs write into
     * views of the arenas, which hold little more than the peak set of live intermediates, where pools by length
     * held a buffer for every length at its own peak count.
     */
    private void planArena() {
        int n = slotNames.length;
        int[] born = new int[n];
        int[] dies = new int[n];
        Arrays.fill(born, -1);
        Arrays.fill(dies, -1);
        long[] bytes = new long[n];
        DataType[] type = new DataType[n];
        for (int k = 0; k < steps.length; k++) {
            Step st = steps[k];
            if ((st.kind == Kind.CUSTOM || st.kind == Kind.LEGACY) && st.shapes != null) {
                for (int i = 0; i < st.out.length; i++) {
                    LongShapeDescriptor d = st.shapes[i];
                    int slot = st.out[i];
                    if (!pinned[slot] && !d.isEmpty() && d.getOrder() == 'c') {
                        born[slot] = k;
                        type[slot] = d.dataType();
                        bytes[slot] = Shape.lengthOf(d.getShape()) * d.dataType().width();
                    }
                }
            }
            for (int r : st.release) {
                dies[r] = k;
            }
        }
        long[] offset = new long[n];
        Arrays.fill(offset, -1);
        Map<DataType, List<Integer>> byType = new HashMap<>();
        for (int slot = 0; slot < n; slot++) {
            if (born[slot] >= 0 && dies[slot] >= born[slot]) {
                byType.computeIfAbsent(type[slot], t -> new ArrayList<>()).add(slot);
            }
        }
        arenaLength.clear();
        for (Map.Entry<DataType, List<Integer>> e : byType.entrySet()) {
            List<Integer> order = e.getValue();
            order.sort((a, b) -> bytes[a] != bytes[b] ? Long.compare(bytes[b], bytes[a])
                    : Integer.compare(born[a], born[b]));
            List<Integer> placed = new ArrayList<>();
            long end = 0;
            for (int slot : order) {
                long size = aligned(bytes[slot]);
                List<Integer> overlapping = new ArrayList<>();
                for (int q : placed) {
                    if (born[q] <= dies[slot] && born[slot] <= dies[q]) {
                        overlapping.add(q);
                    }
                }
                overlapping.sort((a, b) -> Long.compare(offset[a], offset[b]));
                long best = -1;
                long bestGap = Long.MAX_VALUE;
                long from = 0;
                for (int q : overlapping) {
                    long gap = offset[q] - from;
                    if (gap >= size && gap < bestGap) {
                        best = from;
                        bestGap = gap;
                    }
                    from = Math.max(from, offset[q] + aligned(bytes[q]));
                }
                offset[slot] = best >= 0 ? best : from;
                end = Math.max(end, offset[slot] + size);
                placed.add(slot);
            }
            arenaLength.put(e.getKey(), end / e.getKey().width());
        }
        arenaOffset = new long[n];
        arenaType = type;
        for (int slot = 0; slot < n; slot++) {
            arenaOffset[slot] = offset[slot] < 0 ? -1 : offset[slot] / type[slot].width();
        }
        closePools();
        for (Step st : steps) {
            st.viewed = null;
            st.view = null;
        }
        // the pools' memory goes back to the C heap, which keeps it resident until trimmed: without this, the arena
        // comes on top of it (second-order MAML with 5 steps at meta-batch 32: 549 against 470 MB peak RSS)
        org.dl4jmeta.model.NativeArrays.trimCHeap();
        for (DataType t : arenaLength.keySet()) {
            arenaMemory(t);
        }
    }

    /** @return the arena of this data type, allocated as planned if it is not (yet, or after a release) */
    private INDArray arenaMemory(DataType t) {
        return arenaMemory.computeIfAbsent(t, k -> Nd4j.createUninitializedDetached(k,
                Math.max(arenaLength.get(k), 1)));
    }

    private static long aligned(long bytes) {
        return (bytes + 63) / 64 * 64;
    }

    /** @return the slot's arena array of this shape, kept for later runs */
    private INDArray arenaArray(int slot, long[] shape) {
        INDArray a = cView(arenaMemory(arenaType[slot]), arenaOffset[slot], shape);
        arenaView[slot] = a;
        return a;
    }

    /** Forgets the arena plan (the input shapes changed) and hands its memory back. */
    private void dropArena() {
        closeArenas();
        arenaOffset = null;
        arenaType = null;
        arenaLength.clear();
    }

    private void closeArenas() {
        for (INDArray a : arenaMemory.values()) {
            a.close();
        }
        arenaMemory.clear();
        Arrays.fill(arenaView, null);
    }

    private void closePools() {
        for (ArrayDeque<INDArray> p : pools) {
            for (INDArray a : p) {
                if (a.closeable()) {
                    a.close();
                }
            }
            p.clear();
        }
    }

    /**
     * @return a pooled array of this shape if the pool has one, else any pooled array (of the same length), else
     *     null: taking the same shape where possible keeps the arrays that a pool re-shapes, and so the garbage a
     *     warm run makes, few
     */
    private static INDArray take(ArrayDeque<INDArray> pool, long[] shape) {
        for (java.util.Iterator<INDArray> it = pool.iterator(); it.hasNext(); ) {
            INDArray a = it.next();
            if (Arrays.equals(a.shape(), shape)) {
                it.remove();
                return a;
            }
        }
        return pool.poll();
    }

    /**
     * @return the bytes this plan holds between runs for its intermediates: its arenas, the stand-ins' memory and
     *     whatever its pools hold (after the first run only arrays that arenas do not take)
     */
    long pooledBytes() {
        long bytes = bytes(arenaMemory.values()) + bytes(standInMemory.values());
        for (ArrayDeque<INDArray> p : pools) {
            bytes += bytes(p);
        }
        return bytes;
    }

    private static long bytes(Iterable<INDArray> arrays) {
        long bytes = 0;
        for (INDArray a : arrays) {
            bytes += a.length() * a.dataType().width();
        }
        return bytes;
    }

    /**
     * @return the largest number of bytes that the intermediates a run allocates (not its inputs, constants, views or
     *     requested outputs) occupy at one time, from the shapes of the last run: the least any pooling can hold
     */
    long peakLiveBytes() {
        long live = 0;
        long peak = 0;
        long[] bytesOf = new long[slotNames.length];
        for (Step s : steps) {
            if ((s.kind == Kind.CUSTOM || s.kind == Kind.LEGACY) && s.shapes != null) {
                for (int i = 0; i < s.out.length; i++) {
                    if (!pinned[s.out[i]]) {
                        LongShapeDescriptor d = s.shapes[i];
                        bytesOf[s.out[i]] = d.isEmpty() ? 0 : Shape.lengthOf(d.getShape()) * d.dataType().width();
                        live += bytesOf[s.out[i]];
                    }
                }
            }
            peak = Math.max(peak, live);
            for (int r : s.release) {
                live -= bytesOf[r];
                bytesOf[r] = 0;
            }
        }
        return peak;
    }

    /** @return how many arrays this plan has allocated so far (pooled reuses not counted) */
    long arraysAllocated() {
        return arraysAllocated;
    }

    /**
     * Hands arrays that a run returned back to native memory once the caller is done with them (e.g. after copying
     * them into a {@link org.dl4jmeta.model.ParamSet}), instead of leaving them to the garbage collector, which on a
     * small heap runs rarely while their native buffers add up. An output may be an alias of an input (identity ops),
     * so arrays given as inputs are never closed; views and already closed arrays are skipped, and each array is
     * closed once.
     *
     * @param done arrays of a run's results that nothing uses any more
     * @param inputs the arrays the run was given
     */
    static void release(Iterable<INDArray> done, Map<String, INDArray> inputs) {
        org.dl4jmeta.model.NativeArrays.close(done, inputs.values());
    }

    /**
     * Hands every array this plan holds between runs (arenas, stand-ins' memory, pools) back to native memory. The
     * plan stays usable and keeps its arena layout; its next run allocates the arenas afresh.
     */
    public void releasePool() {
        for (INDArray a : standInMemory.values()) {
            a.close();
        }
        standInMemory.clear();
        closeArenas();
        for (Step st : steps) {
            st.viewed = null;
            st.view = null;
        }
        closePools();
    }
}
