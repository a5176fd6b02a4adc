package org.dl4jmeta.algorithm;

import static org.dl4jmeta.algorithm.QuadraticClosedFormTest.assertClose;
import static org.dl4jmeta.algorithm.QuadraticClosedFormTest.column;
import static org.dl4jmeta.algorithm.QuadraticClosedFormTest.grad;
import static org.dl4jmeta.algorithm.QuadraticClosedFormTest.gram;
import static org.dl4jmeta.algorithm.QuadraticClosedFormTest.matrix;
import static org.dl4jmeta.algorithm.QuadraticClosedFormTest.solve;
import static org.dl4jmeta.algorithm.QuadraticClosedFormTest.toNd;
import static org.dl4jmeta.algorithm.QuadraticClosedFormTest.vector;
import static org.dl4jmeta.algorithm.QuadraticClosedFormTest.xty;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.dl4jmeta.hvp.ConjugateGradient;
import org.dl4jmeta.model.Dense;
import org.dl4jmeta.model.Loss;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.optim.OuterOptimizer;
import org.dl4jmeta.optim.TrainingState;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.EpisodeSource;
import org.dl4jmeta.train.IterationMetrics;
import org.dl4jmeta.train.MetaTrainer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Exact answers on quadratic tasks L(w) = 1/2 (w-a)'A(w-a) + c (a linear model with squared error):
 * iMAML phi* = (A_s + lambda I)^-1 (A_s a_s + lambda theta), its meta-gradient (I + A_s/lambda)^-1 A_q (phi* - a_q),
 * CG against a direct solve, one Newton step reaching phi*, HF-MAML's finite-difference Hessian-vector product
 * equal to A v, and BI-MAML's phase switch and convergence.
 */
class ImplicitAndHessianFreeClosedFormTest {

    static final int D = 4;
    static final double LAMBDA = 0.7;

    final double[][] xs = matrix(6, D, 11);
    final double[] ys = vector(6, 12);
    final double[][] xq = matrix(5, D, 13);
    final double[] yq = vector(5, 14);
    final double[] theta0 = vector(D, 15);
    final Network net = new Network(new long[] {D}, List.of(new Dense("lin", 1, false)), Loss.squaredError());

    Episode episode() {
        return new Episode(toNd(xs), column(ys), toNd(xq), column(yq));
    }

    ParamSet theta() {
        ParamSet p = net.initialise(0, DataType.DOUBLE);
        p.get("lin/W").assign(Nd4j.create(theta0, new long[] {D, 1}, DataType.DOUBLE));
        return p;
    }

    /** phi* = (A_s + lambda I)^-1 (X_s'y_s/n + lambda theta), since A_s a_s = X_s'y_s/n. */
    double[] phiStar() {
        double[][] a = gram(xs);
        double[] rhs = xty(xs, ys);
        for (int i = 0; i < D; i++) {
            a[i][i] += LAMBDA;
            rhs[i] += LAMBDA * theta0[i];
        }
        return solve(a, rhs);
    }

    double[] implicitGradient(double[] phi) {
        double[][] m = gram(xs);
        for (int i = 0; i < D; i++) {
            for (int j = 0; j < D; j++) {
                m[i][j] = (i == j ? 1 : 0) + m[i][j] / LAMBDA;
            }
        }
        return solve(m, grad(xq, yq, phi));
    }

    @Test
    void newtonCgReachesThePhiStarInOneStep() {
        Imaml hf = new Imaml(net, ImamlConfig.builder(LAMBDA).optSolver(ImamlConfig.InnerSolver.NEWTON_CG)
                .optInnerSteps(1).optNewtonCgIterations(D).build());
        ParamSet phi = hf.adapt(theta(), episode());
        assertClose(phiStar(), phi.flat().toDoubleVector(), 1e-10);
    }

    @Test
    void gradientDescentConvergesToPhiStar() {
        Imaml gd = new Imaml(net, ImamlConfig.builder(LAMBDA).optInnerSteps(400).optInnerStepSize(0.3).build());
        assertClose(phiStar(), gd.adapt(theta(), episode()).flat().toDoubleVector(), 1e-9);
    }

    @Test
    void metaGradientEqualsTheImplicitClosedForm() {
        for (ImamlConfig.InnerSolver solver : ImamlConfig.InnerSolver.values()) {
            Imaml imaml = new Imaml(net, ImamlConfig.builder(LAMBDA).optSolver(solver).optInnerSteps(
                    solver == ImamlConfig.InnerSolver.NEWTON_CG ? 1 : 400).optInnerStepSize(0.3)
                    .optNewtonCgIterations(D).optCgIterations(D).build());
            double[] got = imaml.metaGradient(theta(), episode()).gradient().flat().toDoubleVector();
            assertClose(implicitGradient(phiStar()), got, 1e-9);
        }
    }

    @Test
    void conjugateGradientMatchesADirectSolve() {
        double[][] b = matrix(7, 6, 21);
        double[][] spd = gram(b);
        for (int i = 0; i < 6; i++) {
            spd[i][i] += 0.1;
        }
        double[] rhs = vector(6, 22);
        ParamSet r = ParamSet.copyOf(java.util.Map.of("v", Nd4j.createFromArray(rhs)));
        ConjugateGradient.Result cg = ConjugateGradient.solve(p -> {
            double[] pv = p.flat().toDoubleVector();
            double[] out = new double[6];
            for (int i = 0; i < 6; i++) {
                for (int j = 0; j < 6; j++) {
                    out[i] += spd[i][j] * pv[j];
                }
            }
            return p.withFlat(Nd4j.createFromArray(out));
        }, r, 6, 0);
        assertClose(solve(spd, rhs), cg.solution().flat().toDoubleVector(), 1e-9);
        assertTrue(cg.iterations() <= 6 && !cg.negativeCurvature(), cg.toString());
    }

    @Test
    void finiteDifferenceHvpEqualsAvToRounding() {
        HfMaml hf = new HfMaml(net, HfMamlConfig.fixedDelta(0.1, 1e-3));
        double[] v = vector(D, 31);
        ParamSet vp = theta().withFlat(Nd4j.createFromArray(v));
        double[] hv = hf.finiteDifferenceHvp(theta(), toNd(xs), column(ys), vp, 1e-3).flat().toDoubleVector();
        double[][] a = gram(xs);
        double[] expected = new double[D];
        for (int i = 0; i < D; i++) {
            for (int j = 0; j < D; j++) {
                expected[i] += a[i][j] * v[j];
            }
        }
        assertClose(expected, hv, 1e-11);
    }

    @Test
    void hfMamlEqualsTheOneStepMamlClosedForm() {
        double alpha = 0.1;
        double[] th1 = QuadraticClosedFormTest.sub(theta0, QuadraticClosedFormTest.scale(alpha, grad(xs, ys, theta0)));
        double[][] ia = gram(xs);
        for (int i = 0; i < D; i++) {
            for (int j = 0; j < D; j++) {
                ia[i][j] = (i == j ? 1 : 0) - alpha * ia[i][j];
            }
        }
        double[] expected = QuadraticClosedFormTest.powApply(ia, 1, grad(xq, yq, th1));
        for (HfMamlConfig cfg : List.of(HfMamlConfig.fixedDelta(alpha, 1e-3), HfMamlConfig.theoremDelta(alpha, 2.0))) {
            double[] got = new HfMaml(net, cfg).metaGradient(theta(), episode()).gradient().flat().toDoubleVector();
            assertClose(expected, got, 1e-10);
        }
    }

    @Test
    void adaptiveOuterStepFollowsLemma49() {
        HfMaml hf = new HfMaml(net, HfMamlConfig.theoremDelta(0.1, 2.0).withAdaptiveOuterStep(0.5, 3.0));
        double g = Math.sqrt(QuadraticClosedFormTest.dot(grad(xq, yq, theta0), grad(xq, yq, theta0)));
        double expected = 0.5 / (4 * 3.0 + 2 * 2.0 * 0.1 / 2 * (2 * g));
        assertEquals(expected, hf.outerStepScale(theta(), List.of(episode(), episode())), 1e-12);
    }

    @Test
    void biMamlSwitchesBelowEpsilon0AndThenConverges() {
        // M = 3 fixed regression tasks, full meta-batch every iteration: deterministic gradient descent
        List<Episode> tasks = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            tasks.add(new Episode(toNd(matrix(8, D, 100 + t)), column(vector(8, 200 + t)), toNd(matrix(8, D, 300 + t)),
                    column(vector(8, 400 + t))));
        }
        EpisodeSource source = i -> tasks.get((int) (i % 3));
        BiMaml bi = new BiMaml(net, new BiMamlConfig(MamlConfig.secondOrder(1, 0.05), 0.05, 1e-4));
        List<IterationMetrics> seen = new ArrayList<>();
        ParamSet theta = theta();
        TrainingState st = new TrainingState(theta, new OuterOptimizer(new Sgd(0.2), theta.length(),
                DataType.DOUBLE), 0, bi.initialState());
        MetaTrainer trainer = new MetaTrainer(bi, 3).addListener((m, s) -> seen.add(m));
        trainer.fit(st, source, 2000);
        BiMaml.State end = BiMaml.state(st.learnerState());
        int sw = end.switchIteration();
        assertEquals(2, end.phase());
        assertTrue(sw > 1, "phase 1 lasted some iterations, switched at " + sw);
        assertTrue(seen.get(sw - 1).gradientNorm() < 0.05, "switch happened below epsilon0");
        assertTrue(seen.get(sw - 2).gradientNorm() >= 0.05, "not before the norm dropped below epsilon0");
        IterationMetrics last = seen.get(seen.size() - 1);
        assertTrue(last.gradientNorm() <= 1e-4, "converged: " + last);
        assertTrue(st.iteration() < 2000, "stopped early at the gradient-norm target, iteration " + st.iteration());
    }
}
