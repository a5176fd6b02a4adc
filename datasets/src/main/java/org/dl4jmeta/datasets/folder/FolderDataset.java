package org.dl4jmeta.datasets.folder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import org.dl4jmeta.datasets.DatasetException;
import org.dl4jmeta.datasets.ImageCheck;
import org.dl4jmeta.datasets.ParallelItems;
import org.dl4jmeta.datasets.SplitSummary;
import org.dl4jmeta.datasets.episode.InMemoryClassImageSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A user's own labelled images as a few-shot data set:
 * <pre>
 * ROOT/&lt;class&gt;/&lt;image&gt;      any size, grey or colour, any format of {@link ImageFiles#EXTENSIONS}
 * ROOT/{train,val,test}.txt       optional split files, one class folder name per line ({@link FolderSplit})
 * </pre>
 * Classes are the visible subfolders in name order, images the image files of each in name order. Each split's
 * images are converted once to the network's input ({@link ImageConverter}: {@code imageSize x imageSize}, 1 or 3
 * channels, area-averaged, {@link PixelConvention}) on all cores and cached on disk ({@code FolderConfig.cacheDir},
 * by default {@code ROOT/.dl4jmeta-cache}), so later loads read one file.
 *
 * <p>The cache of a split is keyed by a SHA-256 over the format version, the split, the image shape and convention,
 * the split's class names and, per image, its path relative to the root, size in bytes and modification time in
 * milliseconds: adding, removing, renaming or rewriting an image (a write changes its modification time) or a split
 * file's class list selects another key, so a changed folder is decoded again and the old cache file removed.
 * Content is not hashed (hashing every image would cost about as much as reading it); a file rewritten with
 * identical size and modification time restored on purpose is not noticed. The cache file also carries a
 * CRC-32C, and a corrupt, truncated or foreign file is deleted and rebuilt; see {@code FolderCache}.
 *
 * <p>Episodes come from {@link org.dl4jmeta.datasets.episode.EpisodeSampler} over a loaded split, named
 * {@code folder/<split>}, so they are a pure function of (seed, split, index) exactly as Omniglot's.
 *
 * <p>Call order: {@link #open} (lists the folder and resolves the split, no decoding), then any of
 * {@link #describe}, {@link #classes}, {@link #load}, {@link #verifyImages}. Instances are immutable; the listing is
 * taken at {@code open}.
 */
public final class FolderDataset {

    private static final Logger LOG = LoggerFactory.getLogger(FolderDataset.class);

    private final FolderConfig config;
    private final List<String> classNames;
    private final List<List<Path>> files;
    private final Map<String, List<Integer>> splits;

    private FolderDataset(FolderConfig config, List<String> classNames, List<List<Path>> files,
                          Map<String, List<Integer>> splits) {
        this.config = config;
        this.classNames = classNames;
        this.files = files;
        this.splits = splits;
    }

    /**
     * Lists a folder data set and resolves its split.
     *
     * @param config the folder, image shape, split and cache
     * @return the data set
     * @throws DatasetException if the folder does not exist or has no class folders (layout shown), or a split
     *     file is missing, names an unknown class, lists a class twice or a class of another split, or is empty
     *     (file, line and value named), or the ratios leave a split without classes
     * @throws IOException if listing fails otherwise
     */
    public static FolderDataset open(FolderConfig config) throws IOException {
        Objects.requireNonNull(config, "config");
        Path root = config.root();
        if (!Files.isDirectory(root)) {
            throw new DatasetException("folder data set " + root + (Files.exists(root) ? " is not a folder"
                    : " does not exist") + ". " + layoutHelp(root));
        }
        List<Path> folders = ImageFiles.classFolders(root);
        if (folders.isEmpty()) {
            throw new DatasetException("folder data set " + root + " has no class folders. " + layoutHelp(root));
        }
        List<String> names = new ArrayList<>();
        List<List<Path>> files = new ArrayList<>();
        for (Path f : folders) {
            names.add(f.getFileName().toString());
            files.add(ImageFiles.imageFiles(f, p -> LOG.debug("skipping {}: not an image extension", p)));
        }
        Map<String, List<Integer>> splits = config.split().kind() == FolderSplit.Kind.FILES
                ? fromFiles(root, config.split().dir() == null ? root : config.split().dir(), names)
                : fromRatios(root, config.split(), names.size());
        return new FolderDataset(config, List.copyOf(names), List.copyOf(files), splits);
    }

    /** @return the configuration */
    public FolderConfig config() {
        return config;
    }

    /**
     * @param split train, val or test
     * @return the split's class names, in class order
     * @throws IllegalArgumentException if split is not train, val or test
     */
    public List<String> classes(String split) {
        return splits.get(FolderSplit.checkSplit(split)).stream().map(classNames::get).toList();
    }

    /**
     * @param split train, val or test
     * @return per class of the split (in class order), its number of images
     * @throws IllegalArgumentException if split is not train, val or test
     */
    public Map<String, Integer> imageCounts(String split) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int c : splits.get(FolderSplit.checkSplit(split))) {
            m.put(classNames.get(c), files.get(c).size());
        }
        return m;
    }

    /**
     * Counts classes and images per split from the listing, without decoding.
     *
     * @return one summary per split: train, val, test
     */
    public List<SplitSummary> describe() {
        List<SplitSummary> out = new ArrayList<>();
        for (String s : FolderSplit.SPLITS) {
            long images = 0;
            for (int c : splits.get(s)) {
                images += files.get(c).size();
            }
            out.add(new SplitSummary(s, splits.get(s).size(), images));
        }
        return out;
    }

    /**
     * Loads every class of a split; a class without images is an error.
     *
     * @param split train, val or test
     * @return the split's images
     * @throws DatasetException as for {@link #load(String, int, boolean)} with one image per class
     * @throws IOException if reading fails otherwise
     */
    public FolderImages load(String split) throws IOException {
        return load(split, 1, false);
    }

    /**
     * Loads a split into memory, from the cache when it is valid, else by decoding every image (then caching).
     *
     * @param split train, val or test
     * @param minImages the images an episode needs of each class (shots + queries), {@code >= 1}
     * @param excludeSmall true: leave out the classes with fewer images (logged as a warning naming each, and
     *     listed by {@link FolderImages#excluded()}); false: such classes are an error
     * @return the split's images, named {@code folder/<split>}
     * @throws IllegalArgumentException if split is not train, val or test, or minImages &lt; 1
     * @throws DatasetException if a class has too few images (every such class named with its count, and the
     *     fixes), no class is left, an image cannot be read or decoded (file named), or the cache cannot be written
     * @throws IOException if reading fails otherwise
     */
    public FolderImages load(String split, int minImages, boolean excludeSmall) throws IOException {
        String s = FolderSplit.checkSplit(split);
        if (minImages < 1) {
            throw new IllegalArgumentException("minImages must be >= 1, got " + minImages);
        }
        List<Integer> kept = new ArrayList<>();
        Map<String, Integer> small = new LinkedHashMap<>();
        for (int c : splits.get(s)) {
            if (files.get(c).size() < minImages) {
                small.put(classNames.get(c), files.get(c).size());
            } else {
                kept.add(c);
            }
        }
        if (!small.isEmpty() && !excludeSmall) {
            throw new DatasetException("folder data set " + config.root() + ", split " + s + ": " + small.size()
                    + (small.size() == 1 ? " class has" : " classes have") + " fewer than the " + minImages
                    + " images an episode needs per class (shots + queries): " + describeCounts(small)
                    + ". Add images to " + (small.size() == 1 ? "it" : "them") + ", lower --shots or --queries, or "
                    + "leave such classes out with --exclude-small-classes");
        }
        if (!small.isEmpty()) {
            LOG.warn("folder data set {}, split {}: excluding {} with fewer than {} images: {}", config.root(), s,
                    small.size() == 1 ? "1 class" : small.size() + " classes", minImages, describeCounts(small));
        }
        if (kept.isEmpty()) {
            throw new DatasetException("folder data set " + config.root() + ", split " + s + " has no class with at "
                    + "least " + minImages + " images (shots + queries) left: " + describeCounts(small)
                    + "; add images or lower --shots or --queries");
        }
        List<String> names = kept.stream().map(classNames::get).toList();
        int[] counts = kept.stream().mapToInt(c -> files.get(c).size()).toArray();
        int size = config.imageSize();
        int ch = config.channels();
        FolderCache cache = config.useCache() ? new FolderCache(config.cacheDir(), s, ch, size, size,
                config.convention().id(), key(s, kept)) : null;
        String name = "folder/" + s;
        if (cache != null) {
            float[][] cached = cache.read(names, counts);
            if (cached != null) {
                LOG.info("folder data set {} split {}: read {} classes from the cache {}", config.root(), s,
                        names.size(), cache.file());
                return new FolderImages(new InMemoryClassImageSet(name, names, ch, size, size, cached), true, small);
            }
        }
        float[][] pixels = decode(kept);
        if (cache != null) {
            cache.write(names, pixels);
        }
        return new FolderImages(new InMemoryClassImageSet(name, names, ch, size, size, pixels), false, small);
    }

    /**
     * Decodes every image of the train, val and test splits' classes (as {@link #load} would, without the cache)
     * and reports the ones that fail instead of stopping at the first.
     *
     * @return how many images were decoded and, per bad one in class and file order, its error naming the file
     * @throws IOException if decoding is interrupted
     */
    public ImageCheck verifyImages() throws IOException {
        List<Path> all = new ArrayList<>();
        for (String s : FolderSplit.SPLITS) {
            for (int c : splits.get(s)) {
                all.addAll(files.get(c));
            }
        }
        String[] bad = new String[all.size()];
        ParallelItems.forEach("folder images", all.size(), this::converter, (conv, item) -> {
            try {
                conv.convert(all.get(item));
            } catch (DatasetException e) {
                bad[item] = e.getMessage();
            }
        });
        List<String> problems = new ArrayList<>();
        for (String b : bad) {
            if (b != null) {
                problems.add(b);
            }
        }
        return new ImageCheck(all.size(), problems);
    }

    private ImageConverter converter() {
        return new ImageConverter(config.channels(), config.imageSize(), config.imageSize(), config.convention());
    }

    private float[][] decode(List<Integer> classes) throws IOException {
        int len = config.channels() * config.imageSize() * config.imageSize();
        float[][] pixels = new float[classes.size()][];
        List<int[]> items = new ArrayList<>();
        for (int k = 0; k < classes.size(); k++) {
            int n = files.get(classes.get(k)).size();
            pixels[k] = new float[Math.multiplyExact(n, len)];
            for (int i = 0; i < n; i++) {
                items.add(new int[] {k, i});
            }
        }
        LOG.info("folder data set {}: decoding {} images of {} classes", config.root(), items.size(),
                classes.size());
        ParallelItems.forEach("folder images", items.size(), this::converter, (conv, item) -> {
            int k = items.get(item)[0];
            int i = items.get(item)[1];
            conv.convert(files.get(classes.get(k)).get(i), pixels[k], i * len);
        });
        return pixels;
    }

    /** SHA-256 over everything a split's decoded pixels depend on. */
    private byte[] key(String split, List<Integer> classes) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
        md.update(("dl4j-meta folder cache v1\n" + split + "\n" + config.channels() + "x" + config.imageSize() + "x"
                + config.imageSize() + "\n" + config.convention().id() + "\n").getBytes(StandardCharsets.UTF_8));
        for (int c : classes) {
            md.update(("class\t" + classNames.get(c) + "\n").getBytes(StandardCharsets.UTF_8));
            for (Path f : files.get(c)) {
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(f, BasicFileAttributes.class);
                } catch (IOException e) {
                    throw new DatasetException("cannot read image " + f + " of folder data set " + config.root()
                            + ": " + e, e);
                }
                md.update((config.root().relativize(f) + "\t" + a.size() + "\t" + a.lastModifiedTime().toMillis()
                        + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        return md.digest();
    }

    private static String describeCounts(Map<String, Integer> counts) {
        List<String> parts = new ArrayList<>();
        counts.forEach((k, v) -> parts.add("'" + k + "' (" + v + (v == 1 ? " image)" : " images)")));
        return String.join(", ", parts);
    }

    private static Map<String, List<Integer>> fromRatios(Path root, FolderSplit split, int n)
            throws DatasetException {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(split.seed());
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int nVal = (int) Math.round(split.ratios().get(1) * n);
        int nTest = (int) Math.round(split.ratios().get(2) * n);
        int nTrain = n - nVal - nTest;
        int[] sizes = {nTrain, nVal, nTest};
        Map<String, List<Integer>> m = new LinkedHashMap<>();
        int at = 0;
        for (int s = 0; s < 3; s++) {
            if (sizes[s] < 1) {
                throw new DatasetException("split ratios " + split.ratios() + " give split "
                        + FolderSplit.SPLITS.get(s) + " no class of the " + n + " class folders of " + root
                        + "; every split needs a class: add class folders or change --split-ratios");
            }
            List<Integer> members = new ArrayList<>();
            for (int k = 0; k < sizes[s]; k++) {
                members.add(order[at++]);
            }
            members.sort(null);
            m.put(FolderSplit.SPLITS.get(s), List.copyOf(members));
        }
        return m;
    }

    private static Map<String, List<Integer>> fromFiles(Path root, Path dir, List<String> names) throws IOException {
        Map<String, Integer> index = new LinkedHashMap<>();
        for (int c = 0; c < names.size(); c++) {
            index.put(names.get(c), c);
        }
        Map<String, List<Integer>> m = new LinkedHashMap<>();
        Map<String, String> where = new LinkedHashMap<>();
        for (String s : FolderSplit.SPLITS) {
            Path file = dir.resolve(s + ".txt");
            if (!Files.isRegularFile(file)) {
                throw new DatasetException("split file " + file + " not found; a split from files needs train.txt, "
                        + "val.txt and test.txt in " + dir + ", one class folder name per line (or use seeded "
                        + "ratios, --split-ratios 0.64,0.16,0.20)");
            }
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            List<Integer> members = new ArrayList<>();
            for (int l = 0; l < lines.size(); l++) {
                String text = lines.get(l).strip();
                if (l == 0 && text.startsWith("\uFEFF")) {
                    text = text.substring(1).strip();
                }
                if (text.isEmpty() || text.startsWith("#")) {
                    continue;
                }
                if (text.endsWith("/")) {
                    text = text.substring(0, text.length() - 1);
                }
                String here = file + " line " + (l + 1);
                Integer c = index.get(text);
                if (c == null) {
                    throw new DatasetException("split file " + here + ": unknown class '" + text + "' (no class "
                            + "folder " + root.resolve(text) + "; class folders: " + sample(names) + ")");
                }
                String before = where.putIfAbsent(text, here);
                if (before != null) {
                    throw new DatasetException("class '" + text + "' is listed in both " + before + " and " + here
                            + "; a class in two splits leaks one split into the other (or is counted twice): list "
                            + "each class once");
                }
                members.add(c);
            }
            if (members.isEmpty()) {
                throw new DatasetException("split file " + file + " lists no class; every split needs at least one "
                        + "class folder name");
            }
            members.sort(null);
            m.put(s, List.copyOf(members));
        }
        int unused = names.size() - where.size();
        if (unused > 0) {
            LOG.info("folder data set {}: {} class folders are in no split file and are not used", root, unused);
        }
        return m;
    }

    private static String sample(List<String> names) {
        return names.size() <= 10 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 10)) + ", ... (" + names.size() + " in all)";
    }

    /**
     * @param root the data folder
     * @return the expected layout, for messages
     */
    static String layoutHelp(Path root) {
        return "Expected a folder with one subfolder of images per class:\n"
                + "  " + root.resolve("<class>") + "/<image>   (" + ImageFiles.extensionList() + ")\n"
                + "  optional split files " + root + "/{train,val,test}.txt, one class folder name per line";
    }
}
