package org.dl4jmeta.datasets.omniglot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.dl4jmeta.datasets.SharedData;
import org.dl4jmeta.datasets.SplitSummary;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Lake's background/evaluation split loaded from the shared zips; each split is loaded once. */
class OmniglotLakeIT {

    private static Omniglot omniglot;
    private static OmniglotImages background;
    private static OmniglotImages evaluation;

    @BeforeAll
    static void load() throws IOException {
        omniglot = Omniglot.at(SharedData.omniglot());
        background = omniglot.load(OmniglotScheme.LAKE, "background");
        evaluation = omniglot.load(OmniglotScheme.LAKE, "evaluation");
    }

    @Test
    void countsMatchLakesSplit() {
        // Lake et al. 2015: 964 background and 659 evaluation characters, 20 drawings each, no rotations.
        assertEquals(964, background.numClasses());
        assertEquals(659, evaluation.numClasses());
        assertEquals(964L * 20, background.totalImages());
        assertEquals(659L * 20, evaluation.totalImages());
        for (int c = 0; c < evaluation.numClasses(); c++) {
            assertEquals(0, evaluation.rotationDegrees(c));
        }
        assertEquals("omniglot/lake/background", background.name());
    }

    @Test
    void classesAreCharactersInNameOrder() {
        assertEquals("Alphabet_of_the_Magi/character01", background.className(0));
        for (int c = 1; c < background.numClasses(); c++) {
            assertEquals(-1, Integer.signum(background.className(c - 1).compareTo(background.className(c))));
        }
    }

    @Test
    void imagesEqualAnIndependentDecodeOfThePng() throws IOException {
        Path zip = SharedData.omniglot().resolve("images_evaluation.zip");
        int c = evaluation.numClasses() / 2;
        String character = evaluation.className(c);
        List<String> drawings;
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(zip.toFile())) {
            drawings = z.stream().map(java.util.zip.ZipEntry::getName)
                    .filter(n -> n.startsWith("images_evaluation/" + character + "/") && n.endsWith(".png"))
                    .sorted().toList();
        }
        assertEquals(20, drawings.size());
        float[] actual = new float[784];
        for (int i : new int[] {0, 19}) {
            evaluation.copyImage(c, i, actual, 0);
            assertArrayEquals(OmniglotTestImages.resize(OmniglotTestImages.originalInk(zip, drawings.get(i))),
                    actual, 1e-6f, character + " drawing " + i);
        }
    }

    @Test
    void describeCountsTheSplitsAndBothSets() throws IOException {
        // 964 - 158 = 806 training characters; validation: Balinese 24, Early_Aramaic 22, Inuktitut 16,
        // Mkhedruli 41, Tifinagh 55 = 158
        assertEquals(List.of(new SplitSummary("train", 806, 16120), new SplitSummary("val", 158, 3160),
                new SplitSummary("test", 659, 13180), new SplitSummary("background", 964, 19280),
                new SplitSummary("evaluation", 659, 13180)), omniglot.describe(OmniglotScheme.LAKE));
    }
}
