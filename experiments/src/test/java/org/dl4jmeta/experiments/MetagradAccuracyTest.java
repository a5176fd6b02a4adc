package org.dl4jmeta.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.junit.jupiter.api.Test;

/**
 * Rajeswaran et al. Fig. 2a: MAML's error against the exact implicit meta-gradient falls with the inner steps,
 * iMAML with 5 CG iterations beats 2, first-order MAML stays biased; the exact gradient and the library's MAML with
 * the proximal update are checked independently.
 */
class MetagradAccuracyTest {

    static final MetagradAccuracyConfig SMALL = new MetagradAccuracyConfig(10, 1000, 10, 100, 1.0, 0,
            List.of(1, 4, 16, 64, 256), List.of(2, 5));

    @Test
    void mamlErrorFallsWithStepsAndFiveCgIterationsBeatTwo() {
        MetagradAccuracy.Result r = MetagradAccuracy.run(SMALL, 3);
        double[] maml = r.maml();
        for (int i = 1; i < maml.length; i++) {
            assertTrue(maml[i] < maml[i - 1], "MAML error must fall with K: " + java.util.Arrays.toString(maml));
        }
        assertTrue(maml[0] > 0.05, "K = 1 should be far from exact: " + maml[0]);
        assertTrue(maml[maml.length - 1] < 1e-6, "K = 256 should be exact: " + maml[maml.length - 1]);
        double[] cg2 = r.imaml().get(2);
        double[] cg5 = r.imaml().get(5);
        for (int i = 0; i < cg2.length; i++) {
            assertTrue(cg5[i] < 0.8 * cg2[i], "K=" + r.innerSteps().get(i) + ": CG5 " + cg5[i] + " vs CG2 " + cg2[i]);
        }
        double fo = r.firstOrder()[r.firstOrder().length - 1];
        assertTrue(fo > 0.1 && fo > 10 * cg5[cg5.length - 1], "first-order MAML stays biased: " + fo);
        assertTrue(r.maxPhiDifference() < 1e-12, "unrolled vs library inner loop " + r.maxPhiDifference());
    }

    @Test
    void exactMetaGradientMatchesFiniteDifferencesOfTheImplicitSolution() {
        MetagradAccuracy.Problem p = MetagradAccuracy.problem(SMALL, 4);
        int d = SMALL.dimension();
        double lambda = SMALL.lambda();
        double[][] m = Linalg.add(p.support().curvature(), lambda, Linalg.identity(d));
        double h = 1e-4;
        for (int j = 0; j < d; j++) {
            double[] e = new double[d];
            e[j] = h;
            double plus = p.query().loss(phiStar(p, m, Linalg.add(p.theta(), 1, e)));
            double minus = p.query().loss(phiStar(p, m, Linalg.sub(p.theta(), e)));
            assertEquals((plus - minus) / (2 * h), p.exact()[j], 1e-7 * (1 + Math.abs(p.exact()[j])));
        }
    }

    private static double[] phiStar(MetagradAccuracy.Problem p, double[][] m, double[] theta) {
        double[] rhs = Linalg.add(Linalg.multiply(p.support().curvature(), p.support().optimum()), SMALL.lambda(),
                theta);
        return Linalg.solve(m, rhs);
    }

    @Test
    void unrolledGraphEqualsTheClosedFormJacobianProduct() {
        MetagradAccuracy.Problem p = MetagradAccuracy.problem(SMALL, 6);
        int d = SMALL.dimension();
        int k = 3;
        double eta = SMALL.effectiveInnerStepSize();
        double lambda = SMALL.lambda();
        double[][] aS = p.support().curvature();
        // phi_{j+1} = M phi_j + eta A_s a_s + eta lambda theta, M = I - eta (A_s + lambda I); J_{j+1} = M J_j + eta lambda I
        double[][] mm = Linalg.identityMinus(eta, Linalg.add(aS, lambda, Linalg.identity(d)));
        double[] phi = p.theta().clone();
        double[][] jac = Linalg.identity(d);
        for (int s = 0; s < k; s++) {
            phi = Linalg.add(Linalg.add(Linalg.multiply(mm, phi), eta, Linalg.multiply(aS, p.support().optimum())),
                    eta * lambda, p.theta());
            jac = Linalg.add(Linalg.multiply(mm, jac), eta * lambda, Linalg.identity(d));
        }
        double[] expected = Linalg.multiply(Linalg.transpose(jac), p.query().gradient(phi));
        Network net = LinearModel.regression(d);
        Maml maml = new Maml(net, MamlConfig.secondOrder(k, eta).withProximal(lambda));
        ParamSet theta = LinearModel.params(net, p.theta());
        double[] got = LinearModel.weights(maml.metaGradient(theta, p.episode()).gradient());
        assertTrue(Linalg.maxAbsDifference(expected, got) < 1e-12 * Linalg.norm(expected),
                "unrolled MAML gradient differs from J_K' grad L_q(phi_K)");
        assertTrue(Linalg.maxAbsDifference(phi, LinearModel.weights(maml.adapt(theta, p.episode()))) < 1e-12);
    }

    @Test
    void badInputNamesTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MetagradAccuracyConfig(10,
                1000, 10, 100, 1.0, 0.5, List.of(1), List.of(2)));
        assertTrue(e.getMessage().contains("0.5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MetagradAccuracyConfig(10, 1000, 10, 100, 1.0, 0,
                List.of(1, 0), List.of(2)));
        assertTrue(e.getMessage().contains("[1, 0]"), e.getMessage());
    }
}
