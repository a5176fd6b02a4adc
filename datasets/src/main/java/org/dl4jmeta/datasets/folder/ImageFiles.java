package org.dl4jmeta.datasets.folder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Which files of a folder of images are read, and in which order: the rules shared by folder data sets and the
 * app's {@code adapt}. A labelled folder has one subfolder per class (class i is the i-th subfolder by name);
 * hidden entries (names starting with a dot, e.g. the {@code .dl4jmeta-cache} folder) are skipped, and so are
 * files whose extension is not an image extension (e.g. {@code README.txt}, split files).
 */
public final class ImageFiles {

    /** Extensions read as images (lower case; matched in any case). */
    public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff", "pbm",
            "pgm", "ppm", "pnm", "webp", "jp2");

    private ImageFiles() {
    }

    /**
     * @param file a file name or path
     * @return whether its extension is one of {@link #EXTENSIONS}
     */
    public static boolean isImage(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot >= 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /**
     * Lists a folder's image files.
     *
     * @param dir a folder of images
     * @param skipped told of each regular, visible file skipped for its extension (e.g. to log it); may be null
     * @return its image files, sorted by name
     * @throws IOException if it cannot be listed
     */
    public static List<Path> imageFiles(Path dir, Consumer<Path> skipped) throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                if (!Files.isRegularFile(p) || p.getFileName().toString().startsWith(".")) {
                    continue;
                }
                if (isImage(p)) {
                    files.add(p);
                } else if (skipped != null) {
                    skipped.accept(p);
                }
            }
        }
        return files;
    }

    /**
     * @param dir a folder
     * @return its subfolders (the classes of a labelled folder), sorted by name, hidden ones skipped
     * @throws IOException if it cannot be listed
     */
    public static List<Path> classFolders(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        }
    }

    /** @return the image extensions, sorted and comma-separated, for messages */
    public static String extensionList() {
        return String.join(", ", EXTENSIONS.stream().sorted().toList());
    }
}
