package org.dl4jmeta.app.jobs;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Generates folders of images for the adapt tests: one class per shape (dark strokes on light paper, like
 * Omniglot), each image of its own size, colour and format, with a little jitter.
 */
final class ImagesForTests {

    static final List<String> SHAPES = List.of("circle", "cross", "square", "triangle", "vbar");
    private static final String[] FORMATS = {"png", "jpg", "bmp"};

    private ImagesForTests() {
    }

    /**
     * @param dir the folder to fill: dir/shape/i.ext
     * @param classes how many shapes
     * @param perClass images per shape
     * @param seed jitter
     * @throws IOException if writing fails
     */
    static void write(Path dir, int classes, int perClass, int seed) throws IOException {
        java.util.Random rng = new java.util.Random(seed);
        for (int c = 0; c < classes; c++) {
            Path d = dir.resolve(SHAPES.get(c));
            Files.createDirectories(d);
            for (int i = 0; i < perClass; i++) {
                int size = 40 + rng.nextInt(80);
                int h = size + rng.nextInt(20);
                String fmt = FORMATS[(c + i) % FORMATS.length];
                BufferedImage img = new BufferedImage(size, h, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = img.createGraphics();
                g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
                g.setColor(new Color(235 + rng.nextInt(20), 235 + rng.nextInt(20), 225 + rng.nextInt(30)));
                g.fillRect(0, 0, size, h);
                g.setColor(new Color(rng.nextInt(60), rng.nextInt(60), 40 + rng.nextInt(80)));
                g.setStroke(new BasicStroke(size / 10f));
                int m = size / 5 + rng.nextInt(4);
                int w = size - 2 * m;
                int top = (h - w) / 2;
                switch (SHAPES.get(c)) {
                    case "circle" -> g.drawOval(m, top, w, w);
                    case "cross" -> {
                        g.drawLine(m, top, m + w, top + w);
                        g.drawLine(m + w, top, m, top + w);
                    }
                    case "square" -> g.drawRect(m, top, w, w);
                    case "triangle" -> g.drawPolygon(new int[] {m, m + w, m + w / 2}, new int[] {top + w, top + w, top},
                            3);
                    default -> g.drawLine(size / 2, top, size / 2, top + w);
                }
                g.dispose();
                ImageIO.write(img, fmt, d.resolve(i + "." + fmt).toFile());
            }
        }
    }
}
