package org.dl4jmeta.algorithm;

import static org.dl4jmeta.algorithm.QuadraticClosedFormTest.assertClose;
import static org.dl4jmeta.algorithm.QuadraticClosedFormTest.column;
import static org.dl4jmeta.algorithm.QuadraticClosedFormTest.grad;
import static org.dl4jmeta.algorithm.QuadraticClosedFormTest.gram;
import static org.dl4jmeta.algorithm.QuadraticClosedFormTest.solve;
import static org.dl4jmeta.algorithm.QuadraticClosedFormTest.toNd;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.hvp.ConjugateGradient;
import org.dl4jmeta.io.Json;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Dense;
import org.dl4jmeta.model.Flatten;
import org.dl4jmeta.model.Losses;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.model.Relu;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.SyntheticTasks;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * iMAML on networks whose support-loss Hessian is indefinite (issue 20: iMAML-GD trained on Omniglot stayed below
 * the untrained baseline): the damped conjugate-gradient system of Rajeswaran et al.'s released code, its closed form
 * on quadratic tasks, test-time adaptation without the proximal term, and the implicit gradient against MAML
 * differentiated through a converged proximal inner loop.
 */
class ImamlDampingTest {

    private final ImplicitAndHessianFreeClosedFormTest quadratic = new ImplicitAndHessianFreeClosedFormTest();

    /** A small Conv-4 (3 blocks of 3 filters, 9x9 inputs) whose support Hessian is indefinite after adaptation. */
    private static final Network CONV = Conv4.build(new long[] {1, 9, 9}, 3, Conv4.Downsampling.STRIDE, 3, 3);

    private static ConjugateGradient.Result cg(ImamlConfig config, long seed) {
        Imaml imaml = new Imaml(CONV, config);
        Episode e = SyntheticTasks.noiseEpisode(CONV.inputShape(), 3, 1, 2, DataType.DOUBLE, seed);
        ParamSet theta = CONV.initialise(seed, DataType.DOUBLE);
        ParamSet phi = imaml.adapt(theta, e);
        ParamSet v = new LossGradGraph(CONV, e.queryX().size(0), DataType.DOUBLE)
                .run(phi, e.queryX(), e.queryY(), true).gradient();
        ConjugateGradient.Result r = imaml.implicitGradient(phi, e.supportX(), e.supportY(), v);
        return new ConjugateGradient.Result(r.solution(), r.iterations(), r.residualNorm() / v.norm2(),
                r.negativeCurvature());
    }

    private static ImamlConfig withCg(ImamlConfig c, int iterations, double tolerance) {
        // test-time lambda = training lambda, so that adapt() gives the training-time phi
        return new ImamlConfig(c.lambda(), c.solver(), c.innerSteps(), c.innerStepSize(), c.newtonCgIterations(),
                c.lineSearchSteps(), iterations, c.cgDamping(), tolerance, c.cgLambdaDamping(), c.lambda());
    }

    /**
     * Before the fix the learner's default ({@code train --algo imaml}) solved the undamped I + H/2: on this
     * network CG meets negative curvature within a few iterations and stops with a residual of 0.4 and 3.7 times
     * its right-hand side on these two seeds. The released code's damping makes the system positive definite and CG
     * converges.
     */
    @Test
    void theDefaultConfigurationSolvesAPositiveDefiniteSystemOnAConvNet() {
        ImamlConfig defaults = new Imaml.Type().defaultConfig(16, 0.1);
        ImamlConfig undamped = ImamlConfig.builder(2.0).optInnerSteps(16).optInnerStepSize(0.1).build();
        List<String> undampedFailures = new ArrayList<>();
        for (long seed : new long[] {1, 4}) {
            ConjugateGradient.Result damped = cg(withCg(defaults, 60, 1e-12), seed);
            assertTrue(!damped.negativeCurvature() && damped.residualNorm() < 1e-10,
                    "seed " + seed + ": damped CG " + damped);
            ConjugateGradient.Result plain = cg(withCg(undamped, 60, 1e-12), seed);
            if (plain.negativeCurvature() && plain.residualNorm() > 0.1) {
                undampedFailures.add("seed " + seed + " residual " + plain.residualNorm());
            }
        }
        assertEquals(2, undampedFailures.size(), "the network has an indefinite I + H/lambda on both seeds (else "
                + "this test proves nothing): " + undampedFailures);
    }

    @Test
    void theDampedMetaGradientEqualsItsClosedForm() {
        double damping = 0.5;
        double lambdaDamping = 3.0;
        double lambda = ImplicitAndHessianFreeClosedFormTest.LAMBDA;
        int d = ImplicitAndHessianFreeClosedFormTest.D;
        Imaml imaml = new Imaml(quadratic.net, ImamlConfig.builder(lambda).optInnerSteps(400).optInnerStepSize(0.3)
                .optCgIterations(d).optCgDamping(damping).optCgLambdaDamping(lambdaDamping).build());
        // ((1 + damping) I + A_s/(lambda + lambdaDamping)) g = A_q (phi* - a_q), phi* of the lambda-regularised loss
        double[][] m = gram(quadratic.xs);
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                m[i][j] = (i == j ? 1 + damping : 0) + m[i][j] / (lambda + lambdaDamping);
            }
        }
        double[] expected = solve(m, grad(quadratic.xq, quadratic.yq, quadratic.phiStar()));
        assertClose(expected, imaml.metaGradient(quadratic.theta(), quadratic.episode()).gradient().flat()
                .toDoubleVector(), 1e-9);
    }

    @Test
    void adaptationWithAdaptLambdaZeroIsPlainGradientDescentOnTheSupportLoss() {
        int steps = 7;
        double alpha = 0.3;
        Imaml imaml = new Imaml(quadratic.net, ImamlConfig.builder(2.0).optInnerSteps(steps).optInnerStepSize(alpha)
                .optAdaptLambda(0).build());
        double[] phi = quadratic.theta0.clone();
        for (int k = 0; k < steps; k++) {
            double[] g = grad(quadratic.xs, quadratic.ys, phi);
            for (int i = 0; i < phi.length; i++) {
                phi[i] -= alpha * g[i];
            }
        }
        ParamSet got = imaml.adapt(quadratic.theta(), toNd(quadratic.xs), column(quadratic.ys), steps);
        assertClose(phi, got.flat().toDoubleVector(), 1e-12);
        // and the training-time inner problem keeps its lambda: phi of metaGradient is the regularised solution
        Imaml regularised = new Imaml(quadratic.net, ImamlConfig.builder(ImplicitAndHessianFreeClosedFormTest.LAMBDA)
                .optInnerSteps(400).optInnerStepSize(0.3).optAdaptLambda(0).optCgIterations(4).build());
        Imaml exact = new Imaml(quadratic.net, ImamlConfig.builder(ImplicitAndHessianFreeClosedFormTest.LAMBDA)
                .optInnerSteps(400).optInnerStepSize(0.3).optCgIterations(4).build());
        assertClose(exact.metaGradient(quadratic.theta(), quadratic.episode()).gradient().flat().toDoubleVector(),
                regularised.metaGradient(quadratic.theta(), quadratic.episode()).gradient().flat().toDoubleVector(),
                1e-12);
    }

    /**
     * With lambda large enough that the regularised support loss is strongly convex (lambda 20, steps of 0.03 on a
     * small ReLU network), 50 proximal gradient steps converge to phi* (the gradient of the regularised loss is
     * about 1e-14 there), and MAML differentiated through all 50 steps (second order, the proximal term in the
     * unrolled graph) reaches the implicit gradient (I + H/lambda)^-1 grad L_q(phi*) that iMAML's CG gives: the two
     * computations share nothing but the network.
     */
    @Test
    void theImplicitGradientEqualsMamlUnrolledThroughAConvergedProximalInnerLoop() {
        Network net = new Network(new long[] {1, 3, 3}, List.of(new Flatten("flat"), new Dense("hidden", 6, true),
                new Relu("relu"), new Dense("head", 3, true)), Losses.get("softmax-cross-entropy"));
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 2, DataType.DOUBLE, 7);
        double lambda = 20;
        int steps = 50;
        double alpha = 0.03;
        ParamSet theta = net.initialise(8, DataType.DOUBLE);
        Imaml imaml = new Imaml(net, ImamlConfig.builder(lambda).optInnerSteps(steps).optInnerStepSize(alpha)
                .optCgIterations(300).optCgTolerance(1e-14).build());
        ParamSet implicit = imaml.metaGradient(theta, e).gradient();
        ParamSet unrolled = new Maml(net, MamlConfig.secondOrder(steps, alpha).withProximal(lambda))
                .metaGradient(theta, e).gradient();
        ParamSet firstOrder = new Maml(net, MamlConfig.firstOrder(steps, alpha).withProximal(lambda))
                .metaGradient(theta, e).gradient();
        double error = implicit.axpy(-1, unrolled).norm2() / unrolled.norm2();
        double curvature = firstOrder.axpy(-1, unrolled).norm2() / unrolled.norm2();
        assertTrue(error < 1e-10, "implicit vs unrolled relative error " + error);
        assertTrue(curvature > 1e-3, "the curvature term matters here (first-order MAML is off by " + curvature
                + ")");
    }

    @Test
    void aModelFileWrittenBeforeTheDampingFieldsKeepsItsBehaviour() {
        Map<String, Object> old = new LinkedHashMap<>(Map.of("innerSteps", 16, "lambda", 2.0, "cgDamping", 0.0,
                "solver", "GRADIENT_DESCENT", "innerStepSize", 0.1, "newtonCgIterations", 5, "cgIterations", 5,
                "lineSearchSteps", 10, "cgTolerance", 1e-10));
        ImamlConfig c = Json.mapper().convertValue(old, ImamlConfig.class);
        assertEquals(0.0, c.cgLambdaDamping(), 0);
        assertEquals(2.0, c.adaptLambda(), 0);
        assertEquals(c, Json.mapper().convertValue(Json.mapper().convertValue(c, Map.class), ImamlConfig.class));
    }

    @Test
    void badDampingsAreRefusedNamingTheValue() {
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class,
                () -> ImamlConfig.builder(2.0).optCgLambdaDamping(-1.5).build());
        assertTrue(a.getMessage().contains("cgLambdaDamping") && a.getMessage().contains("-1.5"), a.getMessage());
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class,
                () -> ImamlConfig.builder(2.0).optAdaptLambda(Double.NaN).build());
        assertTrue(b.getMessage().contains("adaptLambda") && b.getMessage().contains("NaN"), b.getMessage());
        assertEquals(0.0, ImamlConfig.releasedCode(2.0).build().adaptLambda(), 0);
    }
}
