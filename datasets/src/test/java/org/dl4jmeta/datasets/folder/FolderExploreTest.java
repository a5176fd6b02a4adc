package org.dl4jmeta.datasets.folder;

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

class FolderExploreTest {
    @TempDir
    Path tmp;

    @Test
    void explore() throws Exception {
        for (double noise : new double[] {100, 160}) {
            Path root = tmp.resolve("s" + noise);
            java.util.SplittableRandom rng = new java.util.SplittableRandom(7);
            for (int k = 0; k < 20; k++) {
                double angle = (k % 10) * Math.PI / 10;
                double freq = 2 + k / 10;
                for (int i = 0; i < 10; i++) {
                    GeneratedFolders.stripes(root.resolve(String.format("class%02d/img%02d.png", k, i)), 20, angle,
                            freq, noise, rng);
                }
            }
            FolderDataset data = FolderDataset.open(FolderConfig.of(root, 14, 1));
            FolderImages train = data.load("train", 6, false);
            FolderImages test = data.load("test", 6, false);
            EpisodeSampler tr = new EpisodeSampler(train, SamplerConfig.of(3, 1, 5, 11));
            EpisodeSampler te = new EpisodeSampler(test, SamplerConfig.of(3, 1, 5, 12));
            Maml fomaml = new Maml(Conv4.build(new long[] {1, 14, 14}, 8, Conv4.Downsampling.STRIDE, 2, 3),
                    MamlConfig.firstOrder(1, 0.4));
            ParamSet theta0 = fomaml.initialise(3, DataType.FLOAT);
            EpisodeEvaluator ev = new EpisodeEvaluator(fomaml);
            long t0 = System.nanoTime();
            double untrained = ev.evaluate(theta0, te, 60, 1).mean();
            long t1 = System.nanoTime();
            TrainingState st = new TrainingState(theta0.copy(), new OuterOptimizer(new Adam(0.003), theta0.length(),
                    DataType.FLOAT), 0);
            new MetaTrainer(fomaml, 4).fit(st, tr, 100);
            double t100 = ev.evaluate(st.theta(), te, 60, 1).mean();
            long t2 = System.nanoTime();
            new MetaTrainer(fomaml, 4).fit(st, tr, 200);
            double t200 = ev.evaluate(st.theta(), te, 60, 1).mean();
            System.out.println("EXPLORE noise=" + noise + " untrained=" + untrained + " t100=" + t100 + " t200=" + t200
                    + " evalSec=" + (t1 - t0) / 1e9 + " train100+evalSec=" + (t2 - t1) / 1e9);
        }
    }
}
