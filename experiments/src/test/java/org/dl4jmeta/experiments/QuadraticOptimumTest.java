package org.dl4jmeta.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.task.Episode;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Golmant's closed form for MAML on two quadratics, reached by the library's MAML and trainer; the tight case; the
 * episode encoding of a quadratic.
 */
class QuadraticOptimumTest {

    @Test
    void mamlConvergesToTheClosedFormWhichLeansToTheWorseConditionedTask() {
        QuadraticOptimum.Result r = QuadraticOptimum.run(new QuadraticOptimumConfig(4, 2, 20, 0.02, 0, 60, 1, 4), 3);
        assertTrue(r.distanceToClosedForm() < 1e-8, "||x_K - x*|| = " + r.distanceToClosedForm());
        // x* is neither the plain average nor the eta = 0 (multi-task) optimum: the check above could not pass by
        // converging to either of those
        assertTrue((double) r.summary().get("distance_midpoint_to_closed_form") > 0.1, r.summary().toString());
        assertTrue((double) r.summary().get("distance_multitask_optimum_to_closed_form") > 0.01, r.summary().toString());
        assertTrue(r.distanceClosedFormToB() < 0.7 * r.distanceClosedFormToA(),
                "||b - x*|| = " + r.distanceClosedFormToB() + ", ||a - x*|| = " + r.distanceClosedFormToA());
        assertEquals("h", r.summary().get("closer_to"));
        assertTrue(r.gradientCheckMaxRelativeError() < 1e-8, "trainer vs closed form " + r.gradientCheckMaxRelativeError());
        // one GD step of size eta shrinks each task's loss at most by (1 - eta lambda_min)^2
        assertTrue((double) r.summary().get("fine_tuned_loss_ratio_f") <= (double) r.summary().get("fine_tuned_loss_bound_f"));
        assertTrue((double) r.summary().get("fine_tuned_loss_ratio_h") <= (double) r.summary().get("fine_tuned_loss_bound_h"));
    }

    @Test
    void tightCaseReachesTheMidpointAndTheContractionBoundWithEquality() {
        QuadraticOptimum.Result r = QuadraticOptimum.run(new QuadraticOptimumConfig(2, 2, 4, 0.02, 0, 60, 1, 4), 5);
        assertTrue(r.tightDistanceToClosedForm() < 1e-8, "||x_K - (a+b)/2|| = " + r.tightDistanceToClosedForm());
        // ((beta - alpha)/(beta + alpha))^2 = (3/5)^2 for diag(1, 4)
        assertEquals(0.36, r.tightContraction(), 1e-15);
        assertEquals(0.36, r.tightLossRatioF(), 1e-12);
        assertEquals(0.36, r.tightLossRatioH(), 1e-12);
    }

    @Test
    void closedFormIsWhereTheGenericMamlGradientVanishes() {
        SplittableRandom rng = new SplittableRandom(7);
        QuadraticTask f = QuadraticTask.of(new double[] {1, 2, 5}, Linalg.randomRotation(rng, 3),
                Linalg.gaussian(rng, 3));
        QuadraticTask h = QuadraticTask.of(new double[] {0.5, 3, 9}, Linalg.randomRotation(rng, 3),
                Linalg.gaussian(rng, 3));
        double eta = 0.05;
        double[] xStar = QuadraticOptimum.closedForm(f, h, eta);
        // (1/2) sum (I - eta A) grad f(x - eta grad f(x)), written without D: a second, independent formula
        assertTrue(Linalg.norm(MamlReference.gradient(List.of(f, h), eta, xStar)) < 1e-13);
        double[] x = Linalg.gaussian(rng, 3);
        double[] viaD = QuadraticOptimum.gradient(f, h, eta, x);
        double[] generic = MamlReference.gradient(List.of(f, h), eta, x);
        assertTrue(Linalg.maxAbsDifference(viaD, generic) < 1e-13);
    }

    @Test
    void episodeIsTheQuadraticForTheLibrarysLinearModel() {
        SplittableRandom rng = new SplittableRandom(11);
        QuadraticTask t = QuadraticTask.of(new double[] {0.3, 1, 7, 20}, Linalg.randomRotation(rng, 4),
                Linalg.gaussian(rng, 4));
        Episode e = t.episode();
        Network net = LinearModel.regression(4);
        LossGradGraph g = new LossGradGraph(net, 4, DataType.DOUBLE);
        double[] w = Linalg.gaussian(rng, 4);
        LossGradGraph.Result r = g.run(LinearModel.params(net, w), e.supportX(), e.supportY(), true);
        assertEquals(t.loss(w), r.loss(), 1e-12 * (1 + t.loss(w)));
        assertTrue(Linalg.maxAbsDifference(t.gradient(w), LinearModel.weights(r.gradient())) < 1e-12);
    }

    @Test
    void badInputNamesTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new QuadraticOptimumConfig(4, 2, 20, 0.06, 0, 10, 1, 4));
        assertTrue(e.getMessage().contains("0.06"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new QuadraticOptimumConfig(4, 2, 20, 0.02, 0, 10, 4, 4));
        assertTrue(e.getMessage().contains("tightBeta"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new QuadraticTask(new double[][] {{1, 2}, {0, 1}}, new double[] {0, 0}));
        assertTrue(e.getMessage().contains("symmetric"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new QuadraticTask(new double[][] {{1, 0}, {0, -3}}, new double[] {0, 0}));
        assertTrue(e.getMessage().contains("-3"), e.getMessage());
    }
}
