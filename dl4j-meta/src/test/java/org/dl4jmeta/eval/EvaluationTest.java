package org.dl4jmeta.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.SyntheticTasks;
import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** Episode outcomes agree with the summary and convert to DL4J evaluations with the same accuracy. */
class EvaluationTest {

    @Test
    void dl4jEvaluationAgreesWithTheEpisodeAccuracies() {
        Network net = Conv4.build(new long[] {1, 8, 8}, 4, Conv4.Downsampling.STRIDE, 2, 3);
        Maml maml = new Maml(net, MamlConfig.firstOrder(1, 0.4));
        ParamSet theta = maml.initialise(2, DataType.FLOAT);
        var source = SyntheticTasks.templateTasks(new long[] {1, 8, 8}, 1, 6, 64, 3, 1, 4, 1.0, DataType.FLOAT, 3);
        EpisodeEvaluator ev = new EpisodeEvaluator(maml);
        List<EpisodeOutcome> outcomes = ev.outcomes(theta, source, 6, 2);
        EvaluationResult r = EvaluationResult.of(outcomes);
        assertArrayEquals(ev.evaluate(theta, source, 6, 2).accuracies(), r.accuracies(), 0.0);
        for (EpisodeOutcome o : outcomes) {
            Evaluation e = o.toEvaluation();
            assertEquals(o.accuracy(), e.accuracy(), 1e-12);
            assertEquals(12, o.predicted().length);
            double[] rowSums = o.probabilities().sum(1).toDoubleVector();
            assertArrayEquals(new double[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, rowSums, 1e-6);
        }
        // every episode has 12 queries, so the pooled accuracy is the mean episode accuracy
        assertEquals(r.mean(), EvaluationResult.toEvaluation(outcomes).accuracy(), 1e-12);
        assertEquals(6, r.episodes());
    }

    @Test
    void ci95IsTheNormalHalfWidth() {
        // accuracies 0.5, 0.7, 0.9: mean 0.7, sample sd 0.2, half-width 1.96 * 0.2 / sqrt(3)
        EvaluationResult r = EvaluationResult.of(new double[] {0.5, 0.7, 0.9}, new double[3]);
        assertEquals(0.7, r.mean(), 1e-12);
        assertEquals(1.96 * 0.2 / Math.sqrt(3), r.ci95(), 1e-12);
        assertEquals(0.0, EvaluationResult.of(new double[] {0.4}, new double[1]).ci95());
        Nd4j.getRandom();
    }
}
