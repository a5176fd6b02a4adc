package org.dl4jmeta.datasets.omniglot;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.dl4jmeta.datasets.DatasetException;
import org.dl4jmeta.datasets.ImageCheck;
import org.dl4jmeta.datasets.ParallelItems;
import org.dl4jmeta.datasets.SplitSummary;

/**
 * Omniglot (Lake, Salakhutdinov, Tenenbaum 2015, "Human-level concept learning through probabilistic program
 * induction") read from its official layout in one folder:
 * <pre>
 * DIR/images_background/&lt;Alphabet&gt;/characterNN/NNNN_MM.png   or DIR/images_background.zip
 * DIR/images_evaluation/&lt;Alphabet&gt;/characterNN/NNNN_MM.png   or DIR/images_evaluation.zip
 * DIR/splits/vinyals/{train,val,test,trainval}.txt             (for the Vinyals split)
 * </pre>
 * The zips may be the official ones or any pixel-identical rebuild: local files are not checksummed (only
 * {@link OmniglotDownload} verifies what it fetches). An extracted folder takes precedence over its zip.
 *
 * <p>{@link #load} decodes each drawing of the split's characters once, on all cores, and keeps 28x28 ink images
 * (strokes 1, background 0; 105x105 resized by area averaging) in one float array; see {@link OmniglotImages}.
 * The whole Vinyals split (32,460 drawings) loads in a few seconds. {@link #describe} counts classes and images
 * from the file listings alone, without decoding.
 *
 * <p>Instances are immutable; each call opens and closes the files it needs.
 */
public final class Omniglot {

    /** Name of the background set's folder (and, with {@code .zip}, of its zip). */
    public static final String BACKGROUND = "images_background";
    /** Name of the evaluation set's folder (and, with {@code .zip}, of its zip). */
    public static final String EVALUATION = "images_evaluation";
    /** Side of the stored images. */
    public static final int IMAGE_SIZE = OmniglotDecoder.SIZE;
    /**
     * The background alphabets held out for validation in Lake's scheme: every sixth of the 30 background alphabets
     * in name order (the 6th, 12th, 18th, 24th and 30th), 24 + 22 + 16 + 41 + 55 = 158 characters, fixed by name
     * so that a partial copy of the background set splits the same way.
     */
    public static final List<String> LAKE_VALIDATION_ALPHABETS = List.of("Balinese", "Early_Aramaic",
            "Inuktitut_(Canadian_Aboriginal_Syllabics)", "Mkhedruli_(Georgian)", "Tifinagh");

    private final Path dataDir;

    private Omniglot(Path dataDir) {
        this.dataDir = dataDir;
    }

    /**
     * Opens the Omniglot folder.
     *
     * @param dataDir the folder holding {@code images_background[.zip]}, {@code images_evaluation[.zip]} and
     *     {@code splits/}
     * @return the data set
     * @throws DatasetException if dataDir is not a folder or holds neither image set; the message shows the
     *     expected layout and the download command
     */
    public static Omniglot at(Path dataDir) throws DatasetException {
        Objects.requireNonNull(dataDir, "dataDir");
        if (!Files.isDirectory(dataDir)) {
            throw new DatasetException("Omniglot folder " + dataDir + " does not exist. " + layoutHelp(dataDir));
        }
        if (!hasSet(dataDir, BACKGROUND) && !hasSet(dataDir, EVALUATION)) {
            throw new DatasetException("Omniglot images not found in " + dataDir + ". " + layoutHelp(dataDir));
        }
        return new Omniglot(dataDir);
    }

    private static boolean hasSet(Path dir, String set) {
        return Files.isDirectory(dir.resolve(set)) || Files.isRegularFile(dir.resolve(set + ".zip"));
    }

    /** @return the Omniglot folder */
    public Path dataDir() {
        return dataDir;
    }

    /**
     * Loads one split into memory.
     *
     * @param scheme VINYALS or LAKE
     * @param split one of {@code scheme.loadableSplits()}
     * @return the split's images, named {@code omniglot/<scheme>/<split>}
     * @throws IllegalArgumentException if the scheme has no such split
     * @throws DatasetException if an image set or split file is missing (layout and download command shown), a
     *     split file line is malformed or names an unknown character (file and line named), or a zip or image is
     *     unreadable (its path named), or a Lake split has no characters (e.g. none of the validation alphabets)
     * @throws IOException if reading fails otherwise
     */
    public OmniglotImages load(OmniglotScheme scheme, String split) throws IOException {
        scheme.checkSplit(split);
        if (scheme == OmniglotScheme.VINYALS) {
            requireDisjoint(split);
            return loadVinyals(splitFile(split), "omniglot/vinyals/" + split);
        }
        try (Index index = Index.open(dataDir, List.of(lakeSet(split)))) {
            List<ClassSpec> classes = lakeClasses(split, index);
            if (classes.isEmpty()) {
                throw new DatasetException("Omniglot Lake split " + split + " has no characters in " + dataDir
                        + (split.equals("val") ? ": none of its validation alphabets " + LAKE_VALIDATION_ALPHABETS
                        + " is in " + BACKGROUND : "") + ". " + layoutHelp(dataDir));
            }
            return build("omniglot/lake/" + split, classes, index);
        }
    }

    private static String lakeSet(String split) {
        return split.equals("test") || split.equals("evaluation") ? EVALUATION : BACKGROUND;
    }

    /** The characters of a Lake split, in name order: whole sets, or the background set split by alphabet. */
    private static List<ClassSpec> lakeClasses(String split, Index index) {
        List<ClassSpec> classes = new ArrayList<>();
        for (String character : index.characters.keySet()) {
            boolean held = LAKE_VALIDATION_ALPHABETS.contains(alphabetOf(character));
            if ((split.equals("train") && held) || (split.equals("val") && !held)) {
                continue;
            }
            classes.add(new ClassSpec(character, 0, character));
        }
        return classes;
    }

    /**
     * @param className a class name, {@code Alphabet/characterNN} or {@code Alphabet/characterNN/rotDDD}
     * @return its alphabet, the part before the first {@code /}
     */
    public static String alphabetOf(String className) {
        int slash = className.indexOf('/');
        return slash < 0 ? className : className.substring(0, slash);
    }

    /**
     * Loads the classes listed in a split file of the Vinyals format ({@code Alphabet/characterNN/rotDDD} per line)
     * from anywhere, e.g. a custom split.
     *
     * @param splitFile the split file
     * @param name the split's name, part of every episode's seed (the official files load as
     *     {@code omniglot/vinyals/<split>})
     * @return the split's images
     * @throws DatasetException as for {@link #load}
     * @throws IOException if reading fails otherwise
     */
    public OmniglotImages loadVinyals(Path splitFile, String name) throws IOException {
        Objects.requireNonNull(name, "name");
        List<VinyalsSplitFile.Line> lines = VinyalsSplitFile.read(splitFile, dataDir);
        try (Index index = Index.open(dataDir, List.of(BACKGROUND, EVALUATION))) {
            return build(name, resolve(splitFile, lines, index), index);
        }
    }

    /**
     * Counts the classes and images of every split of a scheme from the file listings, without decoding images.
     *
     * @param scheme VINYALS or LAKE
     * @return one summary per split, in {@code scheme.loadableSplits()} order (Lake: train, val, test, then the
     *     whole background and evaluation sets)
     * @throws DatasetException as for {@link #load}
     * @throws IOException if reading fails otherwise
     */
    public List<SplitSummary> describe(OmniglotScheme scheme) throws IOException {
        List<SplitSummary> out = new ArrayList<>();
        if (scheme == OmniglotScheme.VINYALS) {
            try (Index index = Index.open(dataDir, List.of(BACKGROUND, EVALUATION))) {
                for (String split : scheme.splits()) {
                    requireDisjoint(split);
                    Path file = splitFile(split);
                    List<ClassSpec> classes = resolve(file, VinyalsSplitFile.read(file, dataDir), index);
                    out.add(new SplitSummary(split, classes.size(), countImages(classes, index)));
                }
            }
        } else {
            for (String split : scheme.loadableSplits()) {
                try (Index index = Index.open(dataDir, List.of(lakeSet(split)))) {
                    List<ClassSpec> classes = lakeClasses(split, index);
                    out.add(new SplitSummary(split, classes.size(), countImages(classes, index)));
                }
            }
        }
        return out;
    }

    /**
     * Verifies every drawing of both image sets (what either scheme reads) by decoding it as {@link #load} would,
     * and reports the ones that fail instead of stopping at the first.
     *
     * @return how many drawings were decoded and, per bad one in set and file order, its error naming the file
     * @throws DatasetException if an image set is missing or a zip cannot be opened
     * @throws IOException if listing fails otherwise
     */
    public ImageCheck verifyImages() throws IOException {
        try (Index index = Index.open(dataDir, List.of(BACKGROUND, EVALUATION))) {
            List<Located> located = new ArrayList<>(index.characters.values());
            String[][] problems = new String[located.size()][];
            ParallelItems.forEach("Omniglot images", located.size(), OmniglotDecoder::new, (decoder, ch) -> {
                Located loc = located.get(ch);
                float[] scratch = new float[IMAGE_SIZE * IMAGE_SIZE];
                List<String> bad = new ArrayList<>();
                for (String drawing : loc.drawings) {
                    try {
                        byte[] png;
                        synchronized (loc.archive) {
                            png = loc.archive.read(drawing);
                        }
                        decoder.decode(png, loc.archive.where(drawing), scratch, 0);
                    } catch (IOException e) {
                        bad.add(e.getMessage());
                    }
                }
                problems[ch] = bad.toArray(String[]::new);
            });
            long images = located.stream().mapToLong(l -> l.drawings.size()).sum();
            List<String> all = new ArrayList<>();
            for (String[] p : problems) {
                all.addAll(List.of(p));
            }
            return new ImageCheck(images, all);
        }
    }

    /**
     * The splits that must not share a character with a given Vinyals split: test with every other, train with
     * val; trainval is train followed by val by definition, so it overlaps those two.
     */
    private static List<String> mustNotShare(String split) {
        return switch (split) {
            case "train" -> List.of("val", "test");
            case "val" -> List.of("train", "test");
            case "trainval" -> List.of("test");
            default -> List.of("train", "val", "trainval");
        };
    }

    /**
     * Refuses a class (or another rotation of its character) of a split that another split lists too: evaluating
     * on classes seen in training would overstate accuracy. Split files that are absent are not compared.
     */
    private void requireDisjoint(String split) throws DatasetException {
        Path file = splitFile(split);
        if (!Files.isRegularFile(file)) {
            return;
        }
        Map<String, VinyalsSplitFile.Line> mine = new LinkedHashMap<>();
        for (VinyalsSplitFile.Line l : VinyalsSplitFile.read(file, dataDir)) {
            mine.putIfAbsent(l.character(), l);
        }
        for (String other : mustNotShare(split)) {
            Path otherFile = splitFile(other);
            if (!Files.isRegularFile(otherFile)) {
                continue;
            }
            for (VinyalsSplitFile.Line l : VinyalsSplitFile.read(otherFile, dataDir)) {
                VinyalsSplitFile.Line m = mine.get(l.character());
                if (m != null) {
                    String what = m.text().equals(l.text()) ? "class '" + m.text() + "' is listed in both "
                            + file + " (line " + m.line() + ") and " + otherFile + " (line " + l.line() + ")"
                            : "character '" + m.character() + "' is in both " + file + " (line " + m.line() + ", '"
                            + m.text() + "') and " + otherFile + " (line " + l.line() + ", '" + l.text() + "')";
                    throw new DatasetException("Omniglot " + what + "; a class in two splits leaks one split into "
                            + "the other: keep each character in one split only (the official files are disjoint: "
                            + downloadCommand(dataDir) + ")");
                }
            }
        }
    }

    private Path splitFile(String split) {
        return dataDir.resolve("splits").resolve("vinyals").resolve(split + ".txt");
    }

    private static long countImages(List<ClassSpec> classes, Index index) {
        long n = 0;
        for (ClassSpec c : classes) {
            n += index.characters.get(c.character).drawings.size();
        }
        return n;
    }

    private List<ClassSpec> resolve(Path splitFile, List<VinyalsSplitFile.Line> lines, Index index)
            throws DatasetException {
        List<ClassSpec> classes = new ArrayList<>(lines.size());
        for (VinyalsSplitFile.Line l : lines) {
            if (!index.characters.containsKey(l.character())) {
                throw new DatasetException("Omniglot split file " + splitFile + " line " + l.line()
                        + ": unknown character '" + l.character() + "' (in neither " + BACKGROUND + " nor "
                        + EVALUATION + " of " + dataDir + "); check the split file or restore the images with "
                        + downloadCommand(dataDir));
            }
            classes.add(new ClassSpec(l.character(), l.quarterTurns(), l.text()));
        }
        return classes;
    }

    /** Decodes the drawings of the classes' characters (each once) and assembles the split. */
    private static OmniglotImages build(String name, List<ClassSpec> classes, Index index) throws IOException {
        Map<String, Integer> characterIndex = new LinkedHashMap<>();
        int[] classCharacter = new int[classes.size()];
        int[] classTurns = new int[classes.size()];
        List<String> classNames = new ArrayList<>(classes.size());
        for (int c = 0; c < classes.size(); c++) {
            ClassSpec spec = classes.get(c);
            Integer ch = characterIndex.get(spec.character);
            if (ch == null) {
                ch = characterIndex.size();
                characterIndex.put(spec.character, ch);
            }
            classCharacter[c] = ch;
            classTurns[c] = spec.quarterTurns;
            classNames.add(spec.name);
        }
        int numChars = characterIndex.size();
        int[] first = new int[numChars];
        int[] count = new int[numChars];
        List<Located> located = new ArrayList<>(numChars);
        int total = 0;
        for (String character : characterIndex.keySet()) {
            Located loc = index.characters.get(character);
            int ch = located.size();
            located.add(loc);
            first[ch] = total;
            count[ch] = loc.drawings.size();
            total += count[ch];
        }
        // Reading the archives is sequential I/O; decoding is CPU-bound and runs on all cores.
        byte[][] files = new byte[total][];
        for (int ch = 0; ch < numChars; ch++) {
            Located loc = located.get(ch);
            for (int i = 0; i < count[ch]; i++) {
                files[first[ch] + i] = loc.archive.read(loc.drawings.get(i));
            }
        }
        int pixelsPerImage = IMAGE_SIZE * IMAGE_SIZE;
        float[] pixels = new float[Math.multiplyExact(total, pixelsPerImage)];
        decodeAll(files, located, first, count, pixels);
        return new OmniglotImages(name, classNames, classCharacter, classTurns, first, count, pixels);
    }

    private static void decodeAll(byte[][] files, List<Located> located, int[] first, int[] count, float[] pixels)
            throws IOException {
        // one character per work item; each worker owns a decoder
        ParallelItems.forEach("Omniglot images", located.size(), OmniglotDecoder::new, (decoder, ch) -> {
            Located loc = located.get(ch);
            for (int i = 0; i < count[ch]; i++) {
                int img = first[ch] + i;
                decoder.decode(files[img], loc.archive.where(loc.drawings.get(i)), pixels,
                        img * IMAGE_SIZE * IMAGE_SIZE);
            }
        });
    }

    /**
     * @param dir the Omniglot folder
     * @return the expected layout and the download command, for messages
     */
    static String layoutHelp(Path dir) {
        return "Expected Omniglot's official layout:\n"
                + "  " + dir.resolve(BACKGROUND) + "/<Alphabet>/characterNN/NNNN_MM.png  (or " + BACKGROUND
                + ".zip)\n"
                + "  " + dir.resolve(EVALUATION) + "/<Alphabet>/characterNN/NNNN_MM.png  (or " + EVALUATION
                + ".zip)\n"
                + "  " + dir.resolve("splits/vinyals") + "/{train,val,test,trainval}.txt\n"
                + "Download it with: " + downloadCommand(dir);
    }

    /**
     * @param dir the Omniglot folder
     * @return the command that downloads Omniglot into it
     */
    static String downloadCommand(Path dir) {
        return "java -jar dl4j-meta.jar download --dataset omniglot --data-dir " + dir;
    }

    /** A class to load: a character, its rotation and its name. */
    private record ClassSpec(String character, int quarterTurns, String name) {
    }

    /** Where a character's drawings are. */
    private record Located(OmniglotArchive archive, List<String> drawings) {
    }

    /** The characters of the open image sets, in name order. */
    private static final class Index implements Closeable {
        final List<OmniglotArchive> archives;
        final Map<String, Located> characters;

        private Index(List<OmniglotArchive> archives, Map<String, Located> characters) {
            this.archives = archives;
            this.characters = characters;
        }

        static Index open(Path dataDir, List<String> sets) throws IOException {
            List<OmniglotArchive> archives = new ArrayList<>();
            try {
                Map<String, Located> chars = new TreeMap<>();
                for (String set : sets) {
                    OmniglotArchive a = OmniglotArchive.open(dataDir, set);
                    if (a == null) {
                        throw new DatasetException("Omniglot image set " + set + " not found in " + dataDir
                                + " (neither " + set + "/ nor " + set + ".zip). " + layoutHelp(dataDir));
                    }
                    archives.add(a);
                    for (Map.Entry<String, List<String>> e : a.characters().entrySet()) {
                        Located prev = chars.putIfAbsent(e.getKey(), new Located(a, e.getValue()));
                        if (prev != null) {
                            throw new DatasetException("Omniglot character '" + e.getKey() + "' is in both "
                                    + prev.archive.location + " and " + a.location + "; keep it in one set only");
                        }
                    }
                }
                return new Index(archives, chars);
            } catch (IOException | RuntimeException e) {
                for (OmniglotArchive a : archives) {
                    try {
                        a.close();
                    } catch (IOException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            IOException first = null;
            for (OmniglotArchive a : archives) {
                try {
                    a.close();
                } catch (IOException e) {
                    if (first == null) {
                        first = e;
                    } else {
                        first.addSuppressed(e);
                    }
                }
            }
            if (first != null) {
                throw first;
            }
        }
    }
}
