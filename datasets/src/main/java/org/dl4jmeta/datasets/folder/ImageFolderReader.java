package org.dl4jmeta.datasets.folder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.dl4jmeta.datasets.ImageHeader;
import org.dl4jmeta.io.SavedModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a user's image files and folders into a network's input tensor, by the same rules as folder data sets:
 * which files are images and in which order ({@link ImageFiles}), how they are decoded, resized and converted
 * ({@link ImageConverter}). A labelled folder has one subfolder per class, sorted by name (class i is the i-th
 * subfolder); hidden files and other extensions (e.g. README.txt) are skipped with a warning.
 *
 * <p>{@link #forModel} takes the input shape, data type and the pixel convention of the images the model was
 * trained on from a model file, so that a user's images look like its training images. Not thread-safe.
 */
public final class ImageFolderReader {

    private static final Logger LOG = LoggerFactory.getLogger(ImageFolderReader.class);

    private final long[] inputShape;
    private final DataType dataType;
    private final PixelConvention convention;
    private final ImageConverter converter;

    /**
     * @param inputShape the network's input per example, {@code [channels, height, width]}
     * @param convention the pixel convention, with as many channels
     * @param dataType the tensors' data type (the model's)
     * @throws IllegalArgumentException if the shape is not [1 or 3, h, w] or the convention does not fit it
     */
    public ImageFolderReader(long[] inputShape, PixelConvention convention, DataType dataType) {
        Objects.requireNonNull(convention, "convention");
        Objects.requireNonNull(dataType, "dataType");
        if (inputShape.length != 3 || (inputShape[0] != 1 && inputShape[0] != 3)) {
            throw new IllegalArgumentException("image input must be [channels (1 or 3), height, width], got "
                    + Arrays.toString(inputShape));
        }
        this.inputShape = inputShape.clone();
        this.dataType = dataType;
        this.convention = convention;
        this.converter = new ImageConverter((int) inputShape[0], (int) inputShape[1], (int) inputShape[2],
                convention);
    }

    /**
     * A reader for a model's images: its network's input shape and data type, and {@link #conventionFor} its
     * training data set.
     *
     * @param model a model file's contents
     * @return the reader
     * @throws IllegalArgumentException if the model's input is not an image
     */
    public static ImageFolderReader forModel(SavedModel model) {
        long[] input = model.buildNetwork().inputShape();
        if (input.length != 3) {
            throw new IllegalArgumentException("the model's input " + Arrays.toString(input) + " is not an image "
                    + "[channels, height, width]");
        }
        return new ImageFolderReader(input, conventionFor(model.config().get("dataset"), input[0]),
                model.parameters().dataType());
    }

    /**
     * @param dataset the data set a model was trained on, as its configuration names it (may be null)
     * @param channels its input channels
     * @return the convention that reproduces the training images: RGB for 3 channels, grey for a one-channel
     *     folder data set, else ink (Omniglot)
     */
    public static PixelConvention conventionFor(Object dataset, long channels) {
        if ("miniimagenet".equals(dataset) || channels == 3) {
            return PixelConvention.RGB;
        }
        return "folder".equals(dataset) ? PixelConvention.GREY : PixelConvention.INK;
    }

    /** @return the pixel convention */
    public PixelConvention convention() {
        return convention;
    }

    /** @return the input shape per example {@code [channels, height, width]} */
    public long[] inputShape() {
        return inputShape.clone();
    }

    /**
     * Reads a labelled folder: one subfolder per class.
     *
     * @param dir the folder
     * @return the images, labelled by subfolder order
     * @throws IOException if a file cannot be read or decoded (named)
     * @throws IllegalArgumentException if the folder does not exist, has no class subfolders or a class has no
     *     images
     */
    public LabelledImages readLabelled(Path dir) throws IOException {
        return readLabelled(dir, "image");
    }

    /**
     * {@link #readLabelled(Path)} with errors that name the folder's role, e.g. the option that gave it.
     *
     * @param dir the folder
     * @param what its role in messages, e.g. {@code --support}
     * @return the images, labelled by subfolder order
     * @throws IOException if a file cannot be read or decoded (named)
     * @throws IllegalArgumentException if the folder does not exist, has no class subfolders or a class has no
     *     images
     */
    public LabelledImages readLabelled(Path dir, String what) throws IOException {
        requireFolder(dir, what);
        List<Path> classes = ImageFiles.classFolders(dir);
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
        return new LabelledImages(files, labels.stream().mapToInt(Integer::intValue).toArray(), names, read(files));
    }

    /**
     * Reads the images of one folder, without labels.
     *
     * @param dir the folder
     * @return the images, every label -1
     * @throws IOException if a file cannot be read or decoded (named)
     * @throws IllegalArgumentException if the folder does not exist or holds no images
     */
    public LabelledImages readUnlabelled(Path dir) throws IOException {
        return readUnlabelled(dir, "image");
    }

    /**
     * {@link #readUnlabelled(Path)} with errors that name the folder's role.
     *
     * @param dir the folder
     * @param what its role in messages, e.g. {@code --query}
     * @return the images, every label -1
     * @throws IOException if a file cannot be read or decoded (named)
     * @throws IllegalArgumentException if the folder does not exist or holds no images
     */
    public LabelledImages readUnlabelled(Path dir, String what) throws IOException {
        requireFolder(dir, what);
        List<Path> files = imageFiles(dir);
        if (files.isEmpty()) {
            throw new IllegalArgumentException(what + " folder " + dir + " holds no images (readable extensions: "
                    + ImageFiles.extensionList() + ")");
        }
        int[] labels = new int[files.size()];
        Arrays.fill(labels, -1);
        return new LabelledImages(files, labels, List.of(), read(files));
    }

    /**
     * @param file one image file
     * @return it as a batch of one, {@code [1, channels, height, width]}
     * @throws IOException if it cannot be read or decoded (named)
     */
    public INDArray read(Path file) throws IOException {
        return read(List.of(file));
    }

    /**
     * @param files image files
     * @return the images as {@code [n, channels, height, width]} in the reader's data type
     * @throws IOException if a file cannot be read or decoded, or its header declares more than
     *     {@link ImageHeader#MAX_PIXELS} pixels (named)
     */
    public INDArray read(List<Path> files) throws IOException {
        int len = converter.imageLength();
        float[] all = new float[Math.multiplyExact(files.size(), len)];
        for (int i = 0; i < files.size(); i++) {
            converter.convert(files.get(i), all, i * len);
        }
        return Nd4j.create(all, new long[] {files.size(), inputShape[0], inputShape[1], inputShape[2]}, 'c')
                .castTo(dataType);
    }

    /**
     * @param dir a folder of images
     * @return its image files, sorted by name (others logged as skipped)
     * @throws IOException if it cannot be listed
     */
    public static List<Path> imageFiles(Path dir) throws IOException {
        return ImageFiles.imageFiles(dir, p -> LOG.warn("skipping {}: not an image extension ({})", p,
                ImageFiles.extensionList()));
    }

    /**
     * @param dir a folder the user named
     * @param what the option or role that named it, for the message
     * @return dir
     * @throws IllegalArgumentException if it does not exist or is not a folder
     */
    public static Path requireFolder(Path dir, String what) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(what + " folder " + dir + (Files.exists(dir) ? " is not a folder"
                    : " does not exist") + "; give a folder of images (with one subfolder per class where they "
                    + "are labelled)");
        }
        return dir;
    }
}
