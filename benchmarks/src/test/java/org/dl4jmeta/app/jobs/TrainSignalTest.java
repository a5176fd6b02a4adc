package org.dl4jmeta.app.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dl4jmeta.app.Main;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SavedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a training JVM: the shutdown hook lets the current iteration finish, writes a checkpoint, and the
 * checkpoint resumes to exactly the parameters of an uninterrupted run. A real process and a real signal
 * ({@code Process.destroy} sends SIGTERM on Unix).
 */
@DisabledOnOs(OS.WINDOWS)
class TrainSignalTest {

    @Test
    void sigtermCheckpointsAndTheCheckpointResumesExactly(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(Jobs.tiny(run, "--iterations", "100000", "--dtype", "double"));
        Path log = dir.resolve("train.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Path metrics = run.resolve(TrainJob.METRICS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (lines(metrics) < 2) {
                assertTrue(p.isAlive(), "training exited early:\n" + Files.readString(log));
                assertTrue(System.nanoTime() < deadline, "no progress within 180 s:\n" + Files.readString(log));
                Thread.sleep(200);
            }
            p.destroy();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "training did not stop on SIGTERM");
        } finally {
            p.destroyForcibly();
        }
        String out = Files.readString(log);
        assertEquals(143, p.exitValue(), "exit status of SIGTERM\n" + out);
        assertTrue(out.contains("stop requested: finishing the current iteration"), out);
        SavedModel ckpt = ModelFile.read(run.resolve(TrainJob.CHECKPOINT));
        int k = ckpt.progress().iteration();
        assertTrue(k >= 2, "checkpoint at iteration " + k);
        assertEquals(k, lines(run.resolve(TrainJob.METRICS)), "metrics up to the checkpoint");

        String target = String.valueOf(k + 1);
        assertEquals(0, Jobs.run("train", "--resume", "--run-dir", run.toString(), "--iterations", target).code());
        Path straight = dir.resolve("straight");
        assertEquals(0, Jobs.run(Jobs.args(Jobs.tiny(straight, "--iterations", target, "--dtype", "double"))).code());
        assertArrayEquals(ModelFile.read(straight.resolve(TrainJob.MODEL)).parameters().flat().toDoubleVector(),
                ModelFile.read(run.resolve(TrainJob.MODEL)).parameters().flat().toDoubleVector(), 0.0);
    }

    private static long lines(Path f) throws IOException {
        if (!Files.exists(f)) {
            return 0;
        }
        try (var s = Files.lines(f)) {
            return s.filter(l -> !l.isBlank()).count();
        }
    }
}
