package org.dl4jmeta.check;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.SyntheticTasks;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The second-order MAML meta-gradient through 2 inner steps of each built-in inner update equals central finite
 * differences of the full meta-objective L_query(phi_2(theta)) (relative error below 1e-6, double): SGD, learned
 * step sizes (the step sizes are perturbed too), the proximal term (theta enters every step), and head-only
 * adaptation (ANIL). The first-order gradient of the masked and proximal updates equals grad L_query at phi_2.
 */
class InnerUpdateGradCheckTest {

    static final List<String> HEAD = List.of("head/W", "head/b");

    static Stream<Arguments> updates() {
        MamlConfig sgd = MamlConfig.secondOrder(2, 0.3);
        return Stream.of(
                Arguments.of("sgd", sgd),
                Arguments.of("learned step sizes", sgd.withLearnedStepSizes()),
                Arguments.of("proximal", sgd.withProximal(2.0)),
                Arguments.of("proximal, learned step sizes", sgd.withLearnedStepSizes().withProximal(0.5)),
                Arguments.of("head only", sgd.adapting(HEAD)),
                Arguments.of("head only, proximal, learned", sgd.withLearnedStepSizes().withProximal(1.0)
                        .adapting(HEAD)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("updates")
    void secondOrderMetaGradientMatchesFiniteDifferences(String name, MamlConfig cfg) {
        Network net = MamlGradCheckTest.smallOmniglot();
        Maml maml = new Maml(net, cfg);
        ParamSet theta = maml.initialise(7, DataType.DOUBLE);
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 2, DataType.DOUBLE, 11);
        MetaGradientCheck.Result r = MetaGradientCheck.check(maml, MetaGradientCheck.Objective.META_OBJECTIVE, theta,
                e, 6, 1e-6, 1e-10, 3);
        assertTrue(r.maxRelativeError() < 1e-6, name + ": max relative error " + r.maxRelativeError() + " "
                + r.directions());
        double largest = r.directions().stream().mapToDouble(d -> Math.abs(d.analytic())).max().orElse(0);
        assertTrue(largest > 1e-4, "directional derivatives too small to test anything: " + r.directions());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("updates")
    void firstOrderGradientIsTheQueryGradientAtPhi(String name, MamlConfig cfg) {
        Network net = MamlGradCheckTest.smallOmniglot();
        MamlConfig fo = new MamlConfig(cfg.innerSteps(), cfg.innerStepSize(), true, cfg.learnInnerStepSizes(),
                cfg.proximalLambda(), cfg.adaptedTensors());
        Maml maml = new Maml(net, fo);
        ParamSet theta = maml.initialise(5, DataType.DOUBLE);
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 2, DataType.DOUBLE, 12);
        MetaGradientCheck.Result r = MetaGradientCheck.check(maml, MetaGradientCheck.Objective.QUERY_LOSS_AFTER_ADAPTATION, theta, e, 4, 1e-6,
                1e-10, 4);
        assertTrue(r.maxRelativeError() < 1e-6, name + ": max relative error " + r.maxRelativeError());
    }
}
