package org.dl4jmeta.datasets;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the project's shared data sets ({@code ../shared/datasets} relative to the project root): the system
 * property {@code dl4jmeta.shared} (the {@code shared} folder) if set, else the first {@code shared/datasets} found
 * walking up from the working directory.
 */
public final class SharedData {

    private SharedData() {
    }

    /**
     * @return the {@code shared/datasets} folder
     * @throws IllegalStateException if it cannot be found
     */
    public static Path datasets() {
        String prop = System.getProperty("dl4jmeta.shared");
        if (prop != null) {
            Path p = Path.of(prop).resolve("datasets");
            if (!Files.isDirectory(p)) {
                throw new IllegalStateException("-Ddl4jmeta.shared=" + prop + " has no datasets/ folder");
            }
            return p;
        }
        for (Path d = Path.of(System.getProperty("user.dir")).toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve("shared").resolve("datasets");
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        throw new IllegalStateException("shared/datasets not found above " + System.getProperty("user.dir")
                + "; set -Ddl4jmeta.shared=/path/to/shared");
    }

    /** @return the shared Omniglot folder */
    public static Path omniglot() {
        return datasets().resolve("omniglot");
    }

    /** @return the shared Mini-ImageNet folder (split CSVs only) */
    public static Path miniImageNet() {
        return datasets().resolve("miniimagenet");
    }
}
