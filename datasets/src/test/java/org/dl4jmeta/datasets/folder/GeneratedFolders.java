package org.dl4jmeta.datasets.folder;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/** Writes folder data sets of generated images for tests (never committed data). */
public final class GeneratedFolders {

    private GeneratedFolders() {
    }

    /**
     * Writes one grey image of a single value.
     *
     * @param file the file; its extension picks the ImageIO format (png, jpg, bmp, gif)
     * @param width width
     * @param height height
     * @param value grey value 0..255
     * @return file
     */
    public static Path uniformGrey(Path file, int width, int height, int value) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                img.getRaster().setSample(x, y, 0, value);
            }
        }
        return write(img, file);
    }

    /**
     * Writes one colour image of a single colour.
     *
     * @param file the file
     * @param width width
     * @param height height
     * @param rgb 0xRRGGBB
     * @return file
     */
    public static Path uniformRgb(Path file, int width, int height, int rgb) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        return write(img, file);
    }

    /**
     * Writes one grey image of stripes: {@code 127.5 (1 + sin(2 pi f (x cos a + y sin a) / size + phase))} plus
     * Gaussian noise, clipped to 0..255.
     *
     * @param file the file
     * @param size side in pixels
     * @param angle stripe orientation in radians
     * @param frequency stripes per image side
     * @param noise noise standard deviation in grey levels
     * @param rng draws the phase and the noise
     * @return file
     */
    public static Path stripes(Path file, int size, double angle, double frequency, double noise,
                               SplittableRandom rng) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
        double phase = rng.nextDouble() * 2 * Math.PI;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double t = 2 * Math.PI * frequency * (x * Math.cos(angle) + y * Math.sin(angle)) / size + phase;
                double v = 127.5 * (1 + Math.sin(t)) + noise * gaussian(rng);
                img.getRaster().setSample(x, y, 0, (int) Math.max(0, Math.min(255, Math.round(v))));
            }
        }
        return write(img, file);
    }

    /**
     * A folder data set of stripe classes: class {@code k} of {@code orientations * frequencies} has angle
     * {@code (k % orientations) pi / orientations} and {@code 2 + k / orientations} stripes per side; images have
     * random phases and noise, so a class is told apart only by its orientation and frequency.
     *
     * @param root the folder to fill
     * @param orientations orientations
     * @param frequencies frequencies
     * @param images images per class
     * @param size image side
     * @param noise noise standard deviation in grey levels
     * @param seed the generator's seed
     * @return root
     */
    public static Path stripeClasses(Path root, int orientations, int frequencies, int images, int size, double noise,
                                     long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (int k = 0; k < orientations * frequencies; k++) {
            double angle = (k % orientations) * Math.PI / orientations;
            double freq = 2 + k / orientations;
            Path dir = root.resolve(String.format("class%02d", k));
            for (int i = 0; i < images; i++) {
                stripes(dir.resolve(String.format("img%02d.png", i)), size, angle, freq, noise, rng);
            }
        }
        return root;
    }

    private static double gaussian(SplittableRandom rng) {
        double u = 1 - rng.nextDouble();
        double v = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /**
     * @param img an image
     * @param file where; the extension names the format
     * @return file
     */
    public static Path write(BufferedImage img, Path file) {
        String name = file.getFileName().toString();
        String format = name.substring(name.lastIndexOf('.') + 1);
        try {
            Files.createDirectories(file.getParent());
            if (!ImageIO.write(img, format.equals("jpg") ? "jpeg" : format, file.toFile())) {
                throw new IllegalStateException("ImageIO has no writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
