package org.dl4jmeta.app;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the tests find the shared data sets (beside the project root; CI has them at the same place). */
public final class SharedData {

    private SharedData() {
    }

    /**
     * @return the shared Omniglot folder, found above the working directory
     * @throws IllegalStateException if there is none (the tests that need it must not pass silently)
     */
    public static Path omniglot() {
        for (Path d = Path.of(System.getProperty("user.dir")).toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve("shared").resolve("datasets").resolve("omniglot");
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        throw new IllegalStateException("shared/datasets/omniglot not found above " + System.getProperty("user.dir"));
    }
}
