package org.dl4jmeta.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.algorithm.MetaGradient;
import org.dl4jmeta.algorithm.SecondOrderMemory;
import org.dl4jmeta.check.MetaGradientCheck.Objective;
import org.dl4jmeta.graph.RecomputedMamlGraph;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.SyntheticTasks;
import org.dl4jmeta.testutil.Rel;
import org.dl4jmeta.update.InnerUpdate;
import org.dl4jmeta.update.TensorMath;
import org.dl4jmeta.update.UpdateStep;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Second-order MAML with {@code secondOrderMemory recompute} (checkpointing at step boundaries) gives the unrolled
 * graph's meta-gradient (relative error below 1e-10, double) for 1, 2 and 5 inner steps, with fixed and learned step
 * sizes and with the proximal, partly adapting update; its meta-gradient passes the finite-difference check; an update
 * whose step depends on the step index other than through its meta-parameters is refused.
 */
class RecomputeMemoryModeTest {

    static Stream<Arguments> cases() {
        return Stream.of(Arguments.of(1, "sgd"), Arguments.of(2, "sgd"), Arguments.of(5, "sgd"),
                Arguments.of(1, "learned"), Arguments.of(2, "learned"), Arguments.of(5, "learned"),
                Arguments.of(2, "proximal-head"));
    }

    private static MamlConfig config(int steps, String kind) {
        MamlConfig c = MamlConfig.secondOrder(steps, 0.3);
        return switch (kind) {
            case "sgd" -> c;
            case "learned" -> c.withLearnedStepSizes();
            case "proximal-head" -> c.withLearnedStepSizes().withProximal(2.0)
                    .adapting(List.of("conv4/W", "head/W", "head/b"));
            default -> throw new IllegalArgumentException(kind);
        };
    }

    @ParameterizedTest(name = "K={0} {1}")
    @MethodSource("cases")
    void recomputedMetaGradientEqualsTheUnrolledOne(int steps, String kind) {
        Network net = MamlGradCheckTest.smallOmniglot();
        MamlConfig cfg = config(steps, kind);
        Maml unrolled = new Maml(net, cfg);
        Maml recompute = new Maml(net, cfg.withSecondOrderMemory(SecondOrderMemory.RECOMPUTE));
        ParamSet theta = unrolled.initialise(7, DataType.DOUBLE);
        if (kind.equals("learned")) {
            // distinct step sizes per step and tensor, so a mix-up of steps would show
            int i = 0;
            for (String n : theta.names()) {
                if (n.startsWith("alpha/")) {
                    theta.get(n).assign(0.1 + 0.02 * i++);
                }
            }
        }
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 2, DataType.DOUBLE, 11);
        MetaGradient a = unrolled.metaGradient(theta, e);
        MetaGradient b = recompute.metaGradient(theta, e);
        double rel = a.gradient().axpy(-1, b.gradient()).norm2() / a.gradient().norm2();
        assertTrue(rel < 1e-10, "relative error of the whole meta-gradient " + rel);
        assertTrue(Rel.maxRelError(a.gradient().flat(), b.gradient().flat(), 1e-13) < 1e-10,
                "largest element-wise relative error " + Rel.maxRelError(a.gradient().flat(), b.gradient().flat(),
                        1e-13));
        assertTrue(a.gradient().norm2() > 1e-3, "meta-gradient too small to test anything: " + a.gradient().norm2());
        if (!kind.equals("sgd")) {
            // (a convolution's bias before batch norm has no effect, so neither has its step size)
            for (String n : theta.names()) {
                if (n.startsWith("alpha/") && n.endsWith("/W")) {
                    assertTrue(Math.abs(b.gradient().get(n).getDouble(0)) > 1e-8, "step size " + n
                            + " gets no gradient: " + b.gradient().get(n));
                }
            }
        }
        assertEquals(a.metrics().queryLossAfter(), b.metrics().queryLossAfter(), 1e-12);
        assertEquals(a.metrics().supportLossBefore(), b.metrics().supportLossBefore(), 1e-12);
    }

    @Test
    void recomputedMetaGradientMatchesFiniteDifferences() {
        Network net = MamlGradCheckTest.smallOmniglot();
        Maml maml = new Maml(net, MamlConfig.secondOrder(3, 0.3).withLearnedStepSizes()
                .withSecondOrderMemory(SecondOrderMemory.RECOMPUTE));
        ParamSet theta = maml.initialise(5, DataType.DOUBLE);
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 2, DataType.DOUBLE, 13);
        MetaGradientCheck.Result r = MetaGradientCheck.check(maml, Objective.META_OBJECTIVE, theta, e, 6, 1e-6, 1e-10,
                3);
        assertTrue(r.maxRelativeError() < 1e-6, "max relative error " + r.maxRelativeError() + " " + r.directions());
        double largest = r.directions().stream().mapToDouble(d -> Math.abs(d.analytic())).max().orElse(0);
        assertTrue(largest > 1e-4, "directional derivatives too small to test anything: " + r.directions());
    }

    /** phi - (k+1) alpha g: the step depends on k other than through a meta-parameter. */
    private record GrowingSteps(double alpha) implements InnerUpdate {
        @Override
        public <T> T apply(TensorMath<T> math, UpdateStep<T> s) {
            return math.sub(s.phi(), math.mul(s.gradient(), alpha * (s.step() + 1)));
        }
    }

    @Test
    void anUpdateThatDependsOnTheStepIndexIsRefused() {
        Network net = MamlGradCheckTest.smallOmniglot();
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 1, 1, DataType.DOUBLE, 1);
        UnsupportedOperationException ex = assertThrows(UnsupportedOperationException.class,
                () -> new RecomputedMamlGraph(net, e.shapeKey(), 2, new GrowingSteps(0.1)));
        assertTrue(ex.getMessage().contains("GrowingSteps") && ex.getMessage().contains("step 1")
                && ex.getMessage().contains("unrolled"), ex.getMessage());
        // with one step there is nothing to reuse: accepted
        new RecomputedMamlGraph(net, e.shapeKey(), 1, new GrowingSteps(0.1));
    }

    @Test
    void modesAreNamedInConfigurations() {
        assertEquals(SecondOrderMemory.RECOMPUTE, SecondOrderMemory.of("recompute"));
        assertEquals("unrolled", SecondOrderMemory.UNROLLED.id());
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> SecondOrderMemory.of("checkpoint"));
        assertTrue(ex.getMessage().contains("'checkpoint'") && ex.getMessage().contains("recompute"), ex.getMessage());
        assertEquals(SecondOrderMemory.UNROLLED, MamlConfig.secondOrder(1, 0.1).memoryMode());
        MamlConfig r = MamlConfig.secondOrder(2, 0.1).withSecondOrderMemory(SecondOrderMemory.RECOMPUTE);
        assertEquals(SecondOrderMemory.RECOMPUTE, r.withLearnedStepSizes().withProximal(1.0).memoryMode());
    }
}
