package org.dl4jmeta.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The app runs on the backend it was built for, or on the CPU by --backend cpu, and a CUDA build that cannot use
 * a GPU stops with the reason and the fix instead of falling back to the CPU.
 */
class BackendsTest {

    private static final String FIX = "./mvnw -B -q package -DskipTests (without -Dcuda)";

    private static Properties built(String backend) {
        Properties p = new Properties();
        p.setProperty("nd4j.backend", backend);
        return p;
    }

    @Test
    void theBuildPropertyAndTheSwitchChooseTheBackend() {
        assertEquals(Backends.Kind.cpu, Backends.builtFor(built("cpu")));
        assertEquals(Backends.Kind.cuda, Backends.builtFor(built("cuda")));
        assertEquals(Backends.Kind.cpu, Backends.builtFor(new Properties()), "a file from before the backend");
        assertEquals(Backends.Kind.cpu, Backends.builtFor(Backends.buildProperties()), "this test build");
        assertEquals(Backends.Kind.cuda, Backends.select(Backends.Kind.cuda, null));
        assertEquals(Backends.Kind.cpu, Backends.select(Backends.Kind.cuda, "cpu"));
        assertEquals(Backends.Kind.cpu, Backends.select(Backends.Kind.cpu, " CPU "));
        IllegalArgumentException noCuda = assertThrows(IllegalArgumentException.class,
                () -> Backends.select(Backends.Kind.cpu, "cuda"));
        assertTrue(noCuda.getMessage().contains("-Dcuda"), noCuda.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> Backends.select(Backends.Kind.cuda, "gpu"));
        assertTrue(bad.getMessage().contains("'gpu'"), bad.getMessage());
    }

    @Test
    void nd4jSeesOnlyTheChosenBackendsServiceEntry() throws IOException {
        ClassLoader parent = getClass().getClassLoader();
        List<?> cpu = Collections.list(new Backends.OneBackend(parent, Backends.CPU_BACKEND)
                .getResources(Backends.OneBackend.SERVICE));
        assertEquals(1, cpu.size(), cpu.toString());
        assertTrue(cpu.get(0).toString().contains("nd4j-native"), cpu.toString());
        assertTrue(Collections.list(new Backends.OneBackend(parent, Backends.CUDA_BACKEND)
                .getResources(Backends.OneBackend.SERVICE)).isEmpty());
        // other resources are not filtered
        assertEquals(Collections.list(parent.getResources("dl4j-meta-build.properties")).size(),
                Collections.list(new Backends.OneBackend(parent, Backends.CUDA_BACKEND)
                        .getResources("dl4j-meta-build.properties")).size());
    }

    @Test
    void aCudaBackendWithoutDevicesIsDiagnosedNotSkipped() {
        Throwable noDevice = Backends.probe(FakeCudaBackend.class.getName(), getClass().getClassLoader());
        String m = Backends.diagnose(noDevice, new Backends.DriverFacts(false, null));
        assertTrue(m.startsWith("no CUDA device is visible (RuntimeException: No CUDA devices were found in system)"),
                m);
        assertTrue(m.contains("no NVIDIA driver on this machine") && m.contains(FIX) && m.contains("--backend cpu"),
                m);
        assertInstanceOf(ClassNotFoundException.class, Backends.probe(Backends.CUDA_BACKEND,
                getClass().getClassLoader()), "this CPU build has no CUDA backend");
    }

    @Test
    void missingCudaLibrariesAndUnsupportedGpusAreNamed() {
        String driver = Backends.diagnose(new RuntimeException(new UnsatisfiedLinkError("/root/.javacpp/cache/"
                + "cuda-11.6-8.3-1.5.7-linux-x86_64.jar/org/bytedeco/cuda/linux-x86_64/libjnicudart.so: libcuda.so.1: "
                + "cannot open shared object file: No such file or directory")), new Backends.DriverFacts(false, null));
        assertTrue(driver.startsWith("the NVIDIA driver's library libcuda.so.1 cannot be loaded") && driver.contains(
                "no NVIDIA driver on this machine") && driver.contains(FIX), driver);
        String libs = Backends.diagnose(new RuntimeException(new UnsatisfiedLinkError(
                "no jnicudart in java.library.path")), new Backends.DriverFacts(true, List.of()));
        assertTrue(libs.startsWith("the CUDA 11 libraries cannot be loaded (UnsatisfiedLinkError: no jnicudart"), libs);
        assertTrue(libs.contains("libcudart.so.11.0") && libs.contains("kernel driver is loaded but nvidia-smi lists "
                + "no GPU") && libs.contains(FIX), libs);
        String hopper = Backends.diagnose(new RuntimeException("No CUDA devices were found in system"),
                new Backends.DriverFacts(true, List.of("NVIDIA H200, 9.0")));
        assertTrue(hopper.contains("nvidia-smi lists NVIDIA H200, 9.0") && hopper.contains("NVIDIA H200 has compute "
                + "capability 9.0") && hopper.contains("Hopper") && hopper.contains(FIX), hopper);
        String missing = Backends.diagnose(new ClassNotFoundException(Backends.CUDA_BACKEND),
                new Backends.DriverFacts(false, null));
        assertTrue(missing.contains("not on its class path") && missing.contains(Backends.CUDA_BACKEND), missing);
    }

    @Test
    void computeCapabilities37And50To89AreSupported() {
        // machine code for 3.7, 5.0, 5.2, 6.0, 6.1, 7.0, 7.5, 8.0, 8.6 runs on the same major, equal or higher minor
        for (int[] ok : new int[][] {{3, 7}, {5, 0}, {5, 3}, {6, 1}, {6, 2}, {7, 0}, {7, 2}, {7, 5}, {8, 0}, {8, 6},
            {8, 9}}) {
            assertNull(Backends.capabilityProblem("gpu", ok[0], ok[1]), ok[0] + "." + ok[1]);
        }
        for (int[] bad : new int[][] {{3, 5}, {3, 0}, {2, 1}, {9, 0}, {10, 0}, {12, 0}}) {
            String m = Backends.capabilityProblem("gpu", bad[0], bad[1]);
            assertTrue(m != null && m.contains(bad[0] + "." + bad[1]), bad[0] + "." + bad[1] + ": " + m);
        }
        assertNull(Backends.capabilityProblem("NVIDIA A100-SXM4-40GB, 8.0"));
        assertTrue(Backends.capabilityProblem("NVIDIA H100 PCIe, 9.0").contains("H100 PCIe has compute capability "
                + "9.0"));
        assertNull(Backends.capabilityProblem("an old nvidia-smi without compute_cap"));
        String device = Backends.unsupportedDevices(Map.of("cuda.devicesInformation", List.of(
                Map.of("cuda.deviceName", "NVIDIA GeForce RTX 3090", "cuda.deviceMajor", 8, "cuda.deviceMinor", 6),
                Map.of("cuda.deviceName", "NVIDIA H100", "cuda.deviceMajor", 9, "cuda.deviceMinor", 0))));
        assertTrue(device.startsWith("CUDA device 1 (NVIDIA H100) has compute capability 9.0")
                && device.contains("CUDA_VISIBLE_DEVICES"), device);
        assertNull(Backends.unsupportedDevices(Map.of("cuda.devicesInformation", List.of(
                Map.of("cuda.deviceName", "Tesla V100", "cuda.deviceMajor", 7, "cuda.deviceMinor", 0)))));
    }

    /** The app as a child JVM whose dl4j-meta-build.properties says it was built for CUDA. */
    private static Process cudaBuiltApp(Path dir, String... args) throws IOException {
        Path props = dir.resolve("props");
        Files.createDirectories(props);
        Files.writeString(props.resolve("dl4j-meta-build.properties"), "nd4j.extension="
                + System.getProperty(Main.NATIVE_BUILD_PROPERTY, "") + "\nnd4j.backend=cuda\n");
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx1g", "-cp", props + java.io.File.pathSeparator + System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("log.txt").toFile())
                .start();
    }

    private static String finish(Process p, Path dir) throws Exception {
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the app did not finish");
        return Files.readString(dir.resolve("log.txt"), StandardCharsets.UTF_8);
    }

    @Test
    void aCudaBuildWithoutAGpuStopsWithTheNamedErrorAndRunsOnTheCpuWhenAsked(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Files.createDirectories(a);
        Files.createDirectories(b);
        Process refused = cudaBuiltApp(a, "gradcheck", "--directions", "1");
        String log = finish(refused, a);
        assertEquals(2, refused.exitValue(), log);
        assertTrue(log.contains("error: this app was built for CUDA") && log.contains(FIX)
                && log.contains("--backend cpu"), log);
        assertTrue(!log.contains("relative_error="), "it must not compute on the CPU instead:\n" + log);
        Process cpu = cudaBuiltApp(b, "--backend", "cpu", "gradcheck", "--directions", "1");
        String ran = finish(cpu, b);
        assertEquals(0, cpu.exitValue(), ran);
        assertTrue(ran.contains("backend: CPU: nd4j-native") && ran.contains("relative_error="), ran);
    }

    @Test
    void theBackendSwitchIsTakenOffTheCommandLine() {
        String before = System.getProperty(Backends.BACKEND_PROPERTY);
        try {
            String[] rest = Main.applyBackendFlag(new String[] {"--backend", "cpu", "gradcheck"});
            assertEquals(List.of("gradcheck"), List.of(rest));
            assertEquals("cpu", System.getProperty(Backends.BACKEND_PROPERTY));
            rest = Main.applyBackendFlag(new String[] {"--backend=cuda", "bench"});
            assertEquals(List.of("bench"), List.of(rest));
            assertEquals("cuda", System.getProperty(Backends.BACKEND_PROPERTY));
            IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                    () -> Main.applyBackendFlag(new String[] {"--backend"}));
            assertTrue(none.getMessage().contains("cpu or cuda"), none.getMessage());
            assertEquals(List.of("train", "--backend", "cpu"),
                    List.of(Main.applyBackendFlag(new String[] {"train", "--backend", "cpu"})));
        } finally {
            if (before == null) {
                System.clearProperty(Backends.BACKEND_PROPERTY);
            } else {
                System.setProperty(Backends.BACKEND_PROPERTY, before);
            }
        }
    }
}
