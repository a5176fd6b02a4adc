package org.dl4jmeta.datasets.folder;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import javax.imageio.ImageIO;
import org.datavec.image.loader.NativeImageLoader;
import org.dl4jmeta.datasets.AreaResampler;
import org.dl4jmeta.datasets.DatasetException;
import org.dl4jmeta.datasets.ImageHeader;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Decodes one image file of any size and common format and converts it to a network's input: {@code channels x
 * height x width} float pixels in {@code [0, 1]} with a {@link PixelConvention}, resized by area averaging along
 * each axis separately, without cropping ({@link AreaResampler}, as Omniglot and Mini-ImageNet are resized).
 *
 * <p>Decoding: DataVec's {@link NativeImageLoader} (OpenCV, with Leptonica as its own fallback) first; a file it
 * cannot decode is read with Java's {@link ImageIO} (PNG, JPEG, BMP, GIF, TIFF, WBMP), so every format ImageIO
 * reads is read even where the native decoders lack it. Grey images become three equal channels for RGB, colour
 * images luminance {@code 0.299 R + 0.587 G + 0.114 B} for one channel (OpenCV's rule in both decoders). An image
 * whose header declares more than {@link ImageHeader#MAX_PIXELS} pixels is refused before decoding.
 *
 * <p>Not thread-safe (the native loader reuses its buffers): use one converter per thread.
 */
public final class ImageConverter {

    private final int channels;
    private final int height;
    private final int width;
    private final PixelConvention convention;
    private final NativeImageLoader loader;

    /**
     * @param channels 1 or 3, as the convention's
     * @param height output height, {@code >= 1}
     * @param width output width, {@code >= 1}
     * @param convention the pixel convention
     * @throws IllegalArgumentException if a size is below 1 or the convention does not produce that many channels
     */
    public ImageConverter(int channels, int height, int width, PixelConvention convention) {
        Objects.requireNonNull(convention, "convention");
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("image size must be >= 1, got " + height + "x" + width);
        }
        if (convention.channels() != channels) {
            throw new IllegalArgumentException("pixel convention " + convention.id() + " does not fit " + channels
                    + " input channels (use ink or grey for 1, rgb for 3)");
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.convention = convention;
        this.loader = new NativeImageLoader(-1, -1, channels);
    }

    /** @return the values of one converted image, {@code channels*height*width} */
    public int imageLength() {
        return channels * height * width;
    }

    /**
     * Converts one image file.
     *
     * @param file the image file
     * @param out destination of {@link #imageLength()} values, CHW
     * @param offset index in out of the first value
     * @throws DatasetException if the file cannot be read, is too large or neither decoder reads it (file named)
     */
    public void convert(Path file, float[] out, int offset) throws DatasetException {
        Objects.checkFromIndexSize(offset, imageLength(), out.length);
        byte[] bytes;
        try {
            // the header first: a huge image is refused before its bytes are read
            ImageHeader.requireDecodable(file);
            bytes = Files.readAllBytes(file);
        } catch (DatasetException e) {
            throw e;
        } catch (IOException e) {
            throw new DatasetException("cannot read image " + file + ": " + e, e);
        }
        Decoded d = decodeNative(file);
        if (d == null) {
            d = decodeImageIo(file, bytes);
        }
        AreaResampler resampler = new AreaResampler(d.h, d.w, height, width);
        int plane = height * width;
        float[] resized = new float[plane];
        for (int ch = 0; ch < channels; ch++) {
            resampler.resample(d.pixels, ch * d.h * d.w, resized, 0);
            int to = offset + ch * plane;
            for (int p = 0; p < plane; p++) {
                float v = resized[p] / 255f;
                out[to + p] = convention == PixelConvention.INK ? 1f - v : v;
            }
        }
    }

    /**
     * @param file the image file
     * @return a new array with the converted image
     * @throws DatasetException as for {@link #convert(Path, float[], int)}
     */
    public float[] convert(Path file) throws DatasetException {
        float[] out = new float[imageLength()];
        convert(file, out, 0);
        return out;
    }

    /** Decoded pixels in [0, 255], channel planes in output order (R, G, B or grey). */
    private record Decoded(float[] pixels, int h, int w) {
    }

    /** @return the native decoders' pixels, or null if they cannot decode the file */
    private Decoded decodeNative(Path file) {
        INDArray img;
        try {
            img = loader.asMatrix(file.toFile());
        } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
            return null;
        }
        if (img == null || img.rank() != 4 || img.size(1) != channels || img.size(2) < 1 || img.size(3) < 1) {
            return null;
        }
        int h = (int) img.size(2);
        int w = (int) img.size(3);
        float[] src = img.dup('c').data().asFloat();
        if (channels == 1) {
            return new Decoded(src, h, w);
        }
        // OpenCV decodes colour as BGR
        float[] rgb = new float[src.length];
        int plane = h * w;
        for (int ch = 0; ch < 3; ch++) {
            System.arraycopy(src, (2 - ch) * plane, rgb, ch * plane, plane);
        }
        return new Decoded(rgb, h, w);
    }

    private Decoded decodeImageIo(Path file, byte[] bytes) throws DatasetException {
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            throw new DatasetException("cannot decode image " + file + " (" + e.getMessage() + "): it is corrupt or "
                    + "not an image", e);
        }
        if (img == null || img.getWidth() < 1 || img.getHeight() < 1) {
            throw new DatasetException("cannot decode image " + file + ": it is corrupt or not an image in a format "
                    + "OpenCV or ImageIO reads (" + ImageFiles.extensionList() + ")");
        }
        int h = img.getHeight();
        int w = img.getWidth();
        int plane = h * w;
        float[] px = new float[channels * plane];
        boolean grey = img.getColorModel().getNumColorComponents() == 1
                && !(img.getColorModel() instanceof java.awt.image.IndexColorModel);
        Raster raster = img.getRaster();
        int bits = img.getColorModel().getComponentSize(0);
        float scale = grey ? 255f / ((1L << bits) - 1) : 1f;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float r;
                float g;
                float b;
                if (grey) {
                    // the raw sample: getRGB would pass a grey image through a colour-space conversion
                    r = raster.getSample(x, y, 0) * scale;
                    g = r;
                    b = r;
                } else {
                    int argb = img.getRGB(x, y);
                    r = (argb >> 16) & 0xFF;
                    g = (argb >> 8) & 0xFF;
                    b = argb & 0xFF;
                }
                int p = y * w + x;
                if (channels == 1) {
                    px[p] = grey ? r : Math.round(0.299f * r + 0.587f * g + 0.114f * b);
                } else {
                    px[p] = r;
                    px[plane + p] = g;
                    px[2 * plane + p] = b;
                }
            }
        }
        return new Decoded(px, h, w);
    }
}
