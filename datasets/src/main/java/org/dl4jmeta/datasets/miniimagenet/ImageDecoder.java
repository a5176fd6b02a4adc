package org.dl4jmeta.datasets.miniimagenet;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.datavec.image.loader.NativeImageLoader;
import org.dl4jmeta.datasets.AreaResampler;
import org.dl4jmeta.datasets.DatasetException;
import org.dl4jmeta.datasets.ImageHeader;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Decodes one image file with DataVec's {@link NativeImageLoader} (OpenCV) into {@code size x size} RGB bytes, CHW.
 * Images of another size are resized by area averaging ({@link AreaResampler}) along each axis separately, without
 * cropping, as the Mini-ImageNet generation script does; grey images are replicated to three channels.
 *
 * <p>Not thread-safe (the loader reuses its buffers): use one decoder per thread.
 */
final class ImageDecoder {

    private final NativeImageLoader loader = new NativeImageLoader(-1, -1, 3);
    private final int size;

    ImageDecoder(int size) {
        this.size = size;
    }

    /**
     * @param file the image file
     * @param out destination of {@code 3*size*size} bytes
     * @param offset index of the first byte
     * @throws DatasetException if the file cannot be read, is a truncated JPEG, is too large
     *     ({@link ImageHeader#MAX_PIXELS}) or cannot be decoded (path named)
     */
    void decode(Path file, byte[] out, int offset) throws DatasetException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new DatasetException("cannot read Mini-ImageNet image " + file + ": " + e, e);
        }
        if (isTruncatedJpeg(bytes)) {
            throw new DatasetException("Mini-ImageNet image " + file + " is truncated (" + bytes.length
                    + " bytes, no JPEG end-of-image marker); restore the file from your copy of Mini-ImageNet");
        }
        ImageHeader.requireDecodable(bytes, "Mini-ImageNet image " + file);
        INDArray img;
        try {
            img = loader.asMatrix(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            throw new DatasetException("cannot decode Mini-ImageNet image " + file + " (" + e.getMessage()
                    + "): it is corrupt or not an image; restore it from your copy of Mini-ImageNet", e);
        }
        float[] bgr;
        int h;
        int w;
        try {
            h = (int) img.size(2);
            w = (int) img.size(3);
            boolean dense = img.ordering() == 'c' && img.offset() == 0 && img.data().length() == img.length();
            bgr = dense ? img.data().asFloat() : img.dup('c').data().asFloat();
        } finally {
            img.close();
        }
        int plane = size * size;
        float[] rgb = new float[3 * plane];
        AreaResampler resampler = h == size && w == size ? null : new AreaResampler(h, w, size, size);
        for (int ch = 0; ch < 3; ch++) {
            // OpenCV decodes to BGR; store RGB.
            int src = (2 - ch) * h * w;
            if (resampler == null) {
                System.arraycopy(bgr, src, rgb, ch * plane, plane);
            } else {
                resampler.resample(bgr, src, rgb, ch * plane);
            }
        }
        for (int p = 0; p < rgb.length; p++) {
            out[offset + p] = (byte) Math.max(0, Math.min(255, Math.round(rgb[p])));
        }
    }

    /** A JPEG (starts with SOI FF D8) whose last bytes, ignoring trailing zero padding, are not EOI FF D9. */
    static boolean isTruncatedJpeg(byte[] b) {
        if (b.length < 2 || (b[0] & 0xFF) != 0xFF || (b[1] & 0xFF) != 0xD8) {
            return false;
        }
        int end = b.length;
        while (end > 2 && b[end - 1] == 0) {
            end--;
        }
        return end < 4 || (b[end - 2] & 0xFF) != 0xFF || (b[end - 1] & 0xFF) != 0xD9;
    }
}
