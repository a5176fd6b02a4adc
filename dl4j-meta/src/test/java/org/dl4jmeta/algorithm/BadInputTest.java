package org.dl4jmeta.algorithm;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.dl4jmeta.model.Conv2d;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.SyntheticTasks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Bad input is rejected at the public boundary with a message naming the bad value. */
class BadInputTest {

    static void assertMessage(Executable ex, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ex);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should contain '" + f + "'");
        }
    }

    final Network net = Conv4.build(new long[] {1, 8, 8}, 2, Conv4.Downsampling.STRIDE, 2, 5);

    @Test
    void configurationsNameTheBadValue() {
        assertMessage(() -> MamlConfig.secondOrder(0, 0.1), "innerSteps", "got 0");
        assertMessage(() -> MamlConfig.secondOrder(1, 0), "innerStepSize", "got 0.0");
        assertMessage(() -> MamlConfig.firstOrder(1, -0.5), "got -0.5");
        assertMessage(() -> MamlConfig.firstOrder(1, Double.NaN), "got NaN");
        assertMessage(() -> new ReptileConfig(-2, 0.1), "got -2");
        assertMessage(() -> new ReptileConfig(1, 0), "got 0.0");
        assertMessage(() -> new ReptileConfig(1, 0.1, -1), "got -1");
        assertMessage(() -> Conv4.omniglot(1), "ways must be >= 2, got 1");
        assertMessage(() -> new Conv2d("c", 4, 3, 3, true), "stride", "got 3");
    }

    @Test
    void wrongEpisodeShapesAreNamed() {
        Maml maml = new Maml(net, MamlConfig.secondOrder(1, 0.1));
        ParamSet theta = maml.initialise(1, DataType.FLOAT);
        Episode wrongImage = SyntheticTasks.noiseEpisode(new long[] {1, 9, 9}, 5, 1, 1, DataType.FLOAT, 1);
        assertMessage(() -> maml.metaGradient(theta, wrongImage), "supportX must be [5, 1, 8, 8]", "[5, 1, 9, 9]");
        Episode wrongWays = SyntheticTasks.noiseEpisode(new long[] {1, 8, 8}, 4, 1, 1, DataType.FLOAT, 1);
        assertMessage(() -> maml.metaGradient(theta, wrongWays), "4 ways", "outputs 5");
        Episode doubles = SyntheticTasks.noiseEpisode(new long[] {1, 8, 8}, 5, 1, 1, DataType.DOUBLE, 1);
        assertMessage(() -> maml.metaGradient(theta, doubles), "DOUBLE", "FLOAT");
        INDArray x = Nd4j.zeros(DataType.FLOAT, 5, 1, 8, 8);
        assertMessage(() -> maml.adapt(theta, x, Nd4j.zeros(DataType.FLOAT, 4, 5), 1), "supportY must be [5,5]",
                "[4, 5]");
        assertMessage(() -> maml.adapt(theta, x, Nd4j.zeros(DataType.FLOAT, 5, 5), 0), "got 0");
        // an Episode itself refuses inconsistent parts
        assertMessage(() -> new Episode(x, Nd4j.zeros(DataType.FLOAT, 4, 5), x, Nd4j.zeros(DataType.FLOAT, 5, 5)),
                "supportY must have one row per supportX example (5)", "[4, 5]");
        assertMessage(() -> Episode.classification(5, x, new int[] {0, 1, 2, 3, 7}, x, new int[] {0, 1, 2, 3, 4}),
                "support label 4", "got 7");
    }

    @Test
    void mismatchedParameterSetsAreNamed() {
        Maml maml = new Maml(net, MamlConfig.secondOrder(1, 0.1));
        Episode e = SyntheticTasks.noiseEpisode(new long[] {1, 8, 8}, 5, 1, 1, DataType.FLOAT, 1);
        ParamSet other = Conv4.build(new long[] {1, 8, 8}, 3, Conv4.Downsampling.STRIDE, 2, 5)
                .initialise(1, DataType.FLOAT);
        assertMessage(() -> maml.metaGradient(other, e), "conv1/W", "[3, 3, 1, 2]", "[3, 3, 1, 3]");
        ParamSet full = maml.initialise(1, DataType.FLOAT);
        Map<String, INDArray> m = new LinkedHashMap<>(full.views());
        m.remove("head/b");
        assertMessage(() -> maml.metaGradient(ParamSet.copyOf(m), e), "lacks parameter 'head/b'");
        Maml learned = new Maml(net, MamlConfig.secondOrder(1, 0.1).withLearnedStepSizes());
        assertMessage(() -> learned.metaGradient(full, e), "alpha/step0/conv1/W");
    }
}
