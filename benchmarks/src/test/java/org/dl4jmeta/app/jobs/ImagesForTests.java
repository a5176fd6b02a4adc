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

    /**
     * A PNG of a few dozen bytes whose header (IHDR) declares {@code width x height} 8-bit grey pixels, with no
     * pixel data: what a decoder would try to allocate in full.
     *
     * @param width declared width
     * @param height declared height
     * @return the file's bytes
     */
    static byte[] pngHeader(int width, int height) {
        java.nio.ByteBuffer ihdr = java.nio.ByteBuffer.allocate(13).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        png.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(png, "IHDR", ihdr.array());
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static void chunk(java.io.ByteArrayOutputStream png, String type, byte[] data) {
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(t);
        crc.update(data);
        png.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(data.length).array());
        png.writeBytes(t);
        png.writeBytes(data);
        png.writeBytes(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
