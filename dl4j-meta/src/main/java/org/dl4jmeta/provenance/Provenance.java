package org.dl4jmeta.provenance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Where a model or a result came from, stored beside it (in the spirit of Tribuo's provenance): the commit, the
 * project, ND4J and backend versions, the data type, the full configuration, the seed, SHA-256 checksums of the data
 * files read, and the start and end time (ISO-8601, UTC).
 *
 * <p>Immutable. Call order: {@link #capture} when a job starts (after its data files are known), {@link #finished}
 * when it ends.
 *
 * @param commit the git commit dl4j-meta was built from ({@link BuildInfo#commit()}), with {@code -dirty} if tracked
 *     files differed from it, or "unknown"
 * @param projectVersion the dl4j-meta version
 * @param nd4jVersion the ND4J version
 * @param backend the backend line ({@link BuildInfo#backend()}): CPU build, SIMD level, threads and BLAS, or CUDA
 *     version, device, compute capability and memory
 * @param environment ND4J's environment information (BLAS vendor, cores, devices), Java and OS
 * @param dataType the data type of parameters and episodes, e.g. {@code FLOAT}
 * @param seed the job's seed
 * @param config the job's full configuration (name to value; nested maps and lists allowed)
 * @param dataChecksums data file to its SHA-256 (64 hex digits), or to a note where a file is not checksummed
 * @param start when the job started
 * @param end when it ended, or null while it runs
 */
public record Provenance(String commit, String projectVersion, String nd4jVersion, String backend,
                         Map<String, String> environment, String dataType, long seed, Map<String, Object> config,
                         Map<String, String> dataChecksums, String start, String end) {

    /**
     * Validates and freezes the maps.
     *
     * @throws NullPointerException if a field other than {@code end} is null
     */
    public Provenance {
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(projectVersion, "projectVersion");
        Objects.requireNonNull(nd4jVersion, "nd4jVersion");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(dataType, "dataType");
        Objects.requireNonNull(start, "start");
        environment = freeze(environment);
        config = freeze(config);
        dataChecksums = freeze(dataChecksums);
    }

    private static <V> Map<String, V> freeze(Map<String, V> m) {
        return m == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }

    /**
     * Records the software and environment of a job that starts now; the commit is the one dl4j-meta was built from
     * ({@link BuildInfo#commit()}), whatever folder the job runs in.
     *
     * @param dataType the job's data type
     * @param seed the job's seed
     * @param config the job's full configuration
     * @param dataChecksums data file to SHA-256, e.g. from {@link #checksums}
     * @return the provenance, without an end time
     */
    public static Provenance capture(DataType dataType, long seed, Map<String, Object> config,
                                     Map<String, String> dataChecksums) {
        return new Provenance(BuildInfo.commit(), BuildInfo.projectVersion(), BuildInfo.nd4jVersion(),
                BuildInfo.backend(), BuildInfo.environment(), String.valueOf(dataType), seed, config, dataChecksums,
                now(), null);
    }

    /**
     * @param newStart when the job started, ISO-8601 (e.g. the first session of a resumed job)
     * @return a copy with that start time
     */
    public Provenance withStart(String newStart) {
        return new Provenance(commit, projectVersion, nd4jVersion, backend, environment, dataType, seed, config,
                dataChecksums, newStart, end);
    }

    /** @return a copy whose end time is now */
    public Provenance finished() {
        return new Provenance(commit, projectVersion, nd4jVersion, backend, environment, dataType, seed, config,
                dataChecksums, start, now());
    }

    /**
     * @param newConfig a configuration
     * @return a copy with that configuration (e.g. a derived job that keeps the original's data and seed)
     */
    public Provenance withConfig(Map<String, Object> newConfig) {
        return new Provenance(commit, projectVersion, nd4jVersion, backend, environment, dataType, seed, newConfig,
                dataChecksums, start, end);
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
    }

    /**
     * Checksums data files: each regular file by SHA-256; a folder is noted as not checksummed.
     *
     * @param files the files, named in the result by their path as given
     * @return path to SHA-256 (or a note), in the given order
     * @throws IOException if a file cannot be read; the message names it
     */
    public static Map<String, String> checksums(Collection<Path> files) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        for (Path f : files) {
            if (Files.isRegularFile(f)) {
                m.put(f.toString(), Sha256.of(f));
            } else if (Files.isDirectory(f)) {
                m.put(f.toString(), "folder (not checksummed)");
            } else {
                m.put(f.toString(), "missing");
            }
        }
        return m;
    }
}
