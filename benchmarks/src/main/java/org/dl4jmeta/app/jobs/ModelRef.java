package org.dl4jmeta.app.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SavedModel;

/**
 * What {@code --model} names: a model file on disk, or {@code pretrained:NAME}, a model shipped inside the app
 * (resources {@code /pretrained/NAME.zip}, with its provenance and evaluation beside it in the source tree).
 *
 * @param model the model
 * @param file the file it was read from (null for a pretrained model)
 * @param name how to name it in messages and result files
 */
record ModelRef(SavedModel model, Path file, String name) {

    /** Prefix of the models shipped with the app. */
    static final String PRETRAINED = "pretrained:";
    /**
     * @return the names of the models shipped in this build: every {@code /pretrained/NAME.zip} resource beside this
     *     class (in the app's jar or its classes folder), sorted; adding a model is adding its zip
     * @throws IOException if the jar or folder cannot be listed
     */
    static List<String> shipped() throws IOException {
        java.net.URL where = ModelRef.class.getProtectionDomain().getCodeSource().getLocation();
        Path root;
        try {
            root = Path.of(where.toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IOException("cannot locate the app's classes at " + where, e);
        }
        java.util.List<String> names = new java.util.ArrayList<>();
        if (Files.isDirectory(root)) {
            Path dir = root.resolve("pretrained");
            if (Files.isDirectory(dir)) {
                try (java.util.stream.Stream<Path> s = Files.list(dir)) {
                    s.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".zip")).forEach(names::add);
                }
            }
        } else {
            try (java.util.zip.ZipFile jar = new java.util.zip.ZipFile(root.toFile())) {
                jar.stream().map(java.util.zip.ZipEntry::getName)
                        .filter(n -> n.startsWith("pretrained/") && n.endsWith(".zip") && n.indexOf('/', 11) < 0)
                        .map(n -> n.substring("pretrained/".length())).forEach(names::add);
            }
        }
        return names.stream().map(n -> n.substring(0, n.length() - ".zip".length())).sorted().toList();
    }

    /**
     * @param ref a path or {@code pretrained:NAME}
     * @return the loaded, verified model
     * @throws IOException if the file is missing, not a model file, truncated or corrupted (named)
     * @throws IllegalArgumentException if the pretrained name is unknown
     */
    static ModelRef load(String ref) throws IOException {
        if (!ref.startsWith(PRETRAINED)) {
            Path p = Path.of(ref);
            return new ModelRef(ModelFile.read(p), p, ref);
        }
        String name = ref.substring(PRETRAINED.length());
        List<String> shipped = shipped();
        if (!shipped.contains(name)) {
            throw new IllegalArgumentException("no pretrained model '" + name + "'; shipped: "
                    + String.join(", ", shipped.stream().map(n -> PRETRAINED + n).toList()));
        }
        try (InputStream in = ModelRef.class.getResourceAsStream("/pretrained/" + name + ".zip")) {
            if (in == null) {
                throw new IOException("pretrained model " + name + " is missing from this build of the app "
                        + "(resources /pretrained/" + name + ".zip)");
            }
            Path tmp = Files.createTempFile("dl4j-meta-" + name, ".zip");
            try {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                return new ModelRef(ModelFile.read(tmp), null, ref);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * @param suffix e.g. {@code .eval-test.json}
     * @return a file beside the model named after it, or in the working directory for a pretrained model
     */
    Path sibling(String suffix) {
        if (file == null) {
            return Path.of(name.substring(PRETRAINED.length()) + suffix);
        }
        String base = file.getFileName().toString();
        if (base.endsWith(".zip")) {
            base = base.substring(0, base.length() - 4);
        }
        Path parent = file.toAbsolutePath().getParent();
        return parent.resolve(base + suffix);
    }

    /**
     * @param key a configuration key
     * @return the model's configuration value, or null
     */
    Object config(String key) {
        return model.config().get(key);
    }
}
