package org.dl4jmeta.app.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.dl4jmeta.datasets.ImageHeader;
import org.dl4jmeta.datasets.folder.ImageConverter;
import org.dl4jmeta.datasets.folder.ImageFiles;
import org.dl4jmeta.datasets.folder.PixelConvention;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads folders of images for {@code adapt} and converts them to a model's input as one tensor: channels and size of
 * the network, with the data set's pixel convention. The rules (which files, which order, how pixels are decoded,
 * resized and converted) are the datasets module's, shared with folder data sets: {@link ImageFiles} and
 * {@link ImageConverter}.
 *
 * <p>A labelled folder has one subfolder per class (sorted by name: class i is the i-th subfolder) holding that
 * class's images. Files with other extensions (e.g. README.txt) and hidden files are skipped. Not thread-safe.
 */
final class ImageFolder {

    private static final Logger LOG = LoggerFactory.getLogger(ImageFolder.class);

    /** Extensions read as images. */
    static final Set<String> EXTENSIONS = ImageFiles.EXTENSIONS;

    /** How pixels become network inputs (the datasets module's {@link PixelConvention}). */
    enum Preprocessing {
        /** Omniglot's convention: grey, ink = 1 - luminance in [0, 1], so dark strokes on light paper are 1 */
        INK(PixelConvention.INK),
        /** grey luminance in [0, 1] (folder data sets with one channel) */
        GREY(PixelConvention.GREY),
        /** Mini-ImageNet's convention: RGB channels in [0, 1] */
        RGB(PixelConvention.RGB);

        private final PixelConvention convention;

        Preprocessing(PixelConvention convention) {
            this.convention = convention;
        }

        /** @return the datasets module's convention */
        PixelConvention convention() {
            return convention;
        }

        /**
         * @param dataset the data set a model was trained on (may be null)
         * @param channels its input channels
         * @return the preprocessing that reproduces the training images' convention: RGB for 3 channels, grey for
         *     a one-channel folder data set, else ink (Omniglot)
         */
        static Preprocessing forModel(Object dataset, long channels) {
            if ("miniimagenet".equals(dataset) || channels == 3) {
                return RGB;
            }
            return "folder".equals(dataset) ? GREY : INK;
        }
    }

    /**
     * A set of images as one tensor.
     *
     * @param files the image files, in row order
     * @param labels the class index of each row (-1 where unlabelled)
     * @param classes the class names (empty where unlabelled)
     * @param x the images [n, c, h, w]
     */
    record Images(List<Path> files, int[] labels, List<String> classes, INDArray x) {
    }

    private final long[] inputShape;
    private final DataType dataType;
    private final ImageConverter converter;

    /**
     * @param inputShape the network's per-example input [c, h, w]
     * @param preprocessing the pixel convention
     * @param dataType the model's data type
     * @throws IllegalArgumentException if the preprocessing does not fit the channels
     */
    ImageFolder(long[] inputShape, Preprocessing preprocessing, DataType dataType) {
        if (inputShape.length != 3) {
            throw new IllegalArgumentException("image input must be [channels,height,width], the model's is "
                    + java.util.Arrays.toString(inputShape));
        }
        int c = (int) inputShape[0];
        if ((preprocessing == Preprocessing.RGB) != (c == 3) || (c != 1 && c != 3)) {
            throw new IllegalArgumentException("preprocessing " + preprocessing.name().toLowerCase(Locale.ROOT)
                    + " does not fit a model with " + c + " input channels (use ink or grey for 1, rgb for 3)");
        }
        this.inputShape = inputShape.clone();
        this.dataType = dataType;
        this.converter = new ImageConverter(c, (int) inputShape[1], (int) inputShape[2], preprocessing.convention());
    }

    /**
     * @param dir a folder of images
     * @return its image files, sorted by name (others logged as skipped)
     * @throws IOException if it cannot be listed
     */
    static List<Path> imageFiles(Path dir) throws IOException {
        return ImageFiles.imageFiles(dir, p -> LOG.warn("skipping {}: not an image extension ({})", p,
                ImageFiles.extensionList()));
    }

    /**
     * @param dir a folder
     * @return its subfolders (classes), sorted by name, hidden ones skipped
     * @throws IOException if it cannot be listed
     */
    static List<Path> classFolders(Path dir) throws IOException {
        return ImageFiles.classFolders(dir);
    }

    /**
     * Reads a labelled folder: one subfolder per class.
     *
     * @param dir the folder
     * @param what "support" or "query", for messages
     * @return the images, labels by subfolder order
     * @throws IOException if a file cannot be read or decoded (named)
     * @throws IllegalArgumentException if the folder has no class subfolders or a class has no images
     */
    Images readLabelled(Path dir, String what) throws IOException {
        requireFolder(dir, what);
        List<Path> classes = classFolders(dir);
        if (classes.isEmpty()) {
            throw new IllegalArgumentException(what + " folder " + dir + " has no class subfolders; put each class's "
                    + "images in a subfolder named after the class, e.g. " + dir.resolve("cat").resolve("1.png"));
        }
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            List<Path> f = imageFiles(classes.get(c));
            if (f.isEmpty()) {
                throw new IllegalArgumentException("class folder " + classes.get(c) + " holds no images (readable "
                        + "extensions: " + ImageFiles.extensionList() + ")");
            }
            names.add(classes.get(c).getFileName().toString());
            for (Path p : f) {
                files.add(p);
                labels.add(c);
            }
        }
        return new Images(files, labels.stream().mapToInt(Integer::intValue).toArray(), names, read(files));
    }

    /**
     * Reads an unlabelled folder of images.
     *
     * @param dir the folder
     * @param what for messages
     * @return the images, every label -1
     * @throws IOException if a file cannot be read or decoded (named)
     * @throws IllegalArgumentException if there are no images
     */
    Images readUnlabelled(Path dir, String what) throws IOException {
        requireFolder(dir, what);
        List<Path> files = imageFiles(dir);
        if (files.isEmpty()) {
            throw new IllegalArgumentException(what + " folder " + dir + " holds no images");
        }
        int[] labels = new int[files.size()];
        java.util.Arrays.fill(labels, -1);
        return new Images(files, labels, List.of(), read(files));
    }

    /**
     * @param dir a folder the user named
     * @param what the option that named it, for the message
     * @return dir
     * @throws IllegalArgumentException if it does not exist or is not a folder
     */
    static Path requireFolder(Path dir, String what) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(what + " folder " + dir + (Files.exists(dir) ? " is not a folder"
                    : " does not exist") + "; give a folder of images (with one subfolder per class for --support)");
        }
        return dir;
    }

    /**
     * @param files image files
     * @return the images as [n, c, h, w] in the model's data type
     * @throws IOException if a file cannot be read or decoded, or its header declares more than
     *     {@link ImageHeader#MAX_PIXELS} pixels (named)
     */
    INDArray read(List<Path> files) throws IOException {
        int c = (int) inputShape[0];
        int h = (int) inputShape[1];
        int w = (int) inputShape[2];
        int len = converter.imageLength();
        float[] all = new float[files.size() * len];
        for (int i = 0; i < files.size(); i++) {
            converter.convert(files.get(i), all, i * len);
        }
        return Nd4j.create(all, new long[] {files.size(), c, h, w}, 'c').castTo(dataType);
    }
}
