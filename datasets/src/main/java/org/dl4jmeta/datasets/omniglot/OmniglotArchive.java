package org.dl4jmeta.datasets.omniglot;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.dl4jmeta.datasets.DatasetException;

/**
 * One of Omniglot's two image sets ({@code images_background}, {@code images_evaluation}) in the official layout
 * {@code <set>/<Alphabet>/<character>/<drawing>.png}, as an extracted folder or as the zip that contains that folder.
 * A folder takes precedence over a zip of the same name. Each character's drawings are listed in file-name order.
 *
 * <p>Call order: {@link #open}, then {@link #characters()} and {@link #read} (from one thread), then {@link #close}.
 */
abstract sealed class OmniglotArchive implements Closeable {

    final String setName;
    final Path location;

    private OmniglotArchive(String setName, Path location) {
        this.setName = setName;
        this.location = location;
    }

    /**
     * @param dataDir the Omniglot folder
     * @param setName {@code images_background} or {@code images_evaluation}
     * @return the set, or null if neither {@code dataDir/setName/} nor {@code dataDir/setName.zip} exists
     * @throws DatasetException if the zip cannot be opened (truncated or corrupt), naming its path
     * @throws IOException if the folder cannot be listed
     */
    static OmniglotArchive open(Path dataDir, String setName) throws IOException {
        Path folder = dataDir.resolve(setName);
        if (Files.isDirectory(folder)) {
            return new Folder(setName, folder);
        }
        Path zip = dataDir.resolve(setName + ".zip");
        if (Files.isRegularFile(zip)) {
            return new Zip(setName, zip);
        }
        return null;
    }

    /**
     * @return {@code Alphabet/character} to the ids of its drawings, sorted by file name
     * @throws IOException if the listing fails
     */
    abstract Map<String, List<String>> characters() throws IOException;

    /**
     * @param entry a drawing's id from {@link #characters()}
     * @return the PNG file's bytes
     * @throws DatasetException if the entry cannot be read, naming it
     */
    abstract byte[] read(String entry) throws IOException;

    /**
     * @param entry a drawing's id
     * @return where the drawing is, for messages, e.g. {@code /data/images_background.zip!images_background/...}
     */
    abstract String where(String entry);

    static boolean isDrawing(String fileName) {
        return fileName.endsWith(".png") && !fileName.startsWith(".");
    }

    /** An extracted {@code <set>/} folder. */
    static final class Folder extends OmniglotArchive {

        Folder(String setName, Path location) {
            super(setName, location);
        }

        @Override
        Map<String, List<String>> characters() throws IOException {
            Map<String, List<String>> chars = new TreeMap<>();
            for (Path alphabet : sortedChildren(location)) {
                if (!Files.isDirectory(alphabet)) {
                    continue;
                }
                for (Path character : sortedChildren(alphabet)) {
                    if (!Files.isDirectory(character)) {
                        continue;
                    }
                    List<String> drawings = new ArrayList<>();
                    for (Path png : sortedChildren(character)) {
                        if (isDrawing(png.getFileName().toString()) && Files.isRegularFile(png)) {
                            drawings.add(location.relativize(png).toString().replace('\\', '/'));
                        }
                    }
                    if (!drawings.isEmpty()) {
                        chars.put(alphabet.getFileName() + "/" + character.getFileName(), drawings);
                    }
                }
            }
            return chars;
        }

        private static List<Path> sortedChildren(Path dir) throws IOException {
            List<Path> out = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                ds.forEach(out::add);
            }
            Collections.sort(out);
            return out;
        }

        @Override
        byte[] read(String entry) throws IOException {
            Path file = location.resolve(entry);
            try {
                return Files.readAllBytes(file);
            } catch (IOException e) {
                throw new DatasetException("cannot read Omniglot image " + file + ": " + e, e);
            }
        }

        @Override
        String where(String entry) {
            return location.resolve(entry).toString();
        }

        @Override
        public void close() {
            // Nothing held open.
        }
    }

    /** A {@code <set>.zip} holding the {@code <set>/} folder. */
    static final class Zip extends OmniglotArchive {

        private final ZipFile zip;

        Zip(String setName, Path location) throws DatasetException {
            super(setName, location);
            try {
                this.zip = new ZipFile(location.toFile());
            } catch (IOException e) {
                throw new DatasetException("cannot open Omniglot zip " + location + " (" + e.getMessage()
                        + "): it is truncated or corrupt; delete it and run "
                        + Omniglot.downloadCommand(location.getParent()), e);
            }
        }

        @Override
        Map<String, List<String>> characters() throws DatasetException {
            Map<String, List<String>> chars = new TreeMap<>();
            String prefix = setName + "/";
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                String name = e.getName();
                if (e.isDirectory() || !name.startsWith(prefix)) {
                    continue;
                }
                String[] parts = name.substring(prefix.length()).split("/");
                if (parts.length == 3 && isDrawing(parts[2])) {
                    chars.computeIfAbsent(parts[0] + "/" + parts[1], k -> new ArrayList<>()).add(name);
                }
            }
            if (chars.isEmpty()) {
                throw new DatasetException("Omniglot zip " + location + " holds no drawings in the official layout "
                        + prefix + "<Alphabet>/characterNN/NNNN_MM.png; delete it and run "
                        + Omniglot.downloadCommand(location.getParent()));
            }
            chars.values().forEach(Collections::sort);
            return chars;
        }

        @Override
        byte[] read(String entry) throws DatasetException {
            ZipEntry e = zip.getEntry(entry);
            try (InputStream in = zip.getInputStream(e)) {
                return in.readAllBytes();
            } catch (ZipException ex) {
                throw new DatasetException("cannot read " + where(entry) + " (" + ex.getMessage() + "): the zip is "
                        + "corrupt; delete it and run " + Omniglot.downloadCommand(location.getParent()), ex);
            } catch (IOException ex) {
                throw new DatasetException("cannot read " + where(entry) + " (" + ex + "): the zip is truncated or "
                        + "corrupt; delete it and run " + Omniglot.downloadCommand(location.getParent()), ex);
            }
        }

        @Override
        String where(String entry) {
            return location + "!" + entry;
        }

        @Override
        public void close() throws IOException {
            zip.close();
        }
    }
}
