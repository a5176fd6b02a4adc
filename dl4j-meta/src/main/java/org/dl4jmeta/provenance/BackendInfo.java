package org.dl4jmeta.provenance;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The ND4J backend a process computes on, as one line for logs, provenance and benchmark lines, e.g.
 * {@code CPU: nd4j-native linux-x86_64-onednn-avx2 (AVX/AVX2 binary, CPU supports AVX512; oneDNN), 2 OpenMP
 * threads, BLAS OPENBLAS (2 threads), 2 cores} or {@code CUDA 11.6: device 0 of 1 NVIDIA A100-SXM4-40GB, compute
 * capability 8.0, 39.6 GiB}.
 *
 * <p>Immutable. {@link #current()} initialises ND4J if it has not started yet.
 *
 * @param kind {@code CPU} or {@code CUDA} (what ND4J's environment information calls the backend)
 * @param build the native build: {@code nd4j-native} with its JavaCPP classifier, or {@code nd4j-cuda-<version>}
 * @param line the whole description
 */
public record BackendInfo(String kind, String build, String line) {

    /** ND4J's name for the CUDA backend in its environment information ({@code backend=CUDA}). */
    public static final String CUDA = "CUDA";

    /** ND4J's name for the CPU backend ({@code backend=CPU}). */
    public static final String CPU = "CPU";

    /**
     * @throws NullPointerException if a field is null
     * @throws IllegalArgumentException if the line is blank
     */
    public BackendInfo {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(build, "build");
        Objects.requireNonNull(line, "line");
        if (line.isBlank()) {
            throw new IllegalArgumentException("a backend line must not be blank");
        }
    }

    /** @return true on ND4J's CUDA backend */
    public boolean isCuda() {
        return CUDA.equals(kind);
    }

    /**
     * Describes the backend ND4J is running on now (starting ND4J if needed): its environment information
     * ({@code Nd4j.getExecutioner().getEnvironmentInformation()}), for the CPU the JavaCPP platform and the
     * {@code org.bytedeco.javacpp.platform.extension} build with libnd4j's binary and optimal SIMD levels and build
     * flags, for CUDA the CUDA version libnd4j was compiled with ({@code Environment.blasMajorVersion()} etc.,
     * which the CUDA backend fills with the CUDA toolkit's version) and device 0's properties.
     *
     * @return the description
     */
    public static BackendInfo current() {
        Map<Object, Object> env = Nd4j.getExecutioner().getEnvironmentInformation();
        Environment e = Nd4j.getEnvironment();
        String version = e.blasMajorVersion() + "." + e.blasMinorVersion();
        String platform = org.bytedeco.javacpp.Loader.getPlatform()
                + System.getProperty("org.bytedeco.javacpp.platform.extension", "");
        NativeOps ops = NativeOpsHolder.getInstance().getDeviceNativeOps();
        String simd = e.isCPU() ? simdLevel(ops.binaryLevel()) + " binary, CPU supports "
                + simdLevel(ops.optimalLevel()) : "";
        return describe(env, platform, simd, Nd4j.getBackend().buildInfo(), version);
    }

    /**
     * The description from what ND4J reports, without calling ND4J (so that a CUDA description can be checked on a
     * machine without a GPU).
     *
     * @param env ND4J's environment information: {@code backend}, {@code blas.vendor}, {@code omp.threads},
     *     {@code blas.threads}, {@code cores}; on CUDA {@code cuda.availableDevices} and
     *     {@code cuda.devicesInformation}, a list of maps with {@code cuda.deviceName}, {@code cuda.deviceMajor},
     *     {@code cuda.deviceMinor}, {@code cuda.totalMemory}
     * @param platform the CPU build's JavaCPP platform and extension, e.g. {@code linux-x86_64-onednn-avx2}
     * @param simd the CPU build's SIMD levels, e.g. {@code AVX/AVX2 binary, CPU supports AVX512}; ignored on CUDA
     * @param buildFlags libnd4j's build information ({@code HAVE_ONEDNN}, ... one a line)
     * @param cudaVersion the CUDA version libnd4j was compiled with, e.g. {@code 11.6}; ignored on the CPU
     * @return the description
     */
    public static BackendInfo describe(Map<Object, Object> env, String platform, String simd, String buildFlags,
                                       String cudaVersion) {
        String kind = String.valueOf(env.getOrDefault("backend", "unknown"));
        if (kind.equalsIgnoreCase(CUDA)) {
            List<?> devices = env.get("cuda.devicesInformation") instanceof List<?> l ? l : List.of();
            String count = String.valueOf(env.getOrDefault("cuda.availableDevices", devices.size()));
            String device = devices.isEmpty() || !(devices.get(0) instanceof Map<?, ?> d) ? "no device information"
                    : String.format(Locale.ROOT, "device 0 of %s %s, compute capability %s.%s, %s", count,
                    d.get("cuda.deviceName"), d.get("cuda.deviceMajor"), d.get("cuda.deviceMinor"),
                    gib(d.get("cuda.totalMemory")));
            return new BackendInfo(CUDA, "nd4j-cuda-" + cudaVersion, "CUDA " + cudaVersion + ": " + device);
        }
        List<String> helpers = new ArrayList<>();
        String flags = buildFlags == null ? "" : buildFlags;
        if (flags.contains("HAVE_ONEDNN")) {
            helpers.add("oneDNN");
        }
        if (flags.contains("HAVE_ARMCOMPUTE")) {
            helpers.add("ARM Compute Library");
        }
        String build = "nd4j-native " + platform;
        String details = simd + (helpers.isEmpty() ? "" : "; " + String.join(", ", helpers));
        return new BackendInfo(kind.toUpperCase(Locale.ROOT), build, String.format(Locale.ROOT,
                "%s: %s%s, %s OpenMP threads, BLAS %s (%s threads), %s cores", kind.toUpperCase(Locale.ROOT),
                build, details.isEmpty() ? "" : " (" + details + ")", env.get("omp.threads"),
                env.get("blas.vendor"), env.get("blas.threads"), env.get("cores")));
    }

    /** libnd4j's SIMD level numbering, as nd4j-native's CpuNDArrayFactory names it at start-up. */
    static String simdLevel(int level) {
        return switch (level) {
            case 3 -> "AVX512";
            case 2 -> "AVX/AVX2";
            default -> "generic";
        };
    }

    private static String gib(Object bytes) {
        return bytes instanceof Number n ? String.format(Locale.ROOT, "%.1f GiB", n.doubleValue() / (1L << 30))
                : "memory unknown";
    }
}
