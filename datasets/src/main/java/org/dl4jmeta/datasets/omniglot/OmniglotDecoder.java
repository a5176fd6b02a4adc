package org.dl4jmeta.datasets.omniglot;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.dl4jmeta.datasets.AreaResampler;
import org.dl4jmeta.datasets.DatasetException;

/**
 * Turns one Omniglot PNG into 28x28 ink values: decode with {@code javax.imageio}, convert to ink
 * {@code 1 - luminance} (the PNGs are black strokes on white, so strokes become 1 and background 0), and resize
 * 105x105 to 28x28 by area averaging ({@link AreaResampler}).
 *
 * <p>Not thread-safe: it reuses one PNG reader; use one decoder per thread.
 */
final class OmniglotDecoder {

    static final int ORIGINAL = 105;
    static final int SIZE = 28;
    private static final AreaResampler RESAMPLER = new AreaResampler(ORIGINAL, ORIGINAL, SIZE, SIZE);

    private final ImageReader reader;
    private final float[] ink = new float[ORIGINAL * ORIGINAL];
    private final int[] samples = new int[ORIGINAL * ORIGINAL];

    OmniglotDecoder() {
        Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName("png");
        if (!it.hasNext()) {
            throw new IllegalStateException("this Java runtime has no PNG reader in javax.imageio");
        }
        reader = it.next();
    }

    /**
     * Decodes a drawing into {@code out[offset .. offset+784)}.
     *
     * @param png the PNG file's bytes
     * @param where the file's path, for messages
     * @param out destination
     * @param offset index of the first of 28*28 values
     * @throws DatasetException if the bytes are not a readable 105x105 PNG, naming the file
     */
    void decode(byte[] png, String where, float[] out, int offset) throws DatasetException {
        BufferedImage img;
        int w;
        int h;
        try (MemoryCacheImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(png))) {
            reader.setInput(in, true, true);
            // the header's size first: a PNG declaring 40000x40000 is refused before its pixels are allocated
            w = reader.getWidth(0);
            h = reader.getHeight(0);
            img = w == ORIGINAL && h == ORIGINAL ? reader.read(0) : null;
        } catch (IOException | RuntimeException e) {
            throw new DatasetException("cannot decode Omniglot image " + where + " (" + e + "): the file is truncated "
                    + "or not a PNG; restore it from the official zip", e);
        } finally {
            reader.setInput(null);
        }
        if (img == null) {
            throw new DatasetException("Omniglot image " + where + " is " + w + "x" + h + ", expected " + ORIGINAL
                    + "x" + ORIGINAL + " as in the official release");
        }
        toInk(img);
        RESAMPLER.resample(ink, 0, out, offset);
    }

    private void toInk(BufferedImage img) {
        Raster raster = img.getRaster();
        int n = ORIGINAL * ORIGINAL;
        if (img.getColorModel() instanceof IndexColorModel icm && raster.getNumBands() == 1) {
            // The official PNGs are 1-bit palette images: map each palette index to its ink once.
            float[] lut = new float[icm.getMapSize()];
            for (int k = 0; k < lut.length; k++) {
                lut[k] = 1f - luminance(icm.getRed(k), icm.getGreen(k), icm.getBlue(k));
            }
            raster.getSamples(0, 0, ORIGINAL, ORIGINAL, 0, samples);
            for (int p = 0; p < n; p++) {
                ink[p] = lut[samples[p]];
            }
        } else if (raster.getNumBands() == 1) {
            float max = (1 << img.getColorModel().getComponentSize(0)) - 1;
            raster.getSamples(0, 0, ORIGINAL, ORIGINAL, 0, samples);
            for (int p = 0; p < n; p++) {
                ink[p] = 1f - samples[p] / max;
            }
        } else {
            for (int y = 0; y < ORIGINAL; y++) {
                for (int x = 0; x < ORIGINAL; x++) {
                    int rgb = img.getRGB(x, y);
                    ink[y * ORIGINAL + x] = 1f - luminance((rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF);
                }
            }
        }
    }

    /** ITU-R BT.601 luma of an 8-bit colour, in [0, 1]. */
    private static float luminance(int r, int g, int b) {
        return (float) ((0.299 * r + 0.587 * g + 0.114 * b) / 255.0);
    }
}
