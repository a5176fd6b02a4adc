package org.dl4jmeta.provenance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** The backend line names the CPU build, SIMD level, threads and BLAS, or the CUDA version and device. */
class BackendInfoTest {

    @Test
    void theCpuLineNamesBuildSimdThreadsAndBlas() {
        BackendInfo b = BackendInfo.current();
        assertEquals("CPU", b.kind());
        assertFalse(b.isCuda());
        String threads = String.valueOf(Nd4j.getExecutioner().getEnvironmentInformation().get("omp.threads"));
        assertTrue(b.line().startsWith("CPU: nd4j-native " + org.bytedeco.javacpp.Loader.getPlatform()), b.line());
        assertTrue(b.line().contains(" binary, CPU supports ") && b.line().contains(threads + " OpenMP threads")
                && b.line().contains("BLAS OPENBLAS"), b.line());
        assertEquals(b.line(), BuildInfo.backend());
    }

    @Test
    void theCudaLineNamesVersionDeviceCapabilityAndMemory() {
        // the keys and value types of ND4J 1.0.0-M2.1's CudaExecutioner.getEnvironmentInformation()
        Properties env = new Properties();
        env.put("backend", "CUDA");
        env.put("blas.vendor", "CUBLAS");
        env.put("cuda.availableDevices", 1);
        env.put("cuda.devicesInformation", List.of(Map.of("cuda.deviceName", "NVIDIA A100-SXM4-40GB",
                "cuda.deviceMajor", 8, "cuda.deviceMinor", 0, "cuda.totalMemory", 42_949_672_960L)));
        BackendInfo b = BackendInfo.describe(env, "linux-x86_64", "ignored", "HAVE_CUDNN", "11.6");
        assertTrue(b.isCuda());
        assertEquals("nd4j-cuda-11.6", b.build());
        assertEquals("CUDA 11.6: device 0 of 1 NVIDIA A100-SXM4-40GB, compute capability 8.0, 40.0 GiB", b.line());
    }

    @Test
    void aCpuDescriptionFromGivenValues() {
        Properties env = new Properties();
        env.put("backend", "CPU");
        env.put("blas.vendor", "OPENBLAS");
        env.put("omp.threads", 8);
        env.put("blas.threads", 8);
        env.put("cores", 16);
        BackendInfo b = BackendInfo.describe(env, "linux-x86_64-avx2", "AVX/AVX2 binary, CPU supports AVX/AVX2",
                "GCC\nHAVE_ONEDNN\nHAVE_OPENBLAS", "0.0");
        assertEquals("CPU: nd4j-native linux-x86_64-avx2 (AVX/AVX2 binary, CPU supports AVX/AVX2; oneDNN), "
                + "8 OpenMP threads, BLAS OPENBLAS (8 threads), 16 cores", b.line());
        assertEquals("nd4j-native linux-x86_64-avx2", b.build());
        assertEquals("AVX512", BackendInfo.simdLevel(3));
        assertEquals("generic", BackendInfo.simdLevel(0));
    }

    @Test
    void aBlankLineIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BackendInfo("CPU", "nd4j-native", " "));
        assertTrue(e.getMessage().contains("blank"), e.getMessage());
    }
}
