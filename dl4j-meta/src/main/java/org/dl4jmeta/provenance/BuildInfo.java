package org.dl4jmeta.provenance;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The software a result was produced with: the git commit this build of dl4j-meta was made from (recorded by Maven
 * at build time, so it is the app's commit wherever the app runs), the project and ND4J versions, and the ND4J
 * backend with its environment (BLAS vendor, cores, CUDA devices...).
 */
public final class BuildInfo {

    /** System property that overrides the recorded commit (e.g. for builds from a source archive). */
    public static final String COMMIT_PROPERTY = "dl4jmeta.commit";

    /** The resource, beside this class, that the build writes the commit into ({@code commit=<sha>[-dirty]}). */
    static final String COMMIT_RESOURCE = "commit.properties";

    private BuildInfo() {
    }

    /** @return the project version the library was built as, or "unknown" */
    public static String projectVersion() {
        return buildProperty("project.version");
    }

    /** @return the ND4J version the library was built against, or "unknown" */
    public static String nd4jVersion() {
        String v = Nd4j.class.getPackage().getImplementationVersion();
        return v != null ? v : buildProperty("nd4j.version");
    }

    private static String buildProperty(String key) {
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty(key, "unknown");
            return v.contains("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }

    /**
     * The backend line: what ND4J computes on ({@link BackendInfo#current()}), e.g. {@code CPU: nd4j-native
     * linux-x86_64-onednn-avx2 (AVX/AVX2 binary, CPU supports AVX512; oneDNN), 2 OpenMP threads, BLAS OPENBLAS (2
     * threads), 2 cores} or {@code CUDA 11.6: device 0 of 1 NVIDIA A100-SXM4-40GB, compute capability 8.0, 39.4 GiB}.
     *
     * @return the backend line
     */
    public static String backend() {
        return BackendInfo.current().line();
    }

    /** @return ND4J's environment information (backend, BLAS vendor, cores, memory, devices) as strings */
    public static Map<String, String> environment() {
        Map<String, String> m = new LinkedHashMap<>();
        Properties p = Nd4j.getExecutioner().getEnvironmentInformation();
        // ND4J stores numbers (cores, threads, memory) as non-string values: stringPropertyNames() would skip them
        p.keySet().stream().map(String::valueOf).sorted().forEach(k -> m.put(k, String.valueOf(p.get(k))));
        m.put("java.version", System.getProperty("java.version"));
        m.put("os.name", System.getProperty("os.name"));
        m.put("os.arch", System.getProperty("os.arch"));
        return m;
    }

    /**
     * The commit this build of dl4j-meta was made from: the {@value #COMMIT_PROPERTY} property if set, else what
     * the build recorded in {@code commit.properties} ({@code git rev-parse HEAD} of the project's checkout, with
     * {@code -dirty} when tracked files differed from it); "unknown" for a build from a tree without git.
     *
     * @return the commit
     */
    public static String commit() {
        String prop = System.getProperty(COMMIT_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return prop.strip();
        }
        try (InputStream in = BuildInfo.class.getResourceAsStream(COMMIT_RESOURCE)) {
            return in == null ? "unknown" : recordedCommit(in);
        } catch (IOException e) {
            return "unknown";
        }
    }

    /**
     * @param in a {@code commit.properties} file
     * @return its commit if it is 40 hex digits, optionally with {@code -dirty}; else "unknown"
     * @throws IOException if it cannot be read
     */
    static String recordedCommit(InputStream in) throws IOException {
        Properties p = new Properties();
        p.load(in);
        String c = p.getProperty("commit", "").strip();
        return c.matches("[0-9a-f]{40}(-dirty)?") ? c : "unknown";
    }

    /**
     * The commit of whatever git repository holds a folder at run time, e.g. a user's own project: not the app's
     * commit (that is {@link #commit()}); {@code git rev-parse HEAD} in {@code dir}, with {@code -dirty} appended
     * when tracked files differ from it; "unknown" where there is no git or no repository.
     *
     * @param dir a folder
     * @return the commit of its repository
     */
    public static String repositoryCommit(Path dir) {
        String head = git(dir, "rev-parse", "HEAD");
        if (head == null || !head.matches("[0-9a-f]{40}")) {
            return "unknown";
        }
        String status = git(dir, "status", "--porcelain", "--untracked-files=no");
        return status == null || status.isEmpty() ? head : head + "-dirty";
    }

    private static String git(Path dir, String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "git";
        System.arraycopy(args, 0, cmd, 1, args.length);
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? new String(out, StandardCharsets.UTF_8).strip() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
