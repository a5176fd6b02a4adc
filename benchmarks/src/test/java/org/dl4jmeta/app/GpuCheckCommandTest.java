package org.dl4jmeta.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** gpu-check on a CPU-only build: says there is no GPU and runs its comparison CPU against a CPU child process. */
class GpuCheckCommandTest {

    @Test
    void onACpuBuildItSaysSoAndSelfTestsAgainstACpuChildProcess() {
        CliRun r = CliRun.run("gpu-check", "--tasks", "1", "--iterations", "1", "--meta-batch", "1",
                "--inner-steps", "1");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("note: this build has no GPU backend (nd4j-native only)"), r.all());
        assertTrue(r.out().contains("gpu-check backend=CPU: nd4j-native ")
                && r.out().contains("reference backend=CPU: nd4j-native "), r.all());
        String grad = r.out().lines().filter(l -> l.startsWith("meta_gradient ")).findFirst().orElseThrow();
        double err = Double.parseDouble(grad.replaceAll(".*relative_error=(\\S+).*", "$1"));
        // the same build on the same CPU, same seeds: the child's float gradient equals this one's to rounding
        assertTrue(err <= 1e-6 && grad.endsWith(" ok"), grad);
        assertTrue(r.out().matches("(?s).*ms_per_task this=[0-9.]+ cpu=[0-9.]+\n.*"), r.out());
        assertTrue(r.out().contains("meta_training iteration=1 meta_loss="), r.out());
        assertEquals("gpu-check passed", r.lastLine());
    }

    @Test
    void relativeErrorsAreNormWiseAndElementwise() {
        double[] same = GpuCheckCommand.relativeErrors(new float[] {1, -2, 3}, new float[] {1, -2, 3});
        assertEquals(0, same[0]);
        assertEquals(0, same[1]);
        double[] e = GpuCheckCommand.relativeErrors(new float[] {1, 0}, new float[] {1, 0.01f});
        assertEquals(0.01f / Math.sqrt(1 + 0.01f * 0.01f), e[0], 1e-9);
        assertEquals(0.01f / (0.01f + 1e-6), e[1], 1e-6);
        assertEquals(Double.POSITIVE_INFINITY, GpuCheckCommand.relativeErrors(new float[] {Float.NaN},
                new float[] {1})[0]);
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> GpuCheckCommand.relativeErrors(new float[2], new float[3]));
        assertTrue(bad.getMessage().contains("2 vs 3"), bad.getMessage());
    }

    @Test
    void badCountsAreNamed() {
        CliRun r = CliRun.run("gpu-check", "--tasks", "0");
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("got 0, 2, 2"), r.err());
    }
}
