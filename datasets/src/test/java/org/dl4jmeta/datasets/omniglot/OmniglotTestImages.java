package org.dl4jmeta.datasets.omniglot;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.zip.ZipFile;
import javax.imageio.ImageIO;
import org.dl4jmeta.datasets.AreaResampler;

/** Test helpers that compute expected Omniglot pixels by a path independent of the loader's decoder. */
final class OmniglotTestImages {

    private OmniglotTestImages() {
    }

    /** @return the 105x105 ink (1 - grey) of a drawing in a zip, decoded with ImageIO.read and getRGB */
    static float[] originalInk(Path zip, String entry) throws IOException {
        byte[] bytes;
        try (ZipFile z = new ZipFile(zip.toFile()); InputStream in = z.getInputStream(z.getEntry(entry))) {
            bytes = in.readAllBytes();
        }
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(bytes));
        float[] ink = new float[105 * 105];
        for (int y = 0; y < 105; y++) {
            for (int x = 0; x < 105; x++) {
                int rgb = img.getRGB(x, y);
                // Omniglot's PNGs are pure black and white, so any channel is the grey level.
                ink[y * 105 + x] = 1f - (rgb & 0xFF) / 255f;
            }
        }
        return ink;
    }

    /** Counter-clockwise quarter turn of an n x n image as transpose-then-flip-rows (numpy's rot90). */
    static float[] rotateCcw(float[] img, int n) {
        float[] transposed = new float[n * n];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                transposed[x * n + y] = img[y * n + x];
            }
        }
        float[] out = new float[n * n];
        for (int y = 0; y < n; y++) {
            System.arraycopy(transposed, (n - 1 - y) * n, out, y * n, n);
        }
        return out;
    }

    /** @return the drawing resized to 28x28 by area averaging */
    static float[] resize(float[] ink105) {
        float[] out = new float[28 * 28];
        new AreaResampler(105, 105, 28, 28).resample(ink105, 0, out, 0);
        return out;
    }
}
