package org.dl4jmeta.datasets.miniimagenet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.dl4jmeta.datasets.DatasetException;
import org.dl4jmeta.datasets.SharedData;
import org.junit.jupiter.api.Test;

/** Ravi and Larochelle's split CSVs in the shared folder (the images themselves are not there). */
class RaviSplitsIT {

    @Test
    void splitsHave64And16And20ClassesOf600DisjointImages() throws DatasetException {
        Set<String> labels = new HashSet<>();
        int[] expectedClasses = {64, 16, 20};
        for (int s = 0; s < 3; s++) {
            String split = MiniImageNetConfig.SPLITS.get(s);
            RaviSplitCsv csv = RaviSplitCsv.read(SharedData.miniImageNet().resolve("splits/ravi/" + split + ".csv"));
            assertEquals(expectedClasses[s], csv.classes().size(), split);
            assertEquals(expectedClasses[s] * 600, csv.rows().size(), split);
            csv.classes().values().forEach(rows -> assertEquals(600, rows.size()));
            labels.addAll(csv.classes().keySet());
        }
        assertEquals(100, labels.size(), "the three splits share no class");
        RaviSplitCsv train = RaviSplitCsv.read(SharedData.miniImageNet().resolve("splits/ravi/train.csv"));
        assertEquals(new RaviSplitCsv.Row(2, "n0153282900000005.jpg", "n01532829"), train.rows().get(0));
    }

    @Test
    void sharedFolderWithoutImagesExplainsWhereTheyComeFrom() {
        DatasetException e = assertThrows(DatasetException.class,
                () -> MiniImageNet.describe(SharedData.miniImageNet()));
        assertTrue(e.getMessage().contains("Mini-ImageNet images of split train not found: no "
                + "n0153282900000005.jpg"), e.getMessage());
        assertTrue(e.getMessage().contains("not distributed or downloaded"), e.getMessage());
        assertEquals(List.of("train", "val", "test"), MiniImageNetConfig.SPLITS);
    }
}
