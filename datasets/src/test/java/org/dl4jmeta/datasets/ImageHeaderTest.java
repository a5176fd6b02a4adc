package org.dl4jmeta.datasets;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import javax.imageio.ImageIO;
import org.dl4jmeta.datasets.omniglot.PngHeaders;
import org.junit.jupiter.api.Test;

/** Sizes come from the header alone; a huge declared size is refused as too large, naming it and the limit. */
class ImageHeaderTest {

    private static byte[] encode(int w, int h, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB), format, out));
        return out.toByteArray();
    }

    @Test
    void readsTheSizeOfRealImagesFromTheHeader() throws IOException {
        assertEquals(new ImageHeader(37, 21), ImageHeader.read(encode(37, 21, "png")));
        assertEquals(new ImageHeader(50, 9), ImageHeader.read(encode(50, 9, "jpg")));
        assertEquals(new ImageHeader(40000, 30000), ImageHeader.read(PngHeaders.png(40000, 30000)),
                "a header without pixels is enough");
        assertNull(ImageHeader.read("not an image".getBytes(StandardCharsets.UTF_8)));
        assertNull(ImageHeader.read(new byte[0]));
    }

    @Test
    void aHugeDeclaredSizeIsTooLarge() {
        DatasetException e = assertThrows(DatasetException.class,
                () -> ImageHeader.requireDecodable(PngHeaders.png(40000, 40000), "image x.png"));
        assertEquals("image x.png is too large (40000 x 40000 pixels, limit 67108864 pixels, e.g. 8192 x 8192); "
                + "resize it", e.getMessage());
        assertDoesNotThrow(() -> ImageHeader.requireDecodable(PngHeaders.png(8192, 8192), "image y.png"));
        assertThrows(DatasetException.class, () -> ImageHeader.requireDecodable(PngHeaders.png(8193, 8192), "z"));
        assertDoesNotThrow(() -> ImageHeader.requireDecodable("garbage".getBytes(StandardCharsets.UTF_8), "g"),
                "unknown formats are left to the decoder");
        assertThrows(IllegalArgumentException.class, () -> new ImageHeader(0, 5));
    }
}
