package org.dl4jmeta.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.SyntheticTasks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An exported network, loaded with plain {@code SameDiff.fromFlatFile}, gives the library's outputs on the same
 * input (both Conv-4 variants, any batch size).
 */
class SameDiffExportTest {

    @Test
    void exportedGraphReproducesTheLibraryForwardPass(@TempDir Path dir) throws IOException {
        List<Network> nets = List.of(Conv4.build(new long[] {1, 12, 12}, 4, Conv4.Downsampling.STRIDE, 3, 5),
                Conv4.build(new long[] {3, 10, 10}, 4, Conv4.Downsampling.MAX_POOL, 2, 3));
        for (Network net : nets) {
            ParamSet theta = net.initialise(4, DataType.FLOAT);
            Path f = dir.resolve("net" + net.inputShape()[0] + ".fb");
            SameDiffExport.write(f, net, theta);
            SameDiff sd = SameDiff.fromFlatFile(f.toFile());
            for (int batch : new int[] {(int) net.outputs(), 7}) {
                INDArray x = SyntheticTasks.noiseEpisode(net.inputShape(), (int) net.outputs(), 1, batch, DataType.FLOAT,
                        batch).queryX().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, batch));
                INDArray y = org.nd4j.linalg.factory.Nd4j.zeros(DataType.FLOAT, batch, net.outputs());
                INDArray expected = new LossGradGraph(net, batch, DataType.FLOAT).run(theta, x, y, false).output();
                Map<String, INDArray> out = sd.output(Map.of(SameDiffExport.INPUT, x), SameDiffExport.LOGITS,
                        SameDiffExport.PROBABILITIES);
                assertArrayEquals(expected.shape(), out.get(SameDiffExport.LOGITS).shape());
                assertArrayEquals(expected.data().asFloat(), out.get(SameDiffExport.LOGITS).dup().data().asFloat(), 1e-6f);
                double[] rowSums = out.get(SameDiffExport.PROBABILITIES).sum(1).toDoubleVector();
                for (double s : rowSums) {
                    assertEquals(1.0, s, 1e-5);
                }
            }
        }
    }
}
