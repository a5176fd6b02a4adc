package org.dl4jmeta.update;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.check.MetaGradientCheck;
import org.dl4jmeta.graph.MamlGraph;
import org.dl4jmeta.io.AlgorithmSpec;
import org.dl4jmeta.io.Json;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.SyntheticTasks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Each inner update gives the same phi_K in the executed inner loop and in the unrolled graph (double); a mask keeps
 * the other tensors at theta; the SGD and learned-step-size graphs have today's op count; the first-order gradient
 * of learned step sizes equals autodiff of the update's SameDiff form; configurations with updates survive the
 * model-file JSON, and files without the new fields read as before; bad input names the value.
 */
class InnerUpdateTest {

    static final List<String> HEAD = List.of("head/W", "head/b");

    static Network net() {
        // stride-2 blocks: 9 -> 5 -> 3 -> 2 -> 1, 3-way head
        return Conv4.build(new long[] {1, 9, 9}, 3, Conv4.Downsampling.STRIDE, 4, 3);
    }

    static Stream<Arguments> updates() {
        return Stream.of(
                Arguments.of("sgd", InnerUpdate.sgd(0.3)),
                Arguments.of("learned step sizes", InnerUpdate.learnedStepSizes(0.3)),
                Arguments.of("proximal", InnerUpdate.sgd(0.3).withProximal(2.0)),
                Arguments.of("proximal, learned", InnerUpdate.learnedStepSizes(0.2).withProximal(0.5)),
                Arguments.of("head only", InnerUpdate.sgd(0.3).adapting(HEAD)),
                Arguments.of("head only, proximal", InnerUpdate.sgd(0.3).withProximal(1.0).adapting(HEAD)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("updates")
    void executedLoopAndUnrolledGraphGiveTheSamePhi(String name, InnerUpdate update) {
        Network net = net();
        Maml maml = new Maml(net, MamlConfig.secondOrder(2, 0.3), update);
        ParamSet theta = perturbedRates(maml.initialise(3, DataType.DOUBLE));
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 2, DataType.DOUBLE, 4);
        ParamSet executed = maml.adapt(theta, e);
        MamlGraph.Result graph = new MamlGraph(net, e.shapeKey(), 2, update, true).run(theta, e);
        double[] a = executed.flat().toDoubleVector();
        double[] b = graph.adapted().flat().toDoubleVector();
        double scale = executed.norm2();
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], 1e-13 * scale, name + ": element " + i);
        }
        double moved = executed.axpy(-1, theta.select(net.paramNames())).norm2();
        assertTrue(moved > 1e-3 * scale, name + ": adaptation did not move phi (" + moved + ")");
    }

    /** Learned step sizes at different values per tensor and step, so a mix-up of names would show. */
    private static ParamSet perturbedRates(ParamSet theta) {
        ParamSet t = theta.copy();
        int i = 0;
        for (String n : t.names()) {
            if (n.startsWith("alpha/")) {
                t.get(n).muli(1 + 0.1 * (i++ % 5));
            }
        }
        return t;
    }

    /**
     * A user's own update outside the built-ins: Meta-SGD's per-element step sizes (Li et al. 2017),
     * phi - A_t (elementwise) g with one learned A_t of the tensor's shape, shared by all steps.
     */
    record MetaSgd(double initial) implements InnerUpdate {
        static String name(String tensor) {
            return "metasgd/" + tensor;
        }

        @Override
        public <T> T apply(TensorMath<T> math, UpdateStep<T> s) {
            return math.sub(s.phi(), math.mul(s.parameters().apply(name(s.tensor())), s.gradient()));
        }

        @Override
        public List<MetaParameter> metaParameters(Map<String, long[]> adapted, int steps) {
            return adapted.entrySet().stream().map(e -> new MetaParameter(name(e.getKey()), e.getValue(), initial))
                    .toList();
        }

        @Override
        public Map<String, INDArray> firstOrderGradient(UpdateStep<INDArray> s, INDArray v) {
            return Map.of(name(s.tensor()), v.mul(s.gradient()).negi());
        }
    }

    @Test
    void aUsersOwnUpdateIsOneClass() {
        Network net = net();
        Maml maml = new Maml(net, MamlConfig.secondOrder(2, 0.3), new MetaSgd(0.3));
        ParamSet theta = maml.initialise(2, DataType.DOUBLE);
        assertEquals(net.paramNames().size() * 2, theta.names().size());
        for (String n : theta.names()) {
            if (n.startsWith("metasgd/")) {
                theta.get(n).muli(Nd4j.linspace(0.5, 1.5, theta.get(n).length(), DataType.DOUBLE)
                        .reshape(theta.get(n).shape()));
            }
        }
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 2, DataType.DOUBLE, 6);
        MetaGradientCheck.Result r = MetaGradientCheck.check(maml, MetaGradientCheck.Objective.META_OBJECTIVE, theta, e, 6, 1e-6,
                1e-10, 5);
        assertTrue(r.maxRelativeError() < 1e-6, "Meta-SGD: max relative error " + r.maxRelativeError());
        ParamSet graph = new MamlGraph(net, e.shapeKey(), 2, new MetaSgd(0.3), true).run(theta, e).adapted();
        assertArrayEquals(maml.adapt(theta, e).flat().toDoubleVector(), graph.flat().toDoubleVector(),
                1e-13 * graph.norm2());
        // first order: the per-element rates' gradient sums -v * g_k over the steps
        Maml fo = new Maml(net, MamlConfig.firstOrder(2, 0.3), new MetaSgd(0.3));
        assertTrue(fo.metaGradient(theta, e).gradient().get(MetaSgd.name("head/W")).norm2Number().doubleValue() > 0);
    }

    @Test
    void maskedTensorsKeepThetaInBothForms() {
        Network net = net();
        InnerUpdate update = InnerUpdate.sgd(0.5).withProximal(1.0).adapting(HEAD);
        Maml maml = new Maml(net, MamlConfig.secondOrder(3, 0.5), update);
        ParamSet theta = maml.initialise(1, DataType.DOUBLE);
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 2, DataType.DOUBLE, 5);
        ParamSet executed = maml.adapt(theta, e.supportX(), e.supportY(), 5);
        ParamSet graph = new MamlGraph(net, e.shapeKey(), 3, update, true).run(theta, e).adapted();
        for (String n : net.paramNames()) {
            for (ParamSet phi : List.of(executed, graph)) {
                boolean same = phi.get(n).equals(theta.get(n));
                assertEquals(!HEAD.contains(n), same, n + (same ? " changed" : " did not change") + " by adaptation");
            }
        }
        // the same mask in the configuration (what model files store) gives the same learner
        Maml fromConfig = new Maml(net, MamlConfig.secondOrder(3, 0.5).withProximal(1.0).adapting(HEAD));
        assertEquals(update, fromConfig.update());
        assertArrayEquals(executed.flat().toDoubleVector(),
                fromConfig.adapt(theta, e.supportX(), e.supportY(), 5).flat().toDoubleVector(), 0.0);
    }

    @Test
    void sgdAndLearnedStepSizeGraphsKeepTheirOpCount() {
        // Op counts of this network's unrolled graph measured at a61f196, before inner updates existed (798 and
        // 1429), plus 16 at one step and 24 at two since ReLU's differentiable forward pass is a scalar max (SameDiff
        // differentiates it into a compare, a cast and a product; each hand-written backward pass has its own mask),
        // plus the first layer's passes as products with the input's columns (49 ops at one step, 71 at two: each
        // support and query pass has its own columns): the updates must not add ops to the hot path. The head-only
        // graph drops the body's updates.
        Network net = net();
        Episode.ShapeKey key = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 2, DataType.DOUBLE, 1).shapeKey();
        assertEquals(863, new MamlGraph(net, key, 1, InnerUpdate.sgd(0.3), false).opCount());
        assertEquals(1524, new MamlGraph(net, key, 2, InnerUpdate.sgd(0.3), false).opCount());
        assertEquals(863, new MamlGraph(net, key, 1, InnerUpdate.learnedStepSizes(0.3), false).opCount());
        assertEquals(1524, new MamlGraph(net, key, 2, InnerUpdate.learnedStepSizes(0.3), false).opCount());
        int head = new MamlGraph(net, key, 2, InnerUpdate.sgd(0.3).adapting(HEAD), false).opCount();
        assertTrue(head < 1524, "head-only graph has " + head + " ops");
    }

    static Stream<Arguments> learnedUpdates() {
        return Stream.of(Arguments.of("learned", InnerUpdate.learnedStepSizes(0.3)),
                Arguments.of("learned, proximal", InnerUpdate.learnedStepSizes(0.3).withProximal(2.0)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("learnedUpdates")
    void firstOrderGradientEqualsAutodiffOfTheGraphForm(String name, InnerUpdate update) {
        SplittableRandom rng = new SplittableRandom(9);
        INDArray theta = gaussian(rng);
        INDArray phi = gaussian(rng);
        INDArray g = gaussian(rng);
        INDArray v = gaussian(rng);
        String rate = LearnedStepSizes.name(1, "w");
        INDArray alpha = Nd4j.valueArrayOf(new long[] {1}, 0.7, DataType.DOUBLE);
        SameDiff sd = SameDiff.create();
        SDVariable a = sd.var(rate, alpha);
        SDVariable out = update.apply(TensorMath.samediff(), new UpdateStep<>(1, 2, "w", sd.constant(theta),
                sd.constant(phi), sd.constant(g), n -> a));
        sd.setLossVariables(out.mul(sd.constant(v)).sum());
        double autodiff = sd.calculateGradients(Map.of(), rate).get(rate).getDouble(0);
        Map<String, INDArray> fo = update.firstOrderGradient(new UpdateStep<>(1, 2, "w", theta, phi, g,
                n -> alpha), v);
        assertEquals(List.of(rate), List.copyOf(fo.keySet()));
        assertEquals(autodiff, fo.get(rate).getDouble(0), 1e-14 * Math.abs(autodiff), name);
    }

    private static INDArray gaussian(SplittableRandom rng) {
        double[] x = new double[12];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextGaussian();
        }
        return Nd4j.createFromArray(x).reshape(3, 4);
    }

    @Test
    void configurationsWithUpdatesSurviveTheModelFileJson() throws Exception {
        Network net = net();
        MamlConfig cfg = MamlConfig.firstOrder(2, 0.3).withLearnedStepSizes().withProximal(0.5).adapting(HEAD);
        AlgorithmSpec spec = AlgorithmSpec.of(new Maml(net, cfg));
        AlgorithmSpec back = Json.mapper().readValue(Json.write(spec), AlgorithmSpec.class);
        Maml rebuilt = (Maml) back.create(net);
        assertEquals(cfg, rebuilt.config());
        assertEquals(cfg.innerUpdate(), rebuilt.update());
        // today's configurations keep exactly today's JSON fields
        assertEquals(Set.of("innerSteps", "innerStepSize", "firstOrder", "learnInnerStepSizes"),
                AlgorithmSpec.of(new Maml(net, MamlConfig.secondOrder(1, 0.4))).config().keySet());
    }

    @Test
    void aMamlWithAnUpdateItsConfigurationCannotDescribeIsNotSavedAsPlainMaml() {
        Network net = net();
        // saving it as MamlConfig alone would rebuild plain SGD on reading: another learner, silently
        assertMessage(() -> AlgorithmSpec.of(new Maml(net, MamlConfig.secondOrder(2, 0.3), new MetaSgd(0.3))),
                "cannot describe", "save it as a learner of its own");
        // an update equal to the one the configuration describes saves as before
        MamlConfig cfg = MamlConfig.secondOrder(2, 0.3).withProximal(1.0);
        assertEquals("maml", AlgorithmSpec.of(new Maml(net, cfg, cfg.innerUpdate())).type());
    }

    @Test
    void oldConfigurationsReadAsBefore() {
        Map<String, Object> old = new LinkedHashMap<>();
        old.put("innerSteps", 2);
        old.put("innerStepSize", 0.4);
        old.put("firstOrder", false);
        old.put("learnInnerStepSizes", true);
        MamlConfig cfg = ((Maml) new AlgorithmSpec("maml", old).create(net())).config();
        assertEquals(MamlConfig.secondOrder(2, 0.4).withLearnedStepSizes(), cfg);
        assertNull(cfg.proximalLambda());
        assertNull(cfg.adaptedTensors());
        assertEquals(InnerUpdate.learnedStepSizes(0.4), cfg.innerUpdate());
        assertFalse(Json.write(cfg).contains("proximal"), Json.write(cfg));
    }

    @Test
    void badInputNamesTheValue() {
        Network net = net();
        assertMessage(() -> InnerUpdate.sgd(0.1).withProximal(-1), "proximal lambda", "got -1.0");
        assertMessage(() -> MamlConfig.secondOrder(1, 0.1).withProximal(-0.5), "got -0.5");
        assertMessage(() -> MamlConfig.secondOrder(1, 0.1).withProximal(Double.NaN), "got NaN");
        assertMessage(() -> InnerUpdate.sgd(0), "alpha", "got 0.0");
        assertMessage(() -> InnerUpdate.learnedStepSizes(-2), "got -2.0");
        assertMessage(() -> InnerUpdate.sgd(0.1).adapting(List.of()), "at least one tensor", "got []");
        assertMessage(() -> MamlConfig.secondOrder(1, 0.1).adapting(List.of()), "got []");
        assertMessage(() -> InnerUpdate.sgd(0.1).adapting(List.of("head/W", "head/W")), "'head/W' twice");
        assertMessage(() -> new Maml(net, MamlConfig.secondOrder(1, 0.1).adapting(List.of("head/W", "haed/b"))),
                "unknown tensor 'haed/b'", "conv1/W");
        assertMessage(() -> new Maml(net, MamlConfig.secondOrder(1, 0.1),
                InnerUpdate.sgd(0.1).adapting(List.of("head/W")).adapting(List.of("head/b"))), "adapts none");
        Map<String, Object> bad = new LinkedHashMap<>(Map.of("innerSteps", 1, "innerStepSize", 0.1,
                "firstOrder", false, "learnInnerStepSizes", false, "proximalLambda", -3.0));
        assertMessage(() -> new AlgorithmSpec("maml", bad).create(net), "got -3.0");
    }

    private static void assertMessage(Executable e, String... parts) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        for (String p : parts) {
            assertTrue(ex.getMessage().contains(p), "message '" + ex.getMessage() + "' lacks '" + p + "'");
        }
    }
}
