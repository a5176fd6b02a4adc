package org.dl4jmeta.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.SyntheticTasks;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Plans compute what SameDiff's own session computes: the outputs and gradients of an unrolled two-step MAML graph
 * (thousands of custom and legacy ops, conv and max-pool) agree with {@code calculateGradientsAndOutputs}, run after
 * run with new inputs (so arrays reused from the pool carry nothing over), and when an input's shape changes.
 */
class ExecutionPlanTest {

    private static double maxRelDiff(INDArray a, INDArray b) {
        assertTrue(java.util.Arrays.equals(a.shape(), b.shape()), "shapes differ");
        double scale = Math.max(a.amaxNumber().doubleValue(), 1e-300);
        return a.sub(b).amaxNumber().doubleValue() / scale;
    }

    /** A SameDiff graph of two unrolled inner SGD steps and the query loss, as {@code MamlGraph} builds it. */
    private record Unrolled(SameDiff sd, List<String> params, List<String> outputs) {
        static Unrolled of(Network net, Episode.ShapeKey key) {
            SameDiff sd = SameDiff.create();
            DataType dt = key.dataType();
            long[] in = net.inputShape();
            SDVariable xs = sd.placeHolder("xs", dt, key.support(), in[0], in[1], in[2]);
            SDVariable ys = sd.placeHolder("ys", dt, key.support(), key.outputs());
            SDVariable xq = sd.placeHolder("xq", dt, key.query(), in[0], in[1], in[2]);
            SDVariable yq = sd.placeHolder("yq", dt, key.query(), key.outputs());
            Map<String, SDVariable> phi = new LinkedHashMap<>();
            for (Map.Entry<String, long[]> e : net.paramSpecs().entrySet()) {
                phi.put(e.getKey(), sd.var(e.getKey(), Nd4j.zeros(dt, e.getValue())));
            }
            List<String> outputs = new ArrayList<>();
            for (int k = 0; k < 2; k++) {
                Network.LossAndGradient lg = net.lossAndGradient(sd, xs, ys, key.support(), phi);
                outputs.add(lg.loss().name());
                Map<String, SDVariable> next = new LinkedHashMap<>();
                for (Map.Entry<String, SDVariable> e : phi.entrySet()) {
                    next.put(e.getKey(), e.getValue().sub(lg.gradients().get(e.getKey()).mul(0.3)));
                }
                phi = next;
            }
            Network.LossAndOutput after = net.loss(sd, xq, yq, key.query(), phi);
            outputs.add(after.loss().name());
            outputs.add(after.output().name());
            sd.setLossVariables(after.loss());
            return new Unrolled(sd, net.paramNames(), outputs);
        }

        Map<String, INDArray> inputs(ParamSet theta, Episode e) {
            return MamlGraph.inputs(theta, params, e);
        }

        OutAndGrad reference(ParamSet theta, Episode e) {
            for (String p : params) {
                sd.getVariable(p).setArray(theta.get(p));
            }
            Map<String, INDArray> ph = inputs(theta, e);
            params.forEach(ph::remove);
            return sd.calculateGradientsAndOutputs(ph, outputs, params);
        }
    }

    @Test
    void secondOrderMamlGraphGivesSameDiffsValuesRunAfterRun() {
        for (Network net : List.of(Conv4.build(new long[] {1, 9, 9}, 3, Conv4.Downsampling.STRIDE, 3, 3),
                Conv4.build(new long[] {2, 10, 10}, 3, Conv4.Downsampling.MAX_POOL, 2, 3))) {
            Episode first = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 2, DataType.DOUBLE, 4);
            Unrolled u = Unrolled.of(net, first.shapeKey());
            GradientPlan plan = new GradientPlan(u.sd(), u.params(), u.outputs());
            INDArray kept = null;
            double keptValue = 0;
            for (int run = 0; run < 3; run++) {
                ParamSet theta = net.initialise(10 + run, DataType.DOUBLE);
                Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 2, DataType.DOUBLE, 20 + run);
                GradientPlan.Result got = plan.run(u.inputs(theta, e));
                OutAndGrad want = u.reference(theta, e);
                for (String o : u.outputs()) {
                    double d = maxRelDiff(want.getOutputs().get(o), got.outputs().get(o));
                    assertTrue(d < 1e-12, "output " + o + " differs by " + d + " in run " + run);
                }
                for (String p : u.params()) {
                    INDArray g = got.gradients().get(p);
                    assertTrue(g.amaxNumber().doubleValue() > 0, "gradient of " + p + " is trivially zero");
                    double d = maxRelDiff(want.getGradients().get(p), g);
                    assertTrue(d < 1e-12, "gradient of " + p + " differs by " + d + " in run " + run);
                }
                if (run == 0) {
                    kept = got.outputs().get(u.outputs().get(3));
                    keptValue = kept.getDouble(0, 0);
                }
            }
            assertEquals(keptValue, kept.getDouble(0, 0), 0.0, "a later run overwrote an array the caller owns");
        }
    }

    @Test
    void aWarmRunAllocatesOnlyTheArraysItReturns() {
        Network net = Conv4.build(new long[] {1, 9, 9}, 3, Conv4.Downsampling.STRIDE, 2, 3);
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 1, 2, DataType.FLOAT, 4);
        Unrolled u = Unrolled.of(net, e.shapeKey());
        ExecutionPlan plan = new ExecutionPlan(u.sd(), u.params(), u.outputs());
        Map<String, INDArray> in = u.inputs(net.initialise(1, DataType.FLOAT), e);
        plan.run(in);
        long afterFirst = plan.arraysAllocated();
        assertTrue(afterFirst > 0 && afterFirst < plan.size(),
                "dead intermediates are reused within a run: " + afterFirst + " arrays for " + plan.size() + " ops");
        plan.run(in);
        assertEquals(u.outputs().size(), plan.arraysAllocated() - afterFirst);
    }

    @Test
    void runsKeepNoArrayAliveThatTheCallerDropped() throws InterruptedException {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, 1000, 1000);
        SDVariable y = sd.math.tanh(x).mul(2.0).add(x);
        ExecutionPlan plan = new ExecutionPlan(sd, List.of(), List.of(y.name()));
        runCollecting(plan, 40);
        long before = org.bytedeco.javacpp.Pointer.physicalBytes();
        // 4 MB in and 4 MB out per run, dropped by the caller: 800 MB if anything kept them alive
        runCollecting(plan, 100);
        long grown = org.bytedeco.javacpp.Pointer.physicalBytes() - before;
        assertTrue(grown < 200L << 20, "resident memory grew by " + (grown >> 20) + " MB over 100 runs");
    }

    /** Runs with fresh inputs, collecting garbage every 10 runs so dropped arrays are freed as they would be. */
    private static void runCollecting(ExecutionPlan plan, int runs) throws InterruptedException {
        for (int i = 1; i <= runs; i++) {
            plan.run(Map.of("x", Nd4j.rand(DataType.FLOAT, 1000, 1000)));
            if (i % 10 == 0) {
                System.gc();
                Thread.sleep(50);
            }
        }
    }

    /**
     * Reshapes run as views of their input: the array a view reads must stay out of the pool until the view's last
     * consumer has run. Here {@code a}'s last direct use is its reshape, and {@code b} and {@code c}, of a's shape,
     * are computed before the view is read: a plan that handed a back at its reshape would give a's memory to b and
     * the view would read b's values. A reshape that is an output is the caller's own array, untouched by later runs.
     */
    @Test
    void reshapeViewsKeepWhatTheyViewUntilTheirLastUse() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, 4, 6);
        SDVariable a = sd.math.tanh(x);
        SDVariable v = sd.reshape(a, 6, 4);
        SDVariable b = x.mul(3.0);
        SDVariable c = b.add(1.0);
        SDVariable d = sd.reshape(c, 6, 4);
        SDVariable y = v.add(d);
        SDVariable returned = sd.reshape(sd.math.sin(y), 24);
        ExecutionPlan plan = new ExecutionPlan(sd, List.of(), List.of(y.name(), returned.name()));
        INDArray first = null;
        INDArray firstValue = null;
        for (int run = 0; run < 3; run++) {
            INDArray xv = Nd4j.linspace(-1 - run, 2 + run, 24, DataType.DOUBLE).reshape(4, 6);
            Map<String, INDArray> got = plan.run(Map.of("x", xv));
            Map<String, INDArray> want = sd.output(Map.of("x", xv), y.name(), returned.name());
            assertEquals(0.0, maxRelDiff(want.get(y.name()), got.get(y.name())), 1e-15, "run " + run);
            assertEquals(0.0, maxRelDiff(want.get(returned.name()), got.get(returned.name())), 1e-15, "run " + run);
            if (run == 0) {
                first = got.get(returned.name());
                firstValue = first.dup();
            }
        }
        assertEquals(firstValue, first, "a later run overwrote a reshaped output the caller owns");
    }

    /**
     * Pools hold arrays (of at least {@link ExecutionPlan#SHARED_POOL_LENGTH} elements) by data type and length:
     * intermediates of one length and different shapes, live one after the other, share one buffer (a pool by shape
     * would hold one of each), and the values stay SameDiff's.
     */
    @Test
    void arraysOfOneLengthShareAPoolWhateverTheirShape() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, 96, 64);
        SDVariable a = sd.math.tanh(x);
        SDVariable b = sd.permute(a, 1, 0).mul(2.0);
        SDVariable c = sd.math.sin(sd.transpose(b).add(x));
        SDVariable y = c.sum();
        ExecutionPlan plan = new ExecutionPlan(sd, List.of(), List.of(y.name()));
        INDArray xv = Nd4j.linspace(-2, 2, 96 * 64, DataType.DOUBLE).reshape(96, 64);
        for (int run = 0; run < 2; run++) {
            assertEquals(sd.output(Map.of("x", xv), y.name()).get(y.name()).getDouble(0),
                    plan.run(Map.of("x", xv)).get(y.name()).getDouble(0), 1e-12);
        }
        // [96,64] and [64,96] intermediates: at most two live at once, so two buffers, not one per shape
        assertTrue(ExecutionPlan.SHARED_POOL_LENGTH <= 96 * 64);
        assertTrue(plan.pooledBytes() <= 2 * 96 * 64 * 8, "pools hold " + plan.pooledBytes() + " bytes");
        // each op's input and output live together, nothing else: the least any pooling can hold
        assertEquals(2 * 96 * 64 * 8, plan.peakLiveBytes());
        assertTrue(plan.peakLiveBytes() <= plan.pooledBytes());
    }

    /**
     * After its first run a plan keeps its intermediates in one arena per data type, at offsets planned from their
     * lifetimes: here [4096] values a and b, then [8192] values c and d, live two at a time, fit in 16384 values,
     * where pools by length held two arrays of each length (24576); the values stay SameDiff's run after run, and a
     * new input shape plans a new arena.
     */
    @Test
    void anArenaHoldsThePeakSetOfLiveIntermediates() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, 64);
        SDVariable b = sd.math.tanh(x).mul(2.0);
        SDVariable d = sd.math.sin(sd.concat(0, b, b));
        SDVariable y = d.sum();
        ExecutionPlan plan = new ExecutionPlan(sd, List.of(), List.of(y.name()));
        for (int rows : new int[] {64, 64, 64, 32, 32}) {
            INDArray xv = Nd4j.linspace(-2, 2, rows * 64, DataType.DOUBLE).reshape(rows, 64);
            assertEquals(sd.output(Map.of("x", xv), y.name()).get(y.name()).getDouble(0),
                    plan.run(Map.of("x", xv)).get(y.name()).getDouble(0), 1e-12, rows + " rows");
            assertEquals(4L * rows * 64 * 8, plan.pooledBytes(), rows + " rows: bytes held between runs");
        }
    }

    /**
     * Ops that read only an input's shape (the gradients of a broadcast sum and difference, of a reshape and of mean
     * and sum reductions) do not keep the forward pass's arrays alive: here every full-size forward array goes back to
     * the pool after its last value use, so at most three full-size arrays are live at once (the backward pass's
     * two reduction gradients and their sum) instead of six, and the values are SameDiff's, run after run (the
     * stand-ins those ops get are NaN-filled, so a value read would show).
     */
    @Test
    void arraysReadOnlyForTheirShapeGoBackAfterTheirLastValueUse() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, 100, 100);
        SDVariable w = sd.var("w", Nd4j.linspace(-1, 1, 100, DataType.DOUBLE));
        SDVariable u = sd.var("u", Nd4j.linspace(2, -2, 200, DataType.DOUBLE));
        SDVariable r = sd.reshape(sd.math.tanh(x).add(w), 50, 200);
        SDVariable q = r.sub(u);
        SDVariable loss = sd.mean(q).add(sd.sum(q).mul(0.5));
        sd.setLossVariables(loss);
        GradientPlan plan = new GradientPlan(sd, List.of("w", "u"), List.of(loss.name()));
        INDArray xv = Nd4j.linspace(-3, 3, 10000, DataType.DOUBLE).reshape(100, 100);
        Map<String, INDArray> wantGrads = sd.calculateGradients(Map.of("x", xv), "w", "u");
        double wantLoss = sd.output(Map.of("x", xv), loss.name()).get(loss.name()).getDouble(0);
        for (int run = 0; run < 3; run++) {
            GradientPlan.Result got = plan.run(Map.of("x", xv, "w", w.getArr(), "u", u.getArr()));
            assertEquals(wantLoss, got.outputs().get(loss.name()).getDouble(0), 1e-12, "run " + run);
            for (String v : List.of("w", "u")) {
                assertEquals(0.0, maxRelDiff(wantGrads.get(v), got.gradients().get(v)), 1e-14, v + ", run " + run);
            }
        }
        long full = 100 * 100 * 8;
        assertTrue(plan.executionPlan().peakLiveBytes() <= 3 * full + 4096,
                "peak " + plan.executionPlan().peakLiveBytes() + " bytes");
    }

    /**
     * Output shapes follow the inputs' shapes, and so do the views that a plan keeps between runs (a reshape of an
     * intermediate and of a constant here): after a shape change none of them is reused.
     */
    @Test
    void outputShapesFollowTheInputs() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, 3);
        SDVariable w = sd.var("w", Nd4j.linspace(-1, 1, 6, DataType.DOUBLE).reshape(3, 2));
        SDVariable h = sd.math.tanh(x.mmul(w)).mul(2.0);
        SDVariable s = h.sum(true, 0);
        SDVariable flatH = sd.reshape(h, -1);
        SDVariable q = flatH.mul(flatH).sum().add(sd.reshape(w, 6).sum());
        ExecutionPlan plan = new ExecutionPlan(sd, List.of(), List.of(h.name(), s.name(), q.name()));
        for (int batch : new int[] {2, 5, 5, 2, 2}) {
            INDArray xv = Nd4j.linspace(0, batch, batch * 3L, DataType.DOUBLE).reshape(batch, 3);
            Map<String, INDArray> got = plan.run(Map.of("x", xv));
            Map<String, INDArray> want = sd.output(Map.of("x", xv), h.name(), s.name(), q.name());
            assertEquals(0.0, maxRelDiff(want.get(h.name()), got.get(h.name())), 1e-14);
            assertEquals(0.0, maxRelDiff(want.get(s.name()), got.get(s.name())), 1e-14);
            assertEquals(want.get(q.name()).getDouble(0), got.get(q.name()).getDouble(0), 1e-12, "batch " + batch);
        }
    }

    /**
     * Outputs go straight into arrays the caller gives: the op that computes one writes into its array (the run
     * returns that very array), an output that is an alias of an input is copied into its array, and so is one whose
     * array is not dense; the values are those of a run without targets, run after run.
     */
    @Test
    void outputsGoIntoTheArraysTheCallerGives() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, 4, 6);
        SDVariable a = sd.math.tanh(x);
        SDVariable r = sd.reshape(a.mul(2.0), 24);
        SDVariable s = a.sum();
        SDVariable alias = sd.identity(x);
        SDVariable m = x.mmul(sd.transpose(a));
        List<String> outs = List.of(a.name(), r.name(), s.name(), alias.name(), m.name());
        ExecutionPlan plan = new ExecutionPlan(sd, List.of(), outs);
        for (int run = 0; run < 3; run++) {
            INDArray xv = Nd4j.linspace(-1 - run, 2 + run, 24, DataType.DOUBLE).reshape(4, 6);
            Map<String, INDArray> want = plan.run(Map.of("x", xv));
            INDArray flat = Nd4j.zeros(DataType.DOUBLE, 24 + 24 + 1 + 24);
            Map<String, INDArray> into = new LinkedHashMap<>();
            into.put(a.name(), flat.get(NDArrayIndex.interval(0, 24)).reshape(4, 6));
            into.put(r.name(), flat.get(NDArrayIndex.interval(24, 48)));
            into.put(s.name(), flat.get(NDArrayIndex.interval(48, 49)).reshape(new long[0]));
            into.put(alias.name(), flat.get(NDArrayIndex.interval(49, 73)).reshape(4, 6));
            into.put(m.name(), Nd4j.zeros(DataType.DOUBLE, 4, 4).transpose());
            Map<String, INDArray> got = plan.run(Map.of("x", xv), into);
            for (String o : outs) {
                assertTrue(got.get(o) == into.get(o), "output " + o + " is not the caller's array");
                assertEquals(want.get(o), got.get(o), "output " + o + ", run " + run);
            }
            assertEquals(xv, into.get(alias.name()));
        }
    }

    @Test
    void aTargetOfAnotherShapeOrNameIsNamed() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, 2, 3);
        SDVariable y = sd.math.tanh(x);
        ExecutionPlan plan = new ExecutionPlan(sd, List.of(), List.of(y.name()));
        Map<String, INDArray> in = Map.of("x", Nd4j.ones(DataType.DOUBLE, 2, 3));
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> plan.run(in, Map.of(y.name(), Nd4j.zeros(DataType.DOUBLE, 3, 2))));
        assertTrue(shape.getMessage().contains("'" + y.name() + "'") && shape.getMessage().contains("[3, 2]")
                && shape.getMessage().contains("[2, 3]"), shape.getMessage());
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                () -> plan.run(in, Map.of(y.name(), Nd4j.zeros(DataType.FLOAT, 2, 3))));
        assertTrue(type.getMessage().contains("FLOAT"), type.getMessage());
        IllegalArgumentException name = assertThrows(IllegalArgumentException.class,
                () -> plan.run(in, Map.of("nope", Nd4j.zeros(DataType.DOUBLE, 2, 3))));
        assertTrue(name.getMessage().contains("'nope'"), name.getMessage());
        // the plan is still usable after a refused run
        assertEquals(Math.tanh(1.0), plan.run(in).get(y.name()).getDouble(0), 1e-15);
    }

    @Test
    void aMissingInputIsNamed() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, 2, 3);
        SDVariable w = sd.var("w", Nd4j.ones(DataType.DOUBLE, 3, 2));
        SDVariable y = x.mmul(w);
        ExecutionPlan plan = new ExecutionPlan(sd, List.of("w"), List.of(y.name()));
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> plan.run(Map.of("x", Nd4j.ones(DataType.DOUBLE, 2, 3))));
        assertTrue(ex.getMessage().contains("'w'"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ExecutionPlan(sd, List.of("x"), List.of(y.name())));
        assertThrows(IllegalArgumentException.class, () -> new ExecutionPlan(sd, List.of(), List.of("nope")));
    }
}
