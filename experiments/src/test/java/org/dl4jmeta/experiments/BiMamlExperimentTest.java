package org.dl4jmeta.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * BI-MAML through the library switches from gradient descent on f to MAML and reaches the gradient-norm target;
 * the trainer's gradient norms equal the plain-Java ones; the reference softmax gradient is right.
 */
class BiMamlExperimentTest {

    static final BiMamlExperimentConfig SMALL = new BiMamlExperimentConfig(
            new BiMamlExperimentConfig.TaskFamily(3, 4, 24, 1.0, 2.0, 1.0),
            new BiMamlExperimentConfig.TaskFamily(6, 3, 30, 1.0, 0.5, 0.5), 0.3, 1.0 / 3,
            BiMamlExperimentConfig.Objective.SUM, 0.01, 1e-3, 150);

    @Test
    void biMamlSwitchesPhaseAndReachesTheTargetLikeMaml() {
        BiMamlExperiment.Result r = BiMamlExperiment.run(SMALL, 3);
        for (BiMamlExperiment.ProblemResult p : List.of(r.regression(), r.classification())) {
            BiMamlExperiment.RunResult bi = p.bimaml();
            BiMamlExperiment.RunResult maml = p.maml();
            assertTrue(bi.switchIteration() > 0, p.problem() + ": BI-MAML never left phase 1");
            assertTrue(bi.iterationsToTarget() > bi.switchIteration(), p.problem() + ": reached " + bi.iterationsToTarget()
                    + " before switching at " + bi.switchIteration());
            assertTrue(maml.iterationsToTarget() > 0, p.problem() + ": MAML missed the target");
            List<Object> phases = bi.series().column("phase");
            assertEquals(1, ((Number) phases.get(1)).intValue());
            assertEquals(2, ((Number) phases.get(phases.size() - 1)).intValue());
            for (BiMamlExperiment.RunResult run : List.of(bi, maml)) {
                List<Object> g = run.series().column("maml_gradient_norm");
                double last = ((Number) g.get(g.size() - 1)).doubleValue();
                assertTrue(last <= SMALL.target(), p.problem() + " " + run.algorithm() + ": final ||grad F|| " + last);
                // phase 1: the trainer's norm is ||grad f||, phase 2 ||grad F||, both recomputed in plain Java
                assertTrue(run.checkMaxRelativeError() < 1e-9, p.problem() + " " + run.algorithm() + ": "
                        + run.checkMaxRelativeError());
            }
        }
    }

    @Test
    void softmaxReferenceGradientAndHessianMatchFiniteDifferences() {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
        double[][] x = new double[12][];
        int[] labels = new int[12];
        for (int i = 0; i < 12; i++) {
            x[i] = Linalg.gaussian(rng, 3);
            labels[i] = i % 2;
        }
        SoftmaxTask t = new SoftmaxTask(x, labels, 2);
        double[] w = Linalg.gaussian(rng, 6);
        double[] v = Linalg.gaussian(rng, 6);
        double h = 1e-5;
        double[] g = t.gradient(w);
        double[] hv = t.hessianVector(w, v);
        double[] fdHv = Linalg.scale(1 / (2 * h), Linalg.sub(t.gradient(Linalg.add(w, h, v)),
                t.gradient(Linalg.add(w, -h, v))));
        for (int j = 0; j < 6; j++) {
            double[] e = new double[6];
            e[j] = h;
            double fd = (t.loss(Linalg.add(w, 1, e)) - t.loss(Linalg.sub(w, e))) / (2 * h);
            assertEquals(fd, g[j], 1e-8);
            assertEquals(fdHv[j], hv[j], 1e-8);
        }
    }

    @Test
    void badInputNamesTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BiMamlExperimentConfig.TaskFamily(0, 5, 30, 1, 1, 1));
        assertTrue(e.getMessage().contains("got 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BiMamlExperimentConfig(SMALL.regression(),
                SMALL.classification(), 0.3, -0.05, BiMamlExperimentConfig.Objective.SUM, 0.01, 1e-3, 10));
        assertTrue(e.getMessage().contains("-0.05"), e.getMessage());
    }
}
