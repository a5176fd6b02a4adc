package org.dl4jmeta.datasets.folder;

import java.util.Locale;

/**
 * How decoded pixels become network inputs: values in {@code [0, 1]}, CHW.
 */
public enum PixelConvention {

    /** Omniglot's convention, one channel: ink = 1 - luminance, so dark strokes on light paper are 1. */
    INK(1),
    /** One channel: luminance (OpenCV's 0.299 R + 0.587 G + 0.114 B) in {@code [0, 1]}. */
    GREY(1),
    /** Mini-ImageNet's convention, three channels: R, G, B in {@code [0, 1]}. */
    RGB(3);

    private final int channels;

    PixelConvention(int channels) {
        this.channels = channels;
    }

    /** @return the channels this convention produces, 1 or 3 */
    public int channels() {
        return channels;
    }

    /**
     * @param channels 1 or 3
     * @return GREY for 1 channel, RGB for 3: what folder data sets use unless told otherwise
     * @throws IllegalArgumentException if channels is neither 1 nor 3
     */
    public static PixelConvention forChannels(int channels) {
        return switch (channels) {
            case 1 -> GREY;
            case 3 -> RGB;
            default -> throw new IllegalArgumentException("channels must be 1 (grey) or 3 (RGB), got " + channels);
        };
    }

    /**
     * @param id ink, grey (or gray) or rgb, in any case
     * @return the convention
     * @throws IllegalArgumentException if id names none
     */
    public static PixelConvention fromId(String id) {
        return switch (id.toLowerCase(Locale.ROOT)) {
            case "ink" -> INK;
            case "grey", "gray" -> GREY;
            case "rgb" -> RGB;
            default -> throw new IllegalArgumentException("pixel convention must be ink, grey or rgb, got '" + id
                    + "'");
        };
    }

    /** @return the lower-case name, e.g. {@code grey} */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
