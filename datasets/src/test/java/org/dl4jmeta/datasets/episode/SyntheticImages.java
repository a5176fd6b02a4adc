package org.dl4jmeta.datasets.episode;

import java.util.ArrayList;
import java.util.List;

/** A synthetic split whose every pixel of image i of class c holds the id {@code c*100 + i}. */
final class SyntheticImages {

    private SyntheticImages() {
    }

    static InMemoryClassImageSet of(String name, int classes, int perClass) {
        List<String> names = new ArrayList<>();
        float[][] pixels = new float[classes][];
        for (int c = 0; c < classes; c++) {
            names.add("class" + c);
            pixels[c] = new float[perClass * 4];
            for (int i = 0; i < perClass; i++) {
                java.util.Arrays.fill(pixels[c], i * 4, i * 4 + 4, c * 100 + i);
            }
        }
        return new InMemoryClassImageSet(name, names, 1, 2, 2, pixels);
    }

    /** @return the id of row r of a [n,1,2,2] tensor built from a synthetic set */
    static int id(org.nd4j.linalg.api.ndarray.INDArray x, int r) {
        return (int) x.getDouble(r, 0, 1, 1);
    }
}
