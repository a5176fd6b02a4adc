package org.dl4jmeta.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.check.MetaGradientCheck;
import org.dl4jmeta.io.Json;
import org.dl4jmeta.io.NetworkSpec;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.SyntheticTasks;
import org.dl4jmeta.testutil.Rel;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Graph-shaped networks (residual additions, concatenations, a node read twice): the explicit backward pass over
 * the graph equals SameDiff's autodiff of the loss, second-order MAML through 2 inner steps matches finite
 * differences (double), the architecture survives a model-file round trip, malformed graphs are refused by name,
 * and batch norm with given statistics makes each example's output independent of its batch.
 */
class GraphNetworkTest {

    /** input -> c1 -> bn1 -> a1 -> c2 ; input -> sc ; add(c2, sc) -> a2 ; concat(a2, a1) -> pool -> gap -> head. */
    static Network residual() {
        List<Network.Node> n = new ArrayList<>();
        n.add(Network.Node.of(new Conv2d("c1", 3, 3, 1, true), Network.INPUT));
        n.add(Network.Node.of(new BatchNorm("bn1", 1e-5), "c1"));
        n.add(Network.Node.of(new Activation("a1", Activation.Function.LEAKYRELU, 0.1), "bn1"));
        n.add(Network.Node.of(new Conv2d("c2", 3, 3, 1, false), "a1"));
        n.add(Network.Node.of(new Conv2d("sc", 3, 1, 1, false), Network.INPUT));
        n.add(Network.Node.of(new Add("add"), "c2", "sc"));
        n.add(Network.Node.of(new Activation("a2", Activation.Function.ELU, 1.0), "add"));
        n.add(Network.Node.of(new Concat("cat"), "a2", "a1"));
        n.add(Network.Node.of(new MaxPool2x2("pool"), "cat"));
        n.add(Network.Node.of(new GlobalAvgPool("gap"), "pool"));
        n.add(Network.Node.of(new Dense("head", 3, true), "gap"));
        return Network.graph(new long[] {2, 6, 6}, n, Loss.softmaxCrossEntropy());
    }

    @Test
    void explicitGradientEqualsAutodiff() {
        Network net = residual();
        ParamSet p = net.initialise(3, DataType.DOUBLE);
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 1, DataType.DOUBLE, 5);
        long n = e.supportX().size(0);

        SameDiff ref = SameDiff.create();
        Map<String, SDVariable> rv = new LinkedHashMap<>();
        for (String k : net.paramNames()) {
            rv.put(k, ref.var("p_" + k, p.get(k).dup()));
        }
        SDVariable loss = net.loss(ref, ref.constant("x", e.supportX()), ref.constant("y", e.supportY()), n, rv)
                .loss();
        ref.setLossVariables(loss);
        List<String> wrt = net.paramNames().stream().map(k -> "p_" + k).toList();
        Map<String, INDArray> auto = ref.calculateGradients(Map.of(), wrt);

        for (boolean differentiable : new boolean[] {true, false}) {
            SameDiff sd = SameDiff.create();
            Map<String, SDVariable> v = new LinkedHashMap<>();
            for (String k : net.paramNames()) {
                v.put(k, sd.constant("p_" + k, p.get(k)));
            }
            Network.LossAndGradient lg = net.lossAndGradient(sd, sd.constant("x", e.supportX()),
                    sd.constant("y", e.supportY()), n, v, differentiable);
            List<String> outs = lg.gradients().values().stream().map(SDVariable::name).toList();
            Map<String, INDArray> vals = sd.output(Map.of(), outs);
            for (String k : net.paramNames()) {
                double err = Rel.maxRelError(vals.get(lg.gradients().get(k).name()), auto.get("p_" + k), 1e-14);
                assertTrue(err < 1e-10, k + " relative error " + err + " (differentiable=" + differentiable + ")");
            }
        }
    }

    @Test
    void secondOrderMamlMatchesFiniteDifferences() {
        Network net = residual();
        Maml maml = new Maml(net, MamlConfig.secondOrder(2, 0.3));
        ParamSet theta = maml.initialise(7, DataType.DOUBLE);
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 2, DataType.DOUBLE, 11);
        MetaGradientCheck.Result r = MetaGradientCheck.check(maml, MetaGradientCheck.Objective.META_OBJECTIVE, theta,
                e, 6, 1e-6, 1e-10, 3);
        assertTrue(r.maxRelativeError() < 1e-6, "max relative error " + r.maxRelativeError() + " " + r.directions());
        double largest = r.directions().stream().mapToDouble(d -> Math.abs(d.analytic())).max().orElse(0);
        assertTrue(largest > 1e-4, "directional derivatives too small to test anything: " + r.directions());
    }

    @Test
    void architectureSurvivesModelFileRoundTrip() throws Exception {
        Network net = residual();
        NetworkSpec spec = NetworkSpec.of(net);
        String json = Json.mapper().writeValueAsString(spec);
        assertEquals("[\"c2\",\"sc\"]", Json.parse(json).get("layers").get(5).get("inputs").toString(), json);
        Network back = Json.mapper().readValue(json, NetworkSpec.class).toNetwork();
        assertEquals(net.paramNames(), back.paramNames());
        assertEquals(spec.layers(), NetworkSpec.of(back).layers());
        ParamSet p = net.initialise(1, DataType.DOUBLE);
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 1, DataType.DOUBLE, 2);
        assertEquals(0, Rel.maxRelError(output(back, p, e.supportX()), output(net, p, e.supportX()), 1e-14), 0.0);
        // a stack keeps the version-1 layout without inputs
        assertTrue(!Json.mapper().writeValueAsString(NetworkSpec.of(Conv4.omniglot(5))).contains("inputs"));
    }

    @Test
    void malformedGraphsAreRefusedByName() {
        long[] in = {2, 6, 6};
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Network.graph(in,
                List.of(Network.Node.of(new Flatten("f"), "nope"), Network.Node.of(new Dense("d", 2, true), "f")),
                Loss.softmaxCrossEntropy()));
        assertTrue(unknown.getMessage().contains("'nope'"), unknown.getMessage());
        IllegalArgumentException unused = assertThrows(IllegalArgumentException.class, () -> Network.graph(in,
                List.of(Network.Node.of(new Flatten("f"), Network.INPUT), Network.Node.of(new Flatten("g"),
                        Network.INPUT), Network.Node.of(new Dense("d", 2, true), "g")), Loss.softmaxCrossEntropy()));
        assertTrue(unused.getMessage().contains("[f]"), unused.getMessage());
        IllegalArgumentException shapes = assertThrows(IllegalArgumentException.class, () -> Network.graph(in,
                List.of(Network.Node.of(new Conv2d("c", 3, 3, 1, true), Network.INPUT),
                        Network.Node.of(new Add("add"), "c", Network.INPUT), Network.Node.of(new Flatten("f"), "add"),
                        Network.Node.of(new Dense("d", 2, true), "f")), Loss.softmaxCrossEntropy()));
        assertTrue(shapes.getMessage().contains("'add'") && shapes.getMessage().contains("[3, 6, 6]"),
                shapes.getMessage());
        IllegalArgumentException input = assertThrows(IllegalArgumentException.class, () -> new Network(in,
                List.of(new Flatten("input"), new Dense("d", 2, true)), Loss.softmaxCrossEntropy()));
        assertTrue(input.getMessage().contains("'input'"), input.getMessage());
    }

    @Test
    void givenStatisticsMakeEachOutputIndependentOfItsBatch() {
        Network net = residual();
        ParamSet p = net.initialise(4, DataType.DOUBLE);
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 2, DataType.DOUBLE, 9);
        // the support set's statistics, then the queries predicted with them, all at once and two at a time
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> v = vars(sd, net, p);
        Network.Forward support = net.forward(sd, sd.constant(e.supportX()), e.supportX().size(0), v);
        Map<String, Normalisation.Statistics> stats = support.statistics();
        assertEquals(List.of("bn1"), List.copyOf(stats.keySet()));
        Map<String, INDArray> values = sd.output(Map.of(), stats.get("bn1").mean().name(),
                stats.get("bn1").variance().name(), support.output().name());
        Map<String, Normalisation.Statistics> fixed = Map.of("bn1", new Normalisation.Statistics(
                sd.constant(values.get(stats.get("bn1").mean().name())),
                sd.constant(values.get(stats.get("bn1").variance().name()))));
        // with the support set's own statistics the support output is the transductive one
        Network.Forward again = net.forward(sd, sd.constant(e.supportX()), e.supportX().size(0), v, fixed);
        INDArray same = sd.output(Map.of(), again.output().name()).get(again.output().name());
        assertTrue(Rel.maxRelError(same, values.get(support.output().name()), 1e-14) < 1e-12);
        INDArray all = forwardWith(sd, net, v, fixed, e.queryX());
        INDArray firstTwo = forwardWith(sd, net, v, fixed, e.queryX().get(NDArrayIndex.interval(0, 2)).dup());
        assertTrue(Rel.maxRelError(firstTwo, all.get(NDArrayIndex.interval(0, 2)), 1e-14) < 1e-12);
        // while with batch statistics the first two queries' outputs depend on the rest of the batch
        INDArray transAll = output(net, p, e.queryX());
        INDArray transTwo = output(net, p, e.queryX().get(NDArrayIndex.interval(0, 2)).dup());
        assertTrue(Rel.maxRelError(transTwo, transAll.get(NDArrayIndex.interval(0, 2)), 1e-14) > 1e-6);
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> net.forward(sd, sd.constant(e.queryX()), e.queryX().size(0), v, Map.of()));
        assertTrue(missing.getMessage().contains("[bn1]"), missing.getMessage());
    }

    @Test
    void gradientWithGivenStatisticsEqualsAutodiff() {
        Network net = residual();
        ParamSet p = net.initialise(6, DataType.DOUBLE);
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 1, DataType.DOUBLE, 8);
        long n = e.supportX().size(0);
        INDArray mean = org.nd4j.linalg.factory.Nd4j.create(new double[] {0.1, -0.2, 0.3});
        INDArray var = org.nd4j.linalg.factory.Nd4j.create(new double[] {0.5, 1.5, 0.9});
        SameDiff ref = SameDiff.create();
        Map<String, SDVariable> rv = new LinkedHashMap<>();
        for (String k : net.paramNames()) {
            rv.put(k, ref.var("p_" + k, p.get(k).dup()));
        }
        Map<String, Normalisation.Statistics> rs = Map.of("bn1",
                new Normalisation.Statistics(ref.constant(mean), ref.constant(var)));
        Network.Forward f = net.forward(ref, ref.constant(e.supportX()), n, rv, rs);
        ref.setLossVariables(net.loss().build(ref, f.output(), ref.constant(e.supportY()), n).loss());
        Map<String, INDArray> auto = ref.calculateGradients(Map.of(),
                net.paramNames().stream().map(k -> "p_" + k).toList());
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> v = vars(sd, net, p);
        Network.LossAndGradient lg = net.lossAndGradient(sd, sd.constant(e.supportX()), sd.constant(e.supportY()), n,
                v, true, Map.of("bn1", new Normalisation.Statistics(sd.constant(mean), sd.constant(var))));
        Map<String, INDArray> vals = sd.output(Map.of(),
                lg.gradients().values().stream().map(SDVariable::name).toList());
        for (String k : net.paramNames()) {
            double err = Rel.maxRelError(vals.get(lg.gradients().get(k).name()), auto.get("p_" + k), 1e-14);
            assertTrue(err < 1e-10, k + " relative error " + err);
        }
    }

    private static Map<String, SDVariable> vars(SameDiff sd, Network net, ParamSet p) {
        Map<String, SDVariable> v = new LinkedHashMap<>();
        for (String k : net.paramNames()) {
            v.put(k, sd.constant(p.get(k)));
        }
        return v;
    }

    private static INDArray forwardWith(SameDiff sd, Network net, Map<String, SDVariable> v,
                                        Map<String, Normalisation.Statistics> stats, INDArray x) {
        Network.Forward f = net.forward(sd, sd.constant(x), x.size(0), v, stats);
        return sd.output(Map.of(), f.output().name()).get(f.output().name());
    }

    static INDArray output(Network net, ParamSet p, INDArray x) {
        SameDiff sd = SameDiff.create();
        Network.Forward f = net.forward(sd, sd.constant(x), x.size(0), vars(sd, net, p));
        return sd.output(Map.of(), f.output().name()).get(f.output().name());
    }
}
