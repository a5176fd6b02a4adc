package org.dl4jmeta.datasets.folder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.datasets.episode.EpisodeSampler;
import org.dl4jmeta.datasets.episode.SamplerConfig;
import org.dl4jmeta.eval.EpisodeEvaluator;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.optim.OuterOptimizer;
import org.dl4jmeta.optim.TrainingState;
import org.dl4jmeta.train.MetaTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/**
 * First-order MAML meta-trained on a generated folder data set (20x20 PNG stripes resized to 14x14, 20 classes by
 * orientation and frequency, random phase and heavy noise) adapts to held-out classes much better than the untrained
 * initialisation, both evaluated on the same seeded test episodes (3-way 1-shot, one inner step).
 *
 * <p>Measured while writing it (on a loaded machine): untrained 0.51, after 100 iterations 0.87 on 60 episodes.
 */
class FolderMetaTrainingTest {

    @TempDir
    Path tmp;

    @Test
    void metaTrainingOnAFolderBeatsTheUntrainedInitialisationOnHeldOutClasses() throws IOException {
        Path root = GeneratedFolders.stripeClasses(tmp.resolve("stripes"), 10, 2, 10, 20, 100, 7);
        FolderDataset data = FolderDataset.open(FolderConfig.of(root, 14, 1));
        FolderImages train = data.load("train", 6, false);
        FolderImages test = data.load("test", 6, false);
        assertEquals(20, train.numClasses() + test.numClasses() + data.classes("val").size());
        assertEquals(4, test.numClasses());
        assertTrue(java.util.Collections.disjoint(train.classNames(), test.classNames()));
        EpisodeSampler trainEpisodes = new EpisodeSampler(train, SamplerConfig.of(3, 1, 5, 11));
        EpisodeSampler testEpisodes = new EpisodeSampler(test, SamplerConfig.of(3, 1, 5, 12));

        Maml fomaml = new Maml(Conv4.build(new long[] {1, 14, 14}, 8, Conv4.Downsampling.STRIDE, 2, 3),
                MamlConfig.firstOrder(1, 0.4));
        ParamSet theta0 = fomaml.initialise(3, DataType.FLOAT);
        EpisodeEvaluator ev = new EpisodeEvaluator(fomaml);
        double untrained = ev.evaluate(theta0, testEpisodes, 40, 1).mean();
        assertTrue(untrained < 0.65, "untrained accuracy " + untrained + " leaves no room to learn");
        TrainingState st = new TrainingState(theta0.copy(), new OuterOptimizer(new Adam(0.003), theta0.length(),
                DataType.FLOAT), 0);
        new MetaTrainer(fomaml, 4).fit(st, trainEpisodes, 100);
        double trained = ev.evaluate(st.theta(), testEpisodes, 40, 1).mean();
        assertTrue(trained > untrained + 0.2, "trained " + trained + " vs untrained " + untrained);
    }
}
