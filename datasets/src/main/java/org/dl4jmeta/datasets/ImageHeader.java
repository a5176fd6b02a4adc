package org.dl4jmeta.datasets;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * An image's width and height read from its header alone (javax.imageio's {@link ImageReader#getWidth} and
 * {@link ImageReader#getHeight}, without decoding pixels), so an image whose header declares a huge size is reported
 * as too large before a decoder tries to allocate it (a 40000 x 40000 PNG of a few hundred bytes would ask for
 * gigabytes). Formats that javax.imageio does not read (e.g. WebP) have no header size here and are left to the
 * decoder.
 *
 * @param width pixels per row
 * @param height rows
 */
public record ImageHeader(int width, int height) {

    /** The largest image decoded: 2^26 pixels (67,108,864, e.g. 8192 x 8192). */
    public static final long MAX_PIXELS = 1L << 26;

    /**
     * Validates the size.
     *
     * @throws IllegalArgumentException if a side is not positive
     */
    public ImageHeader {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image sides must be >= 1, got " + width + " x " + height);
        }
    }

    /** @return width times height */
    public long pixels() {
        return (long) width * height;
    }

    /**
     * @param bytes an image file's content
     * @return its size from the header, or null where javax.imageio has no reader for the format or the header is
     *     unreadable (the decoder then reports the file)
     */
    public static ImageHeader read(byte[] bytes) {
        return read(new ByteArrayInputStream(bytes));
    }

    /**
     * @param file an image file
     * @return its size from the header, or null as for {@link #read(byte[])}
     * @throws IOException if the file cannot be opened
     */
    public static ImageHeader read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in);
        }
    }

    private static ImageHeader read(InputStream in) {
        try (ImageInputStream iis = new MemoryCacheImageInputStream(in)) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(iis);
            if (!readers.hasNext()) {
                return null;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(iis, true, true);
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                return w > 0 && h > 0 ? new ImageHeader(w, h) : null;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException unreadableHeader) {
            return null;
        }
    }

    /**
     * Refuses an image whose header declares more than {@link #MAX_PIXELS} pixels.
     *
     * @param bytes the image file's content
     * @param where the image, for the message, e.g. {@code "Mini-ImageNet image /data/x.jpg"}
     * @throws DatasetException if it is too large, naming the file, its size and the limit
     */
    public static void requireDecodable(byte[] bytes, String where) throws DatasetException {
        check(read(bytes), where);
    }

    /**
     * Refuses an image file whose header declares more than {@link #MAX_PIXELS} pixels.
     *
     * @param file the image file
     * @throws DatasetException if it is too large, naming the file, its size and the limit
     * @throws IOException if it cannot be opened
     */
    public static void requireDecodable(Path file) throws IOException {
        check(read(file), "image " + file);
    }

    private static void check(ImageHeader h, String where) throws DatasetException {
        if (h != null && h.pixels() > MAX_PIXELS) {
            throw new DatasetException(String.format(Locale.ROOT, "%s is too large (%d x %d pixels, limit %d "
                    + "pixels, e.g. 8192 x 8192); resize it", where, h.width, h.height, MAX_PIXELS));
        }
    }
}
