package org.dl4jmeta.algorithm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.graph.MamlGraph;
import org.dl4jmeta.io.AlgorithmSpec;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.SyntheticTasks;
import org.dl4jmeta.testutil.Rel;
import org.dl4jmeta.update.ElementwiseStepSizes;
import org.dl4jmeta.update.LearnedStepSizes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Reference and closed-form checks of ANIL, Meta-SGD and MAML++'s options against independent computations of the
 * same quantity (double): ANIL equals MAML with learned step sizes whose body rates are 0 (which runs the body's
 * inner gradients and multiplies them away); Meta-SGD with every rate a equals MAML with step a, and its rates'
 * gradient summed over a tensor's elements equals the per-tensor learned step sizes' gradient summed over the steps;
 * the multi-step loss with weight 1 on the last step is plain MAML; per-step batch norm with every set equal to
 * theta's is MAML with batch norm out of the inner loop, the sets' gradients summing to its batch-norm gradient;
 * derivative-order annealing is exactly first-order MAML before its iteration. Also MAML++'s weight schedule against
 * the numbers of its formula, the registry's names, the configurations' JSON round trip, and bad values named.
 */
class NewLearnersTest {

    static Network net() {
        return Conv4.build(new long[] {1, 9, 9}, 3, Conv4.Downsampling.STRIDE, 4, 3);
    }

    static Episode episode(Network net, long seed) {
        return SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 2, DataType.DOUBLE, seed);
    }

    static void assertClose(ParamSet a, ParamSet b, List<String> names, double tol, String what) {
        for (String n : names) {
            double r = Rel.maxRelError(a.get(n), b.get(n), 1e-13);
            assertTrue(r < tol, what + ": " + n + " differs, relative error " + r);
        }
    }

    @ParameterizedTest(name = "first order {0}")
    @ValueSource(booleans = {false, true})
    void anilEqualsMamlWithTheBodysStepSizesAtZero(boolean firstOrder) {
        Network net = net();
        Anil anil = new Anil(net, new Anil.Config(2, 0.3, firstOrder, null));
        assertEquals(List.of("head/W", "head/b"), anil.head());
        Maml reference = new Maml(net, new MamlConfig(2, 0.3, firstOrder, true));
        ParamSet ref = reference.initialise(4, DataType.DOUBLE);
        for (String n : ref.names()) {
            if (n.startsWith("alpha/") && !n.endsWith("/head/W") && !n.endsWith("/head/b")) {
                ref.get(n).assign(0);
            }
        }
        ParamSet theta = anil.initialise(4, DataType.DOUBLE);
        assertEquals(net.paramNames(), theta.names());
        Episode e = episode(net, 21);
        ParamSet g = anil.metaGradient(theta, e).gradient();
        ParamSet gRef = reference.metaGradient(ref, e).gradient();
        assertClose(g, gRef, net.paramNames(), 1e-10, "ANIL against MAML with zero body rates");
        assertTrue(g.get("conv1/W").norm2Number().doubleValue() > 1e-6, "the body gets no outer gradient");
        assertArrayEquals(anil.adapt(theta, e).flat().toDoubleVector(),
                reference.adapt(ref, e).flat().toDoubleVector(), 1e-12);
    }

    @Test
    void anilsInnerLoopRunsNoBackwardPassThroughTheBody() {
        Network net = net();
        LossGradGraph g = new LossGradGraph(net, 6, DataType.DOUBLE);
        int head = g.opCount(List.of("head/W", "head/b"));
        int all = g.opCount(net.paramNames());
        int forward = g.opCount(List.of());
        assertTrue(head < forward + (all - forward) / 4, "head-only gradient runs " + head + " ops; forward "
                + forward + ", full gradient " + all);
    }

    @Test
    void anilHeadPrefixIsValidated() {
        Network net = net();
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> new Anil(net, new Anil.Config(1, 0.3, false, "classifier/")));
        assertTrue(none.getMessage().contains("'classifier/'"), none.getMessage());
        IllegalArgumentException all = assertThrows(IllegalArgumentException.class,
                () -> new Anil(net, new Anil.Config(1, 0.3, false, "")));
        assertTrue(all.getMessage().contains("headPrefix"), all.getMessage());
        assertEquals(List.of("bn4/gamma", "bn4/beta"), new Anil(net, new Anil.Config(1, 0.3, false, "bn4/")).head());
    }

    @ParameterizedTest(name = "first order {0}")
    @ValueSource(booleans = {false, true})
    void metaSgdWithEqualRatesEqualsMamlAndLearnedStepSizes(boolean firstOrder) {
        Network net = net();
        MetaSgd sgd = new MetaSgd(net, new MetaSgd.Config(2, 0.3, firstOrder));
        ParamSet theta = sgd.initialise(5, DataType.DOUBLE);
        assertEquals(2 * net.paramNames().size(), theta.names().size());
        assertEquals(0.3, theta.get(MetaSgd.stepSizeName("conv2/W")).maxNumber().doubleValue(), 0);
        Episode e = episode(net, 22);
        ParamSet g = sgd.metaGradient(theta, e).gradient();
        Maml perTensor = new Maml(net, new MamlConfig(2, 0.3, firstOrder, true));
        ParamSet thetaT = perTensor.initialise(5, DataType.DOUBLE);
        ParamSet gT = perTensor.metaGradient(thetaT, e).gradient();
        assertClose(g, gT, net.paramNames(), 1e-10, "Meta-SGD against MAML with learned step sizes");
        for (String n : net.paramNames()) {
            double perElement = g.get(ElementwiseStepSizes.name(n)).sumNumber().doubleValue();
            double summed = gT.get(LearnedStepSizes.name(0, n)).getDouble(0) + gT.get(LearnedStepSizes.name(1, n))
                    .getDouble(0);
            assertEquals(summed, perElement, 1e-10 * Math.max(1e-3, Math.abs(summed)), n);
        }
        ParamSet gPlain = new Maml(net, new MamlConfig(2, 0.3, firstOrder, false)).metaGradient(
                theta.select(net.paramNames()), e).gradient();
        assertClose(g, gPlain, net.paramNames(), 1e-10, "Meta-SGD against MAML with step 0.3");
    }

    @Test
    void multiStepLossWithWeightOneOnTheLastStepIsPlainMaml() {
        Network net = net();
        Episode e = episode(net, 23);
        Maml maml = new Maml(net, MamlConfig.secondOrder(3, 0.3).withLearnedStepSizes());
        ParamSet theta = maml.initialise(6, DataType.DOUBLE);
        MamlGraph multi = new MamlGraph(net, e.shapeKey(), 3, maml.update(), false, List.of(), true);
        MamlGraph plain = new MamlGraph(net, e.shapeKey(), 3, maml.update(), false, List.of(), false);
        MamlGraph.Result a = multi.run(theta, e, new double[] {0, 0, 1});
        MamlGraph.Result b = plain.run(theta, e);
        assertClose(a.gradient(), b.gradient(), theta.names(), 1e-12, "weights (0, 0, 1)");
        assertEquals(b.queryLossAfter(), a.queryLossAfter(), 0);
        // and the other weights do change the gradient
        MamlGraph.Result c = multi.run(theta, e, new double[] {0.3, 0.3, 0.4});
        assertTrue(c.gradient().axpy(-1, b.gradient()).norm2() > 1e-4 * b.gradient().norm2());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> multi.run(theta, e, new double[] {1}));
        assertTrue(bad.getMessage().contains("[1.0]"), bad.getMessage());
    }

    @Test
    void stepLossWeightsFollowMamlPlusPlusSchedule() {
        // get_per_step_loss_importance_vector of Antoniou et al.'s code, K = 5, 10 epochs of 500 iterations: epoch 0
        // uniform 0.2; epoch 5: max(0.2 - 5 * 0.02, 0.006) = 0.1 and min(0.2 + 5 * 4 * 0.02, 0.976) = 0.6; epoch 9:
        // 0.02 and 0.92; from epoch 10 the last step's loss alone
        MamlConfig c = MamlConfig.mamlPlusPlus(5, 0.1);
        assertArrayEquals(new double[] {0.2, 0.2, 0.2, 0.2, 0.2}, c.stepLossWeights(499), 1e-15);
        assertArrayEquals(new double[] {0.1, 0.1, 0.1, 0.1, 0.6}, c.stepLossWeights(2500), 1e-15);
        assertArrayEquals(new double[] {0.02, 0.02, 0.02, 0.02, 0.92}, c.stepLossWeights(4999), 1e-15);
        assertNull(c.stepLossWeights(5000));
        assertTrue(c.firstOrderAt(24_999));
        assertTrue(!c.firstOrderAt(25_000));
        // a short schedule: K = 2, E = 2, 10 iterations per epoch -> epoch 1: max(0.5 - 0.25, 0.015) and 0.75
        MamlConfig s = MamlConfig.secondOrder(2, 0.1).withMultiStepLoss(2, 10);
        assertArrayEquals(new double[] {0.25, 0.75}, s.stepLossWeights(15), 1e-15);
        assertNull(MamlConfig.secondOrder(2, 0.1).stepLossWeights(0));
    }

    @Test
    void perStepBatchNormWithEqualSetsIsMamlWithBatchNormOutOfTheInnerLoop() {
        Network net = net();
        Episode e = episode(net, 24);
        Maml bnwb = new Maml(net, MamlConfig.secondOrder(3, 0.3).withPerStepBatchNorm());
        ParamSet theta = bnwb.initialise(8, DataType.DOUBLE);
        List<String> bn = bnwb.perStepTensors();
        assertEquals(8, bn.size());
        // sets 1 and 2 of each batch-norm tensor, copies of the network's initial values
        assertEquals(net.paramNames().size() + 2 * bn.size(), theta.names().size());
        for (String t : bn) {
            theta.get(t).addi(0.05);
            theta.get(MamlGraph.perStepName(1, t)).assign(theta.get(t));
            theta.get(MamlGraph.perStepName(2, t)).assign(theta.get(t));
        }
        List<String> body = net.paramNames().stream().filter(n -> !bn.contains(n)).toList();
        Maml masked = new Maml(net, MamlConfig.secondOrder(3, 0.3).adapting(body));
        ParamSet thetaM = theta.select(net.paramNames());
        ParamSet g = bnwb.metaGradient(theta, e).gradient();
        ParamSet gM = masked.metaGradient(thetaM, e).gradient();
        assertClose(g, gM, body, 1e-10, "per-step batch norm with equal sets");
        for (String t : bn) {
            ParamSet sum = g.select(List.of(t)).copy();
            sum.get(t).addi(g.get(MamlGraph.perStepName(1, t))).addi(g.get(MamlGraph.perStepName(2, t)));
            assertTrue(Rel.maxRelError(sum.get(t), gM.get(t), 1e-13) < 1e-10, t);
            assertTrue(g.get(MamlGraph.perStepName(2, t)).norm2Number().doubleValue() > 0, t + ": set 2 unused");
        }
        assertArrayEquals(masked.adapt(thetaM, e).flat().toDoubleVector(),
                bnwb.adapt(theta, e).flat().toDoubleVector(), 1e-12);
        // after longer adaptation the last set is the one in phi
        theta.get(MamlGraph.perStepName(2, "bn1/gamma")).addi(1);
        assertEquals(theta.get(MamlGraph.perStepName(2, "bn1/gamma")),
                bnwb.adapt(theta, e.supportX(), e.supportY(), 5).get("bn1/gamma"));
    }

    @Test
    void firstOrderMetaGradientsOfTheOptionsEqualTheirExecutedForms() {
        // second order at the annealing iteration of derivative-order annealing, first order before it: then the
        // meta-gradient is first-order MAML's with the same options, bit for bit
        Network net = net();
        Episode e = episode(net, 25);
        MamlConfig options = MamlConfig.secondOrder(2, 0.3).withLearnedStepSizes().withPerStepBatchNorm()
                .withMultiStepLoss(10, 10);
        Maml annealed = new Maml(net, options.withFirstOrderFor(50));
        Maml firstOrder = new Maml(net, new MamlConfig(2, 0.3, true, true, null, null, true, 10, 10, null, null));
        Maml secondOrder = new Maml(net, options);
        ParamSet theta = annealed.initialise(9, DataType.DOUBLE);
        ParamSet before = annealed.metaGradient(theta, new Maml.Progress(30), e, false).gradient();
        assertArrayEquals(firstOrder.metaGradient(theta, new Maml.Progress(30), e, false).gradient().flat()
                .toDoubleVector(), before.flat().toDoubleVector(), 0.0);
        ParamSet after = annealed.metaGradient(theta, new Maml.Progress(50), e, false).gradient();
        assertArrayEquals(secondOrder.metaGradient(theta, new Maml.Progress(50), e, false).gradient().flat()
                .toDoubleVector(), after.flat().toDoubleVector(), 0.0);
        assertTrue(before.axpy(-1, after).norm2() > 1e-4 * after.norm2(), "first and second order agree");
        // the first-order multi-step gradient is sum_j w_j grad L_query(phi_{j+1}) on the body: check one tensor
        double[] w = options.stepLossWeights(30);
        LossGradGraph q = new LossGradGraph(net, e.queryX().size(0), DataType.DOUBLE);
        ParamSet g1 = q.run(firstOrder.adapt(theta, e.supportX(), e.supportY(), 1), e.queryX(), e.queryY(), true)
                .gradient();
        ParamSet g2 = q.run(firstOrder.adapt(theta, e.supportX(), e.supportY(), 2), e.queryX(), e.queryY(), true)
                .gradient();
        assertTrue(Rel.maxRelError(before.get("conv2/W"), g1.get("conv2/W").mul(w[0]).add(g2.get("conv2/W")
                .mul(w[1])), 1e-13) < 1e-10);
    }

    @Test
    void registryNamesTheNewLearnersAndTheirConfigurationsRoundTrip() {
        assertTrue(LearnerTypes.names().containsAll(List.of("anil", "foanil", "metasgd", "fometasgd", "maml++")),
                LearnerTypes.names().toString());
        AlgorithmSpec plus = AlgorithmSpec.configure("maml++", 5, 0.1, Map.of());
        assertEquals("maml", plus.type());
        assertEquals(MamlConfig.mamlPlusPlus(5, 0.1), plus.configRecord());
        Network net = net();
        for (AlgorithmSpec s : List.of(plus, AlgorithmSpec.configure("anil", 2, 0.3, Map.of("headPrefix", "head/")),
                AlgorithmSpec.configure("fometasgd", 1, 0.2, Map.of()))) {
            MetaLearner l = s.create(net);
            assertEquals(s, AlgorithmSpec.of(l));
        }
        assertEquals(Map.of("innerSteps", 1, "innerStepSize", 0.4, "firstOrder", false, "learnInnerStepSizes", false),
                AlgorithmSpec.of(new Maml(net, MamlConfig.secondOrder(1, 0.4))).config(),
                "a plain MAML configuration's fields must stay as before the options existed");
        assertEquals(new MamlConfig(1, 0.4, false, false), new MamlConfig(1, 0.4, false, false, null, null, false, 0,
                500, 0, null));
    }

    @Test
    void badValuesAreNamed() {
        Map<String, Runnable> bad = Map.of(
                "-1", () -> new MamlConfig(2, 0.1, false, false, null, null, null, -1, null, null, null),
                "epochIterations", () -> new MamlConfig(2, 0.1, false, false, null, null, null, 3, 0, null, null),
                "firstOrderIterations 7", () -> new MamlConfig(2, 0.1, true, false, null, null, null, null, null, 7, null),
                "'bn1/gamma'", () -> MamlConfig.secondOrder(2, 0.1).adapting(List.of("bn1/gamma", "head/W"))
                        .withPerStepBatchNorm(),
                "0.0", () -> new MetaSgd.Config(1, 0.0, false),
                "recompute", () -> MamlConfig.secondOrder(2, 0.1).withPerStepBatchNorm()
                        .withSecondOrderMemory(SecondOrderMemory.RECOMPUTE),
                "-2", () -> new Maml.Progress(-2));
        bad.forEach((value, r) -> {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, r::run);
            assertTrue(ex.getMessage().contains(value), value + ": " + ex.getMessage());
        });
        Network noBatchNorm = new Network(new long[] {4}, List.of(new org.dl4jmeta.model.Dense("head", 3, true)),
                org.dl4jmeta.model.Loss.softmaxCrossEntropy());
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> new Maml(noBatchNorm, MamlConfig.secondOrder(2, 0.1).withPerStepBatchNorm()));
        assertTrue(ex.getMessage().contains("[head/W, head/b]"), ex.getMessage());
        IllegalArgumentException state = assertThrows(IllegalArgumentException.class,
                () -> Maml.iterations(BiMaml.State.INITIAL));
        assertTrue(state.getMessage().contains("Maml.Progress"), state.getMessage());
    }
}
