package org.dl4jmeta.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Fallah et al.: MAML and HF-MAML (library) drive ||grad F|| below epsilon; first-order MAML (library) stalls at
 * the closed-form floor, which grows with alpha and linearly with sigma.
 */
class FomamlFloorTest {

    @Test
    void firstOrderMamlStallsAtAFloorGrowingWithAlphaSigmaWhileMamlAndHfMamlReachEpsilon() {
        FomamlFloorConfig cfg = new FomamlFloorConfig(3, 3, 0.7, 1.4, List.of(0.1, 0.3), List.of(0.5, 1.0), 60, 1e-9,
                1e-3);
        FomamlFloor.Result r = FomamlFloor.run(cfg, 3);
        assertEquals(4, r.settings().size());
        for (FomamlFloor.Setting s : r.settings()) {
            assertTrue(s.mamlFinal() <= cfg.epsilon(), "MAML " + s);
            assertTrue(s.hfFinal() <= cfg.epsilon(), "HF-MAML " + s);
            assertTrue(s.foFloor() > 1e5 * cfg.epsilon(), "FO-MAML has no floor: " + s);
            assertEquals(s.foFloorClosedForm(), s.foFloor(), 1e-9 * s.foFloorClosedForm(), s.toString());
            assertTrue(s.checkMaxRelativeError() < 1e-8, s.toString());
        }
        assertTrue(FomamlFloor.increasing(r.settings(), true), "floor must grow with sigma: " + r.settings());
        assertTrue(FomamlFloor.increasing(r.settings(), false), "floor must grow with alpha: " + r.settings());
        // sigma enters the optima linearly, so the floor doubles with sigma
        assertEquals(2 * r.settings().get(0).foFloor(), r.settings().get(1).foFloor(), 1e-9);
        assertEquals(2 * r.settings().get(2).foFloor(), r.settings().get(3).foFloor(), 1e-9);
    }

    @Test
    void optimaAreScaledToTheRequestedGradientDissimilarity() {
        SplittableRandom rng = new SplittableRandom(9);
        List<double[][]> curv = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            curv.add(Linalg.fromSpectrum(new double[] {0.5 + i, 1, 2}, Linalg.randomRotation(rng, 3)));
        }
        List<double[]> u = FomamlFloor.unitDissimilarity(curv, rng);
        double[] centre = Linalg.gaussian(rng, 3);
        List<QuadraticTask> tasks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            tasks.add(new QuadraticTask(curv.get(i), Linalg.add(centre, 0.7, u.get(i))));
        }
        assertEquals(0.7, FomamlFloor.dissimilarity(tasks, centre), 1e-12);
    }

    @Test
    void badInputNamesTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FomamlFloorConfig(3, 3, 0.5, 2, List.of(0.6), List.of(1.0), 10, 1e-9, 1e-3));
        assertTrue(e.getMessage().contains("0.6"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new FomamlFloorConfig(1, 3, 0.5, 2, List.of(0.1), List.of(1.0), 10, 1e-9, 1e-3));
        assertTrue(e.getMessage().contains("got 1"), e.getMessage());
    }
}
