package org.dl4jmeta.experiments;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The plain-Java reference algebra the experiments trust: rotations, spectra, solves and Cholesky factors. */
class LinalgTest {

    @Test
    void spectrumRotationEigenvaluesSolveAndCholeskyAgree() {
        SplittableRandom rng = new SplittableRandom(1);
        double[][] q = Linalg.randomRotation(rng, 6);
        double[][] qtq = Linalg.multiply(Linalg.transpose(q), q);
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 6; j++) {
                assertEquals(i == j ? 1 : 0, qtq[i][j], 1e-14);
            }
        }
        double[] ev = Linalg.logSpaced(0.01, 100, 6);
        double[][] a = Linalg.fromSpectrum(ev, q);
        assertArrayEquals(ev, Linalg.symmetricEigenvalues(a), 1e-11);
        double[] x = Linalg.gaussian(rng, 6);
        assertTrue(Linalg.maxAbsDifference(x, Linalg.solve(a, Linalg.multiply(a, x))) < 1e-9);
        double[][] l = Linalg.cholesky(a);
        double[][] llt = Linalg.multiply(l, Linalg.transpose(l));
        for (int i = 0; i < 6; i++) {
            assertTrue(Linalg.maxAbsDifference(a[i], llt[i]) < 1e-12);
        }
    }
}
