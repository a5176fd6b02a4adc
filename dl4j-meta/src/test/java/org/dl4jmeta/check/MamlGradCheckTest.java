package org.dl4jmeta.check;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.check.MetaGradientCheck.Objective;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.SyntheticTasks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The MAML meta-gradient through 1 and 3 inner steps equals central finite differences of the full
 * meta-objective (relative error below 1e-6, double), for both Conv-4 variants at small sizes.
 */
class MamlGradCheckTest {

    static Network smallOmniglot() {
        // stride-2 blocks: 9 -> 5 -> 3 -> 2 -> 1 (odd sizes exercise asymmetric 'same' padding)
        return Conv4.build(new long[] {1, 9, 9}, 3, Conv4.Downsampling.STRIDE, 4, 3);
    }

    static Network smallMiniImageNet() {
        // max-pool blocks: 3x18x18 -> 9 -> 4 -> 2 -> 1 (odd 9 exercises the floored pooling)
        return Conv4.build(new long[] {3, 18, 18}, 3, Conv4.Downsampling.MAX_POOL, 4, 3);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("omniglot", 1, false), Arguments.of("omniglot", 3, false),
                Arguments.of("miniimagenet", 1, false), Arguments.of("miniimagenet", 3, false),
                Arguments.of("omniglot", 2, true), Arguments.of("miniimagenet", 1, true));
    }

    @ParameterizedTest(name = "{0} K={1} learnedRates={2}")
    @MethodSource("cases")
    void secondOrderMetaGradientMatchesFiniteDifferences(String arch, int steps, boolean learnedRates) {
        Network net = arch.equals("omniglot") ? smallOmniglot() : smallMiniImageNet();
        MamlConfig cfg = MamlConfig.secondOrder(steps, 0.3);
        Maml maml = new Maml(net, learnedRates ? cfg.withLearnedStepSizes() : cfg);
        ParamSet theta = maml.initialise(7, DataType.DOUBLE);
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 2, DataType.DOUBLE, 11);
        MetaGradientCheck.Result r = MetaGradientCheck.check(maml, Objective.META_OBJECTIVE, theta, e, 6, 1e-6, 1e-10,
                3);
        assertTrue(r.maxRelativeError() < 1e-6, "max relative error " + r.maxRelativeError() + " " + r.directions());
        // the check must be sensitive: the directional derivatives are not all tiny
        double largest = r.directions().stream().mapToDouble(d -> Math.abs(d.analytic())).max().orElse(0);
        assertTrue(largest > 1e-4, "directional derivatives too small to test anything: " + r.directions());
    }

    @Test
    void firstOrderGradientIsTheQueryGradientAtPhi() {
        Network net = smallOmniglot();
        Maml fo = new Maml(net, MamlConfig.firstOrder(2, 0.3));
        ParamSet theta = fo.initialise(5, DataType.DOUBLE);
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 2, DataType.DOUBLE, 12);
        MetaGradientCheck.Result r = MetaGradientCheck.check(fo, Objective.QUERY_LOSS_AFTER_ADAPTATION, theta, e, 4,
                1e-6, 1e-10, 4);
        assertTrue(r.maxRelativeError() < 1e-6, "max relative error " + r.maxRelativeError());
    }

    @Test
    void firstOrderIsNotTheTrueMetaGradient() {
        // the check detects a wrong gradient: FOMAML's gradient checked against the full second-order objective
        Network net = smallOmniglot();
        Maml so = new Maml(net, MamlConfig.secondOrder(1, 0.5));
        Maml fo = new Maml(net, MamlConfig.firstOrder(1, 0.5));
        ParamSet theta = so.initialise(5, DataType.DOUBLE);
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 2, DataType.DOUBLE, 13);
        ParamSet gso = so.metaGradient(theta, e).gradient();
        ParamSet gfo = fo.metaGradient(theta, e).gradient();
        double rel = gso.axpy(-1, gfo).norm2() / gso.norm2();
        assertTrue(rel > 1e-3, "second- and first-order gradients should differ, relative difference " + rel);
    }

    @Test
    void refusesFloat32() {
        Network net = smallOmniglot();
        Maml maml = new Maml(net, MamlConfig.secondOrder(1, 0.3));
        ParamSet theta = maml.initialise(1, DataType.FLOAT);
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 1, 1, DataType.FLOAT, 1);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> MetaGradientCheck.check(maml, Objective.META_OBJECTIVE, theta, e, 1, 1e-6, 1e-10, 1));
        assertTrue(ex.getMessage().contains("FLOAT"), ex.getMessage());
    }
}
