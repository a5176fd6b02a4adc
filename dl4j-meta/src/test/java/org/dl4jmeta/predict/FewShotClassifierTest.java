package org.dl4jmeta.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.provenance.Provenance;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.SyntheticTasks;
import org.dl4jmeta.testutil.Rel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The prediction API: an image's probabilities do not depend on its batch, an N-way model adapted to k &lt; N
 * classes is exactly the k-way model made of its first k outputs, and a saved classifier predicts the same after
 * loading.
 */
class FewShotClassifierTest {

    private static final long[] INPUT = {1, 10, 10};

    private static SavedModel metaModel(int ways, DataType dt) {
        Network net = Conv4.build(INPUT, 4, Conv4.Downsampling.STRIDE, 3, ways);
        Maml maml = new Maml(net, MamlConfig.firstOrder(2, 0.4));
        ParamSet theta = maml.initialise(3, dt);
        return SavedModel.meta(maml, theta, Map.of(), Provenance.capture(dt, 3, Map.of(), Map.of()));
    }

    private static int[] labels(Episode e) {
        int[] l = new int[(int) e.supportY().size(0)];
        for (int i = 0; i < l.length; i++) {
            l[i] = e.supportY().getRow(i).argMax().getInt(0);
        }
        return l;
    }

    @Test
    void anImageGetsTheSameProbabilitiesAloneAndInAnyBatch() {
        SavedModel m = metaModel(3, DataType.FLOAT);
        Episode e = SyntheticTasks.noiseEpisode(INPUT, 3, 2, 3, DataType.FLOAT, 5);
        FewShotClassifier c = FewShotClassifier.adapt(m, e.supportX(), labels(e), List.of("a", "b", "c"), 3,
                m.provenance());
        INDArray all = c.predict(e.queryX()).probabilities();
        assertEquals(9, all.size(0));
        for (int i : new int[] {0, 4, 8}) {
            INDArray alone = c.predict(e.queryX().get(NDArrayIndex.point(i)).dup()).probabilities();
            assertTrue(Rel.maxRelError(alone.getRow(0), all.getRow(i), 1e-7) < 1e-5, "image " + i);
        }
        INDArray reversed = c.predict(e.queryX().get(NDArrayIndex.interval(4, 9)).dup()).probabilities();
        assertTrue(Rel.maxRelError(reversed, all.get(NDArrayIndex.interval(4, 9)), 1e-7) < 1e-5);
        assertEquals(1.0, all.getRow(0).sumNumber().doubleValue(), 1e-6);
    }

    @Test
    void anNWayModelAdaptedToFewerClassesIsTheModelOfItsFirstOutputs() {
        SavedModel five = metaModel(5, DataType.DOUBLE);
        Episode e = SyntheticTasks.noiseEpisode(INPUT, 3, 2, 2, DataType.DOUBLE, 7);
        FewShotClassifier c = FewShotClassifier.adapt(five, e.supportX(), labels(e), List.of("x", "y", "z"), 2,
                five.provenance());
        assertEquals(List.of(3, 4), c.unusedOutputs());
        assertEquals(List.of("x", "y", "z"), c.classes());
        FewShotClassifier.Prediction p = c.predict(e.queryX());
        assertArrayEquals(new long[] {6, 3}, p.probabilities().shape());

        // the reference: a 3-way network whose head is the first 3 outputs of the 5-way head, adapted plainly
        Network net3 = Conv4.build(INPUT, 4, Conv4.Downsampling.STRIDE, 3, 3);
        Maml maml3 = new Maml(net3, MamlConfig.firstOrder(2, 0.4));
        ParamSet theta5 = five.parameters();
        ParamSet theta3 = maml3.initialise(0, DataType.DOUBLE);
        for (String n : theta3.names()) {
            INDArray src = theta5.get(n);
            theta3.get(n).assign(n.equals("head/W") ? src.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 3))
                    : n.equals("head/b") ? src.get(NDArrayIndex.interval(0, 3)) : src);
        }
        ParamSet phi3 = maml3.adapt(theta3, e.supportX(), e.supportY(), 2);
        ParamSet phi5 = c.model().parameters();
        for (String n : phi3.names()) {
            INDArray got = n.equals("head/W") ? phi5.get(n).get(NDArrayIndex.all(), NDArrayIndex.interval(0, 3))
                    : n.equals("head/b") ? phi5.get(n).get(NDArrayIndex.interval(0, 3)) : phi5.get(n);
            assertTrue(Rel.maxRelError(got, phi3.get(n), 1e-14) < 1e-10, n);
        }
        // the masked outputs' head columns are untouched by adaptation
        assertEquals(theta5.get("head/W").get(NDArrayIndex.all(), NDArrayIndex.interval(3, 5)),
                phi5.get("head/W").get(NDArrayIndex.all(), NDArrayIndex.interval(3, 5)));
    }

    @Test
    void aSavedClassifierPredictsTheSameAfterLoading(@TempDir Path dir) throws Exception {
        SavedModel m = metaModel(4, DataType.FLOAT);
        Episode e = SyntheticTasks.noiseEpisode(INPUT, 2, 3, 2, DataType.FLOAT, 9);
        FewShotClassifier c = FewShotClassifier.adapt(m, e.supportX(), labels(e), List.of("cat", "dog"), 2,
                m.provenance());
        Path f = dir.resolve("adapted.zip");
        c.save(f);
        FewShotClassifier back = FewShotClassifier.load(f);
        assertEquals(List.of("cat", "dog"), back.classes());
        assertEquals(c.predict(e.queryX()).probabilities(), back.predict(e.queryX()).probabilities());
        IllegalArgumentException meta = assertThrows(IllegalArgumentException.class,
                () -> FewShotClassifier.adapt(back.model(), e.supportX(), labels(e), List.of("a", "b"), 1,
                        m.provenance()));
        assertTrue(meta.getMessage().contains("already adapted"), meta.getMessage());
    }

    @Test
    void badSupportSetsAreRefusedByValue() {
        SavedModel m = metaModel(3, DataType.FLOAT);
        Episode e = SyntheticTasks.noiseEpisode(INPUT, 3, 1, 1, DataType.FLOAT, 2);
        int[] l = labels(e);
        IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
                () -> FewShotClassifier.adapt(m, e.supportX(), new int[] {0, 0, 0}, List.of("a"), 1, m.provenance()));
        assertTrue(one.getMessage().contains("2..3"), one.getMessage());
        IllegalArgumentException many = assertThrows(IllegalArgumentException.class, () -> FewShotClassifier.adapt(m,
                e.supportX(), l, List.of("a", "b", "c", "d"), 1, m.provenance()));
        assertTrue(many.getMessage().contains("got 4"), many.getMessage());
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class, () -> FewShotClassifier.adapt(m,
                e.supportX(), new int[] {0, 1, 5}, List.of("a", "b", "c"), 1, m.provenance()));
        assertTrue(range.getMessage().contains("5"), range.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> FewShotClassifier.adapt(m,
                e.supportX(), new int[] {0, 1, 1}, List.of("a", "b", "c"), 1, m.provenance()));
        assertTrue(empty.getMessage().contains("'c'"), empty.getMessage());
    }
}
