package org.dl4jmeta.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.algorithm.MetaSgd;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.optim.CosineSchedule;
import org.dl4jmeta.optim.OuterOptimizer;
import org.dl4jmeta.optim.TrainingState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/**
 * MAML++ with every option and a cosine outer schedule, and Meta-SGD, resume bit for bit (double, CPU): N iterations
 * straight equal N/2, a checkpoint through a model file with fresh learner, optimiser and state objects, then N/2
 * more. The checkpoint carries the learned step sizes and per-step batch-norm sets (in theta), the learner's
 * {@link Maml.Progress} (the multi-step weights' epoch and the derivative order change within the run: first order
 * for 3 iterations, weights annealed over 3 epochs of 2 iterations) and the schedule's position (the iteration).
 */
class NewLearnersResumeTest {

    static final int N = 6;

    static MamlConfig plusPlus() {
        return MamlConfig.secondOrder(2, 0.3).withLearnedStepSizes().withPerStepBatchNorm().withMultiStepLoss(3, 2)
                .withFirstOrderFor(3);
    }

    static TrainingState fresh(MetaLearner l) {
        ParamSet theta = l.initialise(3, DataType.DOUBLE);
        return new TrainingState(theta, new OuterOptimizer(new Adam(new CosineSchedule(0.01, 1e-4, N)),
                theta.length(), DataType.DOUBLE), 0, l.initialState());
    }

    void resumesExactly(Supplier<MetaLearner> learner, Path dir) throws Exception {
        TrainingState straight = fresh(learner.get());
        new MetaTrainer(learner.get(), 2).fit(straight, ResumeTest.tasks(), N);

        MetaLearner first = learner.get();
        TrainingState s = fresh(first);
        new MetaTrainer(first, 2).fit(s, ResumeTest.tasks(), N / 2);
        Path file = dir.resolve("checkpoint.zip");
        ModelFile.write(file, SavedModel.checkpoint(first, s, 2, 11, Map.of(), ResumeTest.prov(), Map.of()));
        SavedModel loaded = ModelFile.read(file);
        TrainingState resumed = loaded.restoreTrainingState();
        assertEquals(s.learnerState(), resumed.learnerState());
        new MetaTrainer(loaded.createLearner(), 2).fit(resumed, ResumeTest.tasks(), N);
        assertEquals(straight.learnerState(), resumed.learnerState());
        assertArrayEquals(straight.theta().flat().toDoubleVector(), resumed.theta().flat().toDoubleVector(), 0.0);
    }

    @Test
    void mamlPlusPlusWithCosineScheduleResumesExactly(@TempDir Path dir) throws Exception {
        resumesExactly(() -> new Maml(ResumeTest.net(), plusPlus()), dir);
    }

    @Test
    void metaSgdResumesExactly(@TempDir Path dir) throws Exception {
        resumesExactly(() -> new MetaSgd(ResumeTest.net(), new MetaSgd.Config(2, 0.3, false)), dir);
    }
}
