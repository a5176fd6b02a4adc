package org.dl4jmeta.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The gradcheck command passes on correct gradients, prints the documented last line, and rejects bad input. */
class GradCheckCommandTest {

    @Test
    void secondOrderTinyPassesWithTheDocumentedLastLine() {
        CliRun r = CliRun.run("gradcheck", "--algo", "maml", "--arch", "tiny", "--inner-steps", "2", "--directions", "3",
                "--seed", "4");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.lastLine().matches("relative_error=\\d\\.\\d{3}e[-+]\\d+"), r.lastLine());
        double err = Double.parseDouble(r.lastLine().substring("relative_error=".length()));
        assertTrue(err < 1e-6, r.out());
        assertEquals(3, r.out().lines().filter(l -> l.startsWith("direction=")).count());
    }

    @Test
    void resnet12SecondOrderPassesThroughTwoSteps() {
        CliRun r = CliRun.run("gradcheck", "--network", "resnet12", "--algo", "maml", "--inner-steps", "2",
                "--directions", "2", "--ways", "3", "--inner-step-size", "0.3");
        assertEquals(0, r.code(), r.out() + r.err());
        // narrow widths 2,3,4,5 on 1x16x16: sum of 9 c w + 18 w^2 + c w + 8 w per block (108, 246, 440, 690) plus
        // the 3-way head's 5 * 3 + 3
        assertTrue(r.out().contains("network=resnet12 arch=tiny") && r.out().contains("params=1502"), r.out());
        double err = Double.parseDouble(r.lastLine().substring("relative_error=".length()));
        assertTrue(err < 1e-6, r.out());
        CliRun bad = CliRun.run("gradcheck", "--network", "resnet50");
        assertEquals(2, bad.code(), bad.all());
        assertTrue(bad.err().contains("'resnet50'") && bad.err().contains("conv4, resnet12"), bad.err());
    }

    @Test
    void firstOrderTinyPasses() {
        CliRun r = CliRun.run("gradcheck", "--algo", "fomaml", "--arch", "tiny", "--inner-steps", "1", "--directions", "2");
        assertEquals(0, r.code(), r.out() + r.err());
    }

    @Test
    void imamlMatchesTheDenseImplicitGradientOnTiny() {
        CliRun r = CliRun.run("gradcheck", "--algo", "imaml", "--arch", "tiny", "--inner-steps", "3", "--directions", "3",
                "--ways", "3");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.lastLine().startsWith("relative_error="), r.lastLine());
    }

    @Test
    void imamlOnAFullSizeNetworkExplainsWhyNot() {
        CliRun r = CliRun.run("gradcheck", "--algo", "imaml", "--arch", "omniglot");
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("--arch tiny"), r.err());
    }

    @Test
    void hfmamlMatchesExactOneStepMaml() {
        CliRun r = CliRun.run("gradcheck", "--algo", "hfmaml", "--arch", "tiny", "--directions", "3");
        assertEquals(0, r.code(), r.out() + r.err());
    }

    @Test
    void aToleranceBelowTheErrorFailsWithExitCodeOne() {
        CliRun r = CliRun.run("gradcheck", "--arch", "tiny", "--directions", "2", "--tolerance", "0");
        double err = Double.parseDouble(r.lastLine().substring("relative_error=".length()));
        if (err > 0) {
            assertEquals(1, r.code(), r.out() + r.err());
            assertTrue(r.err().contains("gradient check failed"), r.err());
        }
    }

    @Test
    void badInputExitsTwoNamingTheValue() {
        CliRun r = CliRun.run("gradcheck", "--inner-steps", "0");
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("got 0"), r.err());
        r = CliRun.run("gradcheck", "--arch", "resnet");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("resnet"), r.err());
    }

    @Test
    void everyCommandHasHelp() {
        CliRun r = CliRun.run("gradcheck", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("--inner-steps"), r.out());
    }
}
