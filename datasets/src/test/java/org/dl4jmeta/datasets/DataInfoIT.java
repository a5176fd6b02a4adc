package org.dl4jmeta.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data-info summaries on the shared data sets, and its bad-input messages. */
class DataInfoIT {

    @TempDir
    Path tmp;

    private static List<String> lines(List<SplitSummary> s) {
        return s.stream().map(SplitSummary::toString).toList();
    }

    @Test
    void omniglotVinyalsAndLake() throws IOException {
        assertEquals(List.of("split=train classes=4112 images=82240", "split=val classes=688 images=13760",
                "split=test classes=1692 images=33840", "split=trainval classes=4800 images=96000"),
                lines(DataInfo.describe("omniglot", SharedData.omniglot(), null)));
        assertEquals(List.of("split=train classes=806 images=16120", "split=val classes=158 images=3160",
                "split=test classes=659 images=13180", "split=background classes=964 images=19280",
                "split=evaluation classes=659 images=13180"),
                lines(DataInfo.describe("Omniglot", SharedData.omniglot(), "lake")));
    }

    @Test
    void badInputIsNamed() {
        assertEquals("dataset must be omniglot or miniimagenet, got 'cifar'", assertThrows(
                IllegalArgumentException.class, () -> DataInfo.describe("cifar", tmp, null)).getMessage());
        assertEquals("Omniglot split scheme must be vinyals or lake, got 'ravi'", assertThrows(
                IllegalArgumentException.class, () -> DataInfo.describe("omniglot", tmp, "ravi")).getMessage());
        assertEquals("Mini-ImageNet split scheme must be ravi, got 'vinyals'", assertThrows(
                IllegalArgumentException.class, () -> DataInfo.describe("miniimagenet", tmp, "vinyals"))
                .getMessage());
        DatasetException e = assertThrows(DatasetException.class,
                () -> DataInfo.describe("omniglot", tmp.resolve("x"), "vinyals"));
        assertTrue(e.getMessage().contains("download --dataset omniglot --data-dir " + tmp.resolve("x")),
                e.getMessage());
    }
}
