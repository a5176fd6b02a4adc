package org.dl4jmeta.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.dl4jmeta.provenance.BackendInfo;
import org.nd4j.common.config.ND4JClassLoading;
import org.nd4j.linalg.factory.Nd4jBackend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which ND4J backend the app runs on, chosen explicitly: the one it was built for ({@code nd4j.backend} in
 * dl4j-meta-build.properties: {@code cpu}, or {@code cuda} for a {@code -Dcuda} build, which packages both), unless
 * {@code --backend cpu} (or {@code -Ddl4jmeta.backend=cpu}) asks for the CPU.
 *
 * <p>Why explicit: ND4J 1.0.0-M2.1's {@code Nd4jBackend.load()} takes the backends found by
 * {@code ServiceLoader}, highest priority first (CUDA 100, CPU 0; only the environment variables
 * {@code BACKEND_PRIORITY_CPU}/{@code _GPU} change that), and silently skips one whose {@code isAvailable()}
 * fails, so a CUDA build on a machine without a usable GPU would train on the CPU with nothing but a warning.
 * Here ND4J's class loader ({@link ND4JClassLoading#setNd4jClassloader}) is given a view of the class path that
 * shows only the chosen backend's service entry, and a CUDA choice is probed before ND4J starts: if it cannot
 * run, the app stops with the reason and the fix.
 *
 * <p>Call order: {@link #select} and {@link #install} in {@code main} before anything touches ND4J; {@link #start}
 * before a command computes (once per process).
 */
public final class Backends {

    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

    /** The system property (set by {@code --backend}) that chooses the backend: {@code cpu} or {@code cuda}. */
    public static final String BACKEND_PROPERTY = "dl4jmeta.backend";

    /** The global option, before the command, that chooses the backend. */
    static final String BACKEND_FLAG = "--backend";

    /** ND4J's CPU backend class (nd4j-native). */
    static final String CPU_BACKEND = "org.nd4j.linalg.cpu.nativecpu.CpuBackend";

    /** ND4J's CUDA backend class (nd4j-cuda-11.6). */
    static final String CUDA_BACKEND = "org.nd4j.linalg.jcublas.JCublasBackend";

    /**
     * The compute capabilities (major * 10 + minor) whose machine code (SASS cubins) nd4j-cuda-11.6 1.0.0-M2.1's
     * libnd4jcuda.so for linux-x86_64 embeds, with no PTX for the driver to compile for other GPUs: read from the
     * 228 fat binaries in the library (README, Backends). A cubin runs on the same major capability with an equal
     * or higher minor one (NVIDIA's binary-compatibility rule), so 3.7 and 5.0 to 8.9 can run it, 9.0 and later
     * cannot.
     */
    static final int[] KERNEL_CAPABILITIES = {37, 50, 52, 60, 61, 70, 75, 80, 86};

    static final String CPU_BUILD_FIX = "build the app for the CPU instead with ./mvnw -B -q package -DskipTests "
            + "(without -Dcuda), or run this build on the CPU on purpose with --backend cpu (README, Backends)";

    private static final AtomicReference<BackendInfo> STARTED = new AtomicReference<>();

    private Backends() {
    }

    /** The two backends the app can be built for. */
    enum Kind {
        cpu(CPU_BACKEND), cuda(CUDA_BACKEND);

        final String backendClass;

        Kind(String backendClass) {
            this.backendClass = backendClass;
        }
    }

    /**
     * @param build the app's dl4j-meta-build.properties
     * @return the backend the app was packaged for: {@code cuda} if {@code nd4j.backend=cuda}, else {@code cpu}
     *     (also for a properties file from before the backend was recorded)
     */
    static Kind builtFor(Properties build) {
        return "cuda".equals(build.getProperty("nd4j.backend", "cpu").strip()) ? Kind.cuda : Kind.cpu;
    }

    /** @return the app's dl4j-meta-build.properties (empty if absent) */
    static Properties buildProperties() {
        Properties p = new Properties();
        try (InputStream in = Backends.class.getResourceAsStream("/dl4j-meta-build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read dl4j-meta-build.properties from the jar", e);
        }
        return p;
    }

    /**
     * The backend to run on.
     *
     * @param built what the app was built for
     * @param requested {@code cpu}, {@code cuda}, or null/empty for the built one
     * @return the choice
     * @throws IllegalArgumentException for another value, or {@code cuda} on a CPU-only build
     */
    static Kind select(Kind built, String requested) {
        if (requested == null || requested.isBlank()) {
            return built;
        }
        Kind k;
        try {
            k = Kind.valueOf(requested.strip().toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--backend must be cpu or cuda, got '" + requested + "'");
        }
        if (k == Kind.cuda && built == Kind.cpu) {
            throw new IllegalArgumentException("--backend cuda needs an app built for CUDA, this one has only the "
                    + "CPU backend (nd4j-native): build it with ./mvnw -B -q package -DskipTests -Dcuda");
        }
        return k;
    }

    /**
     * Makes ND4J see only the chosen backend: sets ND4J's class loader to one that hides the other backends'
     * {@code META-INF/services/org.nd4j.linalg.factory.Nd4jBackend} entries. Must run before ND4J starts.
     *
     * @param kind the backend
     */
    static void install(Kind kind) {
        ClassLoader parent = ND4JClassLoading.getNd4jClassloader();
        ND4JClassLoading.setNd4jClassloader(new OneBackend(parent == null ? Backends.class.getClassLoader()
                : parent, kind.backendClass));
    }

    /**
     * Checks and logs, once per process, the backend ND4J runs on: for CUDA, that the CUDA backend can run before
     * ND4J starts and that every device has a supported compute capability after; then logs the backend line.
     *
     * @param kind the chosen backend
     * @return the backend in use
     * @throws IllegalStateException if the CUDA backend cannot run, or ND4J started another backend than chosen;
     *     the message says why and how to run on the CPU
     */
    static BackendInfo start(Kind kind) {
        BackendInfo started = STARTED.get();
        if (started != null) {
            return started;
        }
        if (kind == Kind.cuda) {
            Throwable failure = probe(kind.backendClass, ND4JClassLoading.getNd4jClassloader());
            DriverFacts facts = DriverFacts.ofThisMachine();
            if (failure != null) {
                throw new IllegalStateException(diagnose(failure, facts));
            }
            // ND4J's start-up runs kernels on every device, so a GPU it has no code for is refused before it starts
            List<String> problems = facts.gpus() == null ? List.of() : facts.gpus().stream()
                    .map(Backends::capabilityProblem).filter(java.util.Objects::nonNull).toList();
            if (!problems.isEmpty() && problems.size() == facts.gpus().size()) {
                throw new IllegalStateException(problems.get(0) + "; " + CPU_BUILD_FIX);
            }
        }
        BackendInfo info = BackendInfo.current();
        if ((kind == Kind.cuda) != info.isCuda()) {
            throw new IllegalStateException("the app chose the " + kind + " backend but ND4J started " + info.line()
                    + "; " + CPU_BUILD_FIX);
        }
        if (info.isCuda()) {
            String bad = unsupportedDevices(org.nd4j.linalg.factory.Nd4j.getExecutioner()
                    .getEnvironmentInformation());
            if (bad != null) {
                throw new IllegalStateException(bad);
            }
        }
        if (STARTED.compareAndSet(null, info)) {
            LOG.info("backend: {}", info.line());
        }
        return info;
    }

    /**
     * Asks a backend whether it can run, as {@code Nd4jBackend.load()} would, but keeps the reason.
     *
     * @param backendClass the backend's class name
     * @param loader the class loader to find it with
     * @return null if it is available, else what stopped it (e.g. {@code ClassNotFoundException} when the backend is
     *     not packaged, the {@code UnsatisfiedLinkError} of a missing CUDA library, or "No CUDA devices were found")
     */
    static Throwable probe(String backendClass, ClassLoader loader) {
        try {
            Nd4jBackend b = (Nd4jBackend) Class.forName(backendClass, true, loader).getDeclaredConstructor()
                    .newInstance();
            return b.isAvailable() ? null : new IllegalStateException(backendClass + ".isAvailable() is false");
        } catch (Throwable t) {
            return t;
        }
    }

    /**
     * What this machine shows of an NVIDIA driver, for error messages.
     *
     * @param driverLoaded whether {@code /proc/driver/nvidia} exists (the kernel module is loaded)
     * @param gpus {@code nvidia-smi}'s {@code name, compute_cap} lines, or null where it is missing or failed
     */
    record DriverFacts(boolean driverLoaded, List<String> gpus) {

        /** Freezes the list. */
        DriverFacts {
            gpus = gpus == null ? null : List.copyOf(gpus);
        }

        /** @return the facts of this machine */
        static DriverFacts ofThisMachine() {
            return new DriverFacts(Files.exists(Path.of("/proc/driver/nvidia")), nvidiaSmi());
        }

        private static List<String> nvidiaSmi() {
            try {
                Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=name,compute_cap", "--format=csv,noheader")
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return null;
                }
                return p.exitValue() == 0 ? out.strip().lines().filter(l -> !l.isBlank()).toList() : null;
            } catch (IOException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    /**
     * Why the CUDA backend cannot run, from what its loader threw and what the machine shows.
     *
     * @param failure what {@link #probe} returned
     * @param facts the machine's driver and GPUs
     * @return one message: the cause, the evidence, the fix
     */
    static String diagnose(Throwable failure, DriverFacts facts) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String why = root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
        String driver = facts.gpus() != null && !facts.gpus().isEmpty()
                ? "nvidia-smi lists " + String.join("; ", facts.gpus())
                : facts.driverLoaded() ? "the NVIDIA kernel driver is loaded but nvidia-smi lists no GPU"
                : "no NVIDIA driver on this machine (no /proc/driver/nvidia, no nvidia-smi)";
        String hopper = facts.gpus() == null ? null : facts.gpus().stream().map(Backends::capabilityProblem)
                .filter(java.util.Objects::nonNull).findFirst().orElse(null);
        String cause;
        if (root instanceof ClassNotFoundException || root instanceof NoClassDefFoundError) {
            cause = "this app was built for CUDA (nd4j.backend=cuda in dl4j-meta-build.properties) but ND4J's CUDA "
                    + "backend is not on its class path (" + why + "): lib/ lacks nd4j-cuda-11.6";
        } else if (root instanceof UnsatisfiedLinkError && String.valueOf(root.getMessage()).contains("libcuda.so")) {
            cause = "the NVIDIA driver's library libcuda.so.1 cannot be loaded (" + why + "): no NVIDIA driver is "
                    + "installed, or it is not visible here (in a container: run it with the NVIDIA container "
                    + "toolkit, e.g. docker run --gpus all)";
        } else if (root instanceof UnsatisfiedLinkError) {
            cause = "the CUDA 11 libraries cannot be loaded (" + why + "): nd4j-cuda-11.6 needs the CUDA 11.6 "
                    + "runtime, cuBLAS and cuSOLVER (libcudart.so.11.0, libcublas.so.11, libcusolver.so.11) on the "
                    + "library path and an NVIDIA driver for CUDA 11.6 or newer";
        } else if (String.valueOf(root.getMessage()).contains("No CUDA devices")) {
            cause = "no CUDA device is visible (" + why + ")";
        } else {
            cause = "the CUDA backend cannot run (" + why + ")";
        }
        return cause + "; " + driver + (hopper == null ? "" : "; " + hopper) + "; " + CPU_BUILD_FIX;
    }

    /**
     * @param gpu an {@code nvidia-smi} line {@code name, compute_cap}, e.g. {@code NVIDIA H200, 9.0}
     * @return why ND4J 1.0.0-M2.1 cannot run on it, or null if it can (or the line has no capability)
     */
    static String capabilityProblem(String gpu) {
        int comma = gpu.lastIndexOf(',');
        if (comma < 0) {
            return null;
        }
        String[] cc = gpu.substring(comma + 1).strip().split("\\.");
        try {
            return capabilityProblem(gpu.substring(0, comma).strip(), Integer.parseInt(cc[0]),
                    cc.length > 1 ? Integer.parseInt(cc[1]) : 0);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * @param name the device's name
     * @param major its compute capability's major number
     * @param minor its minor number
     * @return why nd4j-cuda-11.6 1.0.0-M2.1 cannot run on it ({@link #KERNEL_CAPABILITIES}), or null
     */
    static String capabilityProblem(String name, int major, int minor) {
        for (int k : KERNEL_CAPABILITIES) {
            if (k / 10 == major && k % 10 <= minor) {
                return null;
            }
        }
        return name + " has compute capability " + major + "." + minor + ", for which ND4J 1.0.0-M2.1's CUDA 11.6 "
                + "build has no kernels (machine code for 3.7, 5.0, 5.2, 6.0, 6.1, 7.0, 7.5, 8.0, 8.6 and no PTX: it "
                + "runs on Kepler K80 through Ampere and Ada, 3.7 and 5.0 to 8.9"
                + (major >= 9 ? "; Hopper 9.0 GPUs such as the H100/H200 and later ones need a newer ND4J" : "")
                + ")";
    }

    /**
     * @param env ND4J's environment information on CUDA ({@code cuda.devicesInformation})
     * @return why a device is unusable (the first such), or null if all are supported
     */
    static String unsupportedDevices(Map<Object, Object> env) {
        List<?> devices = env.get("cuda.devicesInformation") instanceof List<?> l ? l : List.of();
        if (devices.isEmpty()) {
            return "ND4J's CUDA backend started but reports no device; " + CPU_BUILD_FIX;
        }
        for (int i = 0; i < devices.size(); i++) {
            if (devices.get(i) instanceof Map<?, ?> d && d.get("cuda.deviceMajor") instanceof Number major
                    && d.get("cuda.deviceMinor") instanceof Number minor) {
                String p = capabilityProblem("CUDA device " + i + " (" + d.get("cuda.deviceName") + ")",
                        major.intValue(), minor.intValue());
                if (p != null) {
                    return p + "; hide it with CUDA_VISIBLE_DEVICES if another GPU is supported, or "
                            + CPU_BUILD_FIX;
                }
            }
        }
        return null;
    }

    /** A class loader that shows ND4J's {@code ServiceLoader} the service entry of one backend only. */
    static final class OneBackend extends ClassLoader {

        static final String SERVICE = "META-INF/services/" + Nd4jBackend.class.getName();

        private final String backendClass;

        OneBackend(ClassLoader parent, String backendClass) {
            super(parent);
            this.backendClass = backendClass;
        }

        @Override
        public Enumeration<URL> getResources(String name) throws IOException {
            Enumeration<URL> all = super.getResources(name);
            if (!SERVICE.equals(name)) {
                return all;
            }
            List<URL> kept = new ArrayList<>();
            for (URL u : Collections.list(all)) {
                try (InputStream in = u.openStream()) {
                    boolean lists = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                            .map(l -> l.replaceAll("#.*", "").strip()).anyMatch(backendClass::equals);
                    if (lists) {
                        kept.add(u);
                    }
                }
            }
            return Collections.enumeration(kept);
        }
    }
}
