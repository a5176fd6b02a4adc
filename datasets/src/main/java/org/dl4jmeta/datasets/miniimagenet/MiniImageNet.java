package org.dl4jmeta.datasets.miniimagenet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.dl4jmeta.datasets.DatasetException;
import org.dl4jmeta.datasets.ImageCheck;
import org.dl4jmeta.datasets.ParallelItems;
import org.dl4jmeta.datasets.SplitSummary;

/**
 * Mini-ImageNet (Vinyals et al. 2016, "Matching Networks for One Shot Learning") with the split of Ravi and
 * Larochelle 2017 (64 / 16 / 20 classes of 600 images), read from a user's copy in one folder:
 * <pre>
 * DIR/splits/ravi/{train,val,test}.csv   or DIR/{train,val,test}.csv     (header filename,label)
 * DIR/images/&lt;filename&gt;                  (one folder, as usually distributed)
 *   or DIR/images/&lt;label&gt;/&lt;filename&gt;, DIR/&lt;split&gt;/&lt;filename&gt;, DIR/&lt;split&gt;/&lt;label&gt;/&lt;filename&gt;
 * </pre>
 * The images are crops of ImageNet under ImageNet's non-commercial terms, so the project does not distribute or
 * download them. They are decoded with DataVec's {@code NativeImageLoader} on all cores, resized to 84x84 if needed
 * and kept as 8-bit RGB, normalised to [0, 1] when episodes are built ({@link MiniImageNetImages}). The decoded split
 * is cached on disk ({@code <dataDir>/.dl4jmeta-cache} by default), keyed by a checksum of the CSV and of the image
 * files' names, sizes and modification times, so the second load reads one file.
 */
public final class MiniImageNet {

    private MiniImageNet() {
    }

    /**
     * Loads one split into memory, from the cache if it holds this exact split.
     *
     * @param config folder, split, image size and cache settings
     * @return the split's images, named {@code miniimagenet/ravi/<split>}
     * @throws DatasetException if the folder, CSV or an image is missing (layout shown), the CSV is malformed (file
     *     and line named), an image is truncated or unreadable (path named), or the cache cannot be written
     * @throws IOException if reading fails otherwise
     */
    public static MiniImageNetImages load(MiniImageNetConfig config) throws IOException {
        Resolved r = resolve(config.dataDir(), config.split());
        List<String> labels = new ArrayList<>(r.csv.classes().keySet());
        int[] counts = r.csv.classes().values().stream().mapToInt(List::size).toArray();
        String name = "miniimagenet/ravi/" + config.split();
        ImageCache cache = config.useCache()
                ? new ImageCache(config.cacheDir(), config.split(), config.imageSize(), key(r, config)) : null;
        if (cache != null) {
            byte[][] cached = cache.read(labels, counts, config.imageSize());
            if (cached != null) {
                return new MiniImageNetImages(name, labels, config.imageSize(), cached, true);
            }
        }
        byte[][] pixels = decodeAll(r, labels, config.imageSize());
        if (cache != null) {
            cache.write(labels, pixels, config.imageSize());
        }
        return new MiniImageNetImages(name, labels, config.imageSize(), pixels, false);
    }

    /**
     * Counts the classes and images of the train, val and test splits from the CSVs, checking that every image
     * file exists, without decoding.
     *
     * @param dataDir the Mini-ImageNet folder
     * @return one summary per split: train, val, test
     * @throws DatasetException as for {@link #load}
     */
    public static List<SplitSummary> describe(Path dataDir) throws DatasetException {
        List<SplitSummary> out = new ArrayList<>();
        for (String split : MiniImageNetConfig.SPLITS) {
            Resolved r = resolve(dataDir, split);
            out.add(new SplitSummary(split, r.csv.classes().size(), r.csv.rows().size()));
        }
        return out;
    }

    /** A split's CSV and, per row, its image file and attributes. */
    private record Resolved(RaviSplitCsv csv, Path[] files, BasicFileAttributes[] attrs) {
    }

    private static Resolved resolve(Path dataDir, String split) throws DatasetException {
        Objects.requireNonNull(dataDir, "dataDir");
        if (!Files.isDirectory(dataDir)) {
            throw new DatasetException("Mini-ImageNet folder " + dataDir + " does not exist. " + layoutHelp(dataDir));
        }
        Path csvFile = csvFile(dataDir, split);
        if (csvFile == null) {
            throw new DatasetException("Mini-ImageNet split file " + split + ".csv not found in "
                    + dataDir.resolve("splits/ravi") + " or " + dataDir + ". " + layoutHelp(dataDir));
        }
        RaviSplitCsv csv = RaviSplitCsv.read(csvFile);
        requireDisjoint(dataDir, split, csv);
        List<RaviSplitCsv.Row> rows = csv.rows();
        RaviSplitCsv.Row first = rows.get(0);
        Layout layout = null;
        for (Layout l : Layout.values()) {
            if (Files.isRegularFile(l.path(dataDir, split, first))) {
                layout = l;
                break;
            }
        }
        if (layout == null) {
            throw new DatasetException("Mini-ImageNet images of split " + split + " not found: no "
                    + first.filename() + " (" + csvFile + " line " + first.line() + ") in any known layout. "
                    + layoutHelp(dataDir));
        }
        Path[] files = new Path[rows.size()];
        BasicFileAttributes[] attrs = new BasicFileAttributes[rows.size()];
        int missing = 0;
        RaviSplitCsv.Row firstMissing = null;
        for (int k = 0; k < rows.size(); k++) {
            files[k] = layout.path(dataDir, split, rows.get(k));
            try {
                attrs[k] = Files.readAttributes(files[k], BasicFileAttributes.class);
                if (!attrs[k].isRegularFile()) {
                    throw new IOException("not a regular file");
                }
            } catch (IOException e) {
                missing++;
                if (firstMissing == null) {
                    firstMissing = rows.get(k);
                }
            }
        }
        if (firstMissing != null) {
            throw new DatasetException("Mini-ImageNet image " + layout.path(dataDir, split, firstMissing)
                    + " listed on line " + firstMissing.line() + " of " + csvFile + " is missing (" + missing + " of "
                    + rows.size() + " images of split " + split + " are missing); restore them from your copy");
        }
        return new Resolved(csv, files, attrs);
    }

    /** @return the split's CSV, {@code splits/ravi/<split>.csv} or else {@code <split>.csv}, or null if neither */
    private static Path csvFile(Path dataDir, String split) {
        for (Path p : List.of(dataDir.resolve("splits/ravi/" + split + ".csv"), dataDir.resolve(split + ".csv"))) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Refuses a class (label) of a split that another split's CSV lists too: evaluating on classes seen in training
     * would overstate accuracy. Absent CSVs are not compared.
     */
    private static void requireDisjoint(Path dataDir, String split, RaviSplitCsv csv) throws DatasetException {
        for (String other : MiniImageNetConfig.SPLITS) {
            Path otherFile = other.equals(split) ? null : csvFile(dataDir, other);
            if (otherFile == null) {
                continue;
            }
            RaviSplitCsv o = RaviSplitCsv.read(otherFile);
            for (RaviSplitCsv.Row row : o.rows()) {
                List<Integer> mine = csv.classes().get(row.label());
                if (mine != null) {
                    throw new DatasetException("Mini-ImageNet class '" + row.label() + "' is listed in both "
                            + csv.file() + " (line " + csv.rows().get(mine.get(0)).line() + ") and " + otherFile
                            + " (line " + row.line() + "); a class in two splits leaks one split into the other: "
                            + "keep each class in one split only, as Ravi and Larochelle's CSVs do");
                }
            }
        }
    }

    /**
     * Verifies every image of the train, val and test splits by decoding it (as {@link #load} would, without the
     * cache), and reports the ones that fail instead of stopping at the first.
     *
     * @param dataDir the Mini-ImageNet folder
     * @return how many image files were decoded and, per bad one in split and CSV order, its error naming the file
     * @throws DatasetException if a CSV is missing or malformed or an image is missing
     * @throws IOException if decoding is interrupted
     */
    public static ImageCheck verifyImages(Path dataDir) throws IOException {
        long images = 0;
        List<String> problems = new ArrayList<>();
        for (String split : MiniImageNetConfig.SPLITS) {
            Resolved r = resolve(dataDir, split);
            String[] bad = new String[r.files.length];
            int size = MiniImageNetConfig.DEFAULT_IMAGE_SIZE;
            ParallelItems.forEach("Mini-ImageNet images", r.files.length, () -> new ImageDecoder(size),
                    (decoder, item) -> {
                        try {
                            decoder.decode(r.files[item], new byte[3 * size * size], 0);
                        } catch (DatasetException e) {
                            bad[item] = e.getMessage();
                        }
                    });
            images += r.files.length;
            for (String b : bad) {
                if (b != null) {
                    problems.add(b);
                }
            }
        }
        return new ImageCheck(images, problems);
    }

    /** Where a row's image file is, relative to the data folder. */
    private enum Layout {
        IMAGES {
            @Override
            Path path(Path dir, String split, RaviSplitCsv.Row row) {
                return dir.resolve("images").resolve(row.filename());
            }
        },
        IMAGES_BY_LABEL {
            @Override
            Path path(Path dir, String split, RaviSplitCsv.Row row) {
                return dir.resolve("images").resolve(row.label()).resolve(row.filename());
            }
        },
        SPLIT {
            @Override
            Path path(Path dir, String split, RaviSplitCsv.Row row) {
                return dir.resolve(split).resolve(row.filename());
            }
        },
        SPLIT_BY_LABEL {
            @Override
            Path path(Path dir, String split, RaviSplitCsv.Row row) {
                return dir.resolve(split).resolve(row.label()).resolve(row.filename());
            }
        };

        abstract Path path(Path dir, String split, RaviSplitCsv.Row row);
    }

    /** SHA-256 over everything the decoded pixels depend on. */
    private static byte[] key(Resolved r, MiniImageNetConfig config) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
        md.update(("dl4j-meta mini-imagenet cache v1\n" + config.split() + "\n" + config.imageSize() + "\n")
                .getBytes(StandardCharsets.UTF_8));
        md.update(r.csv.bytes());
        for (int k = 0; k < r.files.length; k++) {
            String entry = "\n" + config.dataDir().relativize(r.files[k]) + "\t" + r.attrs[k].size() + "\t"
                    + r.attrs[k].lastModifiedTime().toMillis();
            md.update(entry.getBytes(StandardCharsets.UTF_8));
        }
        return md.digest();
    }

    private static byte[][] decodeAll(Resolved r, List<String> labels, int size) throws IOException {
        Map<String, List<Integer>> classes = r.csv.classes();
        int imageLen = 3 * size * size;
        byte[][] pixels = new byte[labels.size()][];
        int[][] rowsOfClass = new int[labels.size()][];
        for (int c = 0; c < labels.size(); c++) {
            rowsOfClass[c] = classes.get(labels.get(c)).stream().mapToInt(Integer::intValue).toArray();
            pixels[c] = new byte[Math.multiplyExact(rowsOfClass[c].length, imageLen)];
        }
        // Work items: (class, image) pairs in order; each worker owns a decoder (NativeImageLoader is not thread-safe).
        int total = r.files.length;
        int[] itemClass = new int[total];
        int[] itemImage = new int[total];
        int k = 0;
        for (int c = 0; c < labels.size(); c++) {
            for (int i = 0; i < rowsOfClass[c].length; i++) {
                itemClass[k] = c;
                itemImage[k++] = i;
            }
        }
        ParallelItems.forEach("Mini-ImageNet images", total, () -> new ImageDecoder(size), (decoder, item) -> {
            int c = itemClass[item];
            int i = itemImage[item];
            decoder.decode(r.files[rowsOfClass[c][i]], pixels[c], i * imageLen);
        });
        return pixels;
    }

    /**
     * @param dir the Mini-ImageNet folder
     * @return the expected layout and where the images come from, for messages
     */
    static String layoutHelp(Path dir) {
        return "Expected Mini-ImageNet with Ravi & Larochelle's split:\n"
                + "  " + dir.resolve("splits/ravi") + "/{train,val,test}.csv  (or " + dir
                + "/{train,val,test}.csv), header filename,label\n"
                + "  " + dir.resolve("images") + "/<filename>  e.g. " + dir.resolve("images/n0153282900000005.jpg")
                + "\n  (or images/<label>/<filename>, <split>/<filename>, <split>/<label>/<filename>)\n"
                + "The images are ImageNet crops under ImageNet's non-commercial terms and are not distributed or "
                + "downloaded by dl4j-meta: build them from ImageNet with the scripts of twitter/meta-learning-lstm "
                + "or use your own copy.";
    }
}
