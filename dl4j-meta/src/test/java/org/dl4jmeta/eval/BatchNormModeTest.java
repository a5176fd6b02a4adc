package org.dl4jmeta.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.Normalisation;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.model.ResNet12;
import org.dl4jmeta.optim.OuterOptimizer;
import org.dl4jmeta.optim.TrainingState;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.EpisodeSource;
import org.dl4jmeta.task.SyntheticTasks;
import org.dl4jmeta.testutil.Rel;
import org.dl4jmeta.train.MetaTrainer;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Batch norm from the support set: in {@link BatchNormMode#SUPPORT} a query's prediction alone equals its
 * prediction inside the full query batch (in {@link BatchNormMode#TRANSDUCTIVE} it does not), the outputs equal
 * the network run with the support set's statistics at the adapted parameters, and the evaluator scores both modes
 * on the same episodes of a trained model.
 */
class BatchNormModeTest {

    static final long[] INPUT = {1, 8, 8};

    @Test
    void supportModePredictsEachQueryIndependentlyOfItsBatch() {
        Network net = ResNet12.build(new long[] {2, 16, 16}, List.of(2, 3, 4, 5), 3);
        Maml maml = new Maml(net, MamlConfig.firstOrder(1, 0.3));
        ParamSet theta = maml.initialise(5, DataType.DOUBLE);
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), 3, 2, 3, DataType.DOUBLE, 6);
        ParamSet phi = maml.adapt(theta, e);
        long q = e.queryX().size(0);
        for (BatchNormMode mode : BatchNormMode.values()) {
            QueryPredictor p = new QueryPredictor(net, mode);
            INDArray all = p.predict(phi, e.supportX(), e.queryX(), e.queryY()).output();
            double largest = 0;
            for (long i : new long[] {0, q - 1}) {
                INDArray alone = p.predict(phi, e.supportX(), e.queryX().get(NDArrayIndex.interval(i, i + 1)).dup(),
                        e.queryY().get(NDArrayIndex.interval(i, i + 1)).dup()).output();
                largest = Math.max(largest, Rel.maxRelError(alone, all.get(NDArrayIndex.interval(i, i + 1)), 1e-14));
            }
            if (mode == BatchNormMode.SUPPORT) {
                assertTrue(largest < 1e-10, "support mode: a query alone differs from its batch by " + largest);
            } else {
                assertTrue(largest > 1e-3, "transductive mode: a query alone should depend on its batch, " + largest);
            }
        }
    }

    @Test
    void supportModeUsesTheSupportStatisticsAtTheAdaptedParameters() {
        Network net = Conv4.build(INPUT, 4, Conv4.Downsampling.STRIDE, 2, 3);
        Maml maml = new Maml(net, MamlConfig.firstOrder(2, 0.3));
        ParamSet theta = maml.initialise(8, DataType.DOUBLE);
        Episode e = SyntheticTasks.noiseEpisode(INPUT, 3, 1, 4, DataType.DOUBLE, 2);
        ParamSet phi = maml.adapt(theta, e);
        // the reference: the support set's statistics read out at phi, then fed to the queries as constants
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> v = new LinkedHashMap<>();
        net.paramNames().forEach(k -> v.put(k, sd.constant(phi.get(k))));
        Map<String, Normalisation.Statistics> stats = net.forward(sd, sd.constant(e.supportX()), e.supportX().size(0),
                v).statistics();
        Map<String, Normalisation.Statistics> fixed = new LinkedHashMap<>();
        for (Map.Entry<String, Normalisation.Statistics> s : stats.entrySet()) {
            Map<String, INDArray> mv = sd.output(Map.of(), s.getValue().mean().name(), s.getValue().variance().name());
            fixed.put(s.getKey(), new Normalisation.Statistics(sd.constant(mv.get(s.getValue().mean().name())),
                    sd.constant(mv.get(s.getValue().variance().name()))));
        }
        Network.Forward f = net.forward(sd, sd.constant(e.queryX()), e.queryX().size(0), v, fixed);
        INDArray expected = sd.output(Map.of(), f.output().name()).get(f.output().name());
        INDArray got = new QueryPredictor(net, BatchNormMode.SUPPORT).predict(phi, e.supportX(), e.queryX(),
                e.queryY()).output();
        assertTrue(Rel.maxRelError(got, expected, 1e-14) < 1e-10, got + " vs " + expected);
    }

    @Test
    void evaluatorScoresBothModesOnTheSameEpisodesOfATrainedModel() {
        Network net = Conv4.build(INPUT, 8, Conv4.Downsampling.STRIDE, 2, 3);
        Maml maml = new Maml(net, MamlConfig.firstOrder(1, 0.5));
        ParamSet theta = maml.initialise(3, DataType.FLOAT);
        TrainingState st = new TrainingState(theta, new OuterOptimizer(new Adam(0.01), theta.length(),
                DataType.FLOAT), 0);
        new MetaTrainer(maml, 4).fit(st, SyntheticTasks.templateTasks(INPUT, 1, 6, 64, 3, 1, 5, 2.0,
                DataType.FLOAT, 5), 40);
        EpisodeSource test = SyntheticTasks.templateTasks(INPUT, 1, 6, 64, 3, 1, 5, 2.0, DataType.FLOAT, 99);
        try (EpisodeEvaluator ev = new EpisodeEvaluator(() -> new Maml(net, MamlConfig.firstOrder(1, 0.5)), 2)) {
            List<EpisodeOutcome> trans = ev.outcomes(st.theta(), test, 40, 1, BatchNormMode.TRANSDUCTIVE);
            List<EpisodeOutcome> support = ev.outcomes(st.theta(), test, 40, 1, BatchNormMode.SUPPORT);
            assertEquals(40, support.size());
            boolean differ = false;
            for (int i = 0; i < 40; i++) {
                assertEquals(trans.get(i).episode(), support.get(i).episode());
                assertEquals(trans.get(i).queryTargets(), support.get(i).queryTargets());
                differ |= Rel.maxRelError(trans.get(i).queryOutput(), support.get(i).queryOutput(), 1e-6) > 1e-3;
            }
            assertTrue(differ, "the two modes gave the same outputs on every episode");
            // the default is transductive
            assertArrayEquals(EvaluationResult.of(trans).accuracies(),
                    ev.evaluate(st.theta(), test, 40, 1).accuracies(), 0.0);
            double t = EvaluationResult.of(trans).mean();
            double s = ev.evaluate(st.theta(), test, 40, 1, BatchNormMode.SUPPORT).mean();
            assertEquals(EvaluationResult.of(support).mean(), s, 0.0);
            // both modes predict above chance (1/3; 600 queries, a standard error of about 0.02) after 40
            // first-order iterations (0.57 and 0.53 when written)
            assertTrue(t > 0.45 && s > 0.45, "transductive " + t + ", support " + s);
            IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                    () -> ev.outcomes(st.theta(), test, 1, 1, null));
            assertTrue(none.getMessage().contains("transductive, support"), none.getMessage());
        }
    }

    @Test
    void modesParseByNameAndRefuseOthers() {
        assertEquals(BatchNormMode.SUPPORT, BatchNormMode.parse("support"));
        assertEquals(BatchNormMode.TRANSDUCTIVE, BatchNormMode.parse("Transductive"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> BatchNormMode.parse("running"));
        assertTrue(bad.getMessage().contains("'running'") && bad.getMessage().contains("transductive, support"),
                bad.getMessage());
    }
}
