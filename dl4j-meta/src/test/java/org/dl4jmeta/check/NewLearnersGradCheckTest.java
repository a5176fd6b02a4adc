package org.dl4jmeta.check;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.dl4jmeta.algorithm.Anil;
import org.dl4jmeta.algorithm.LearnerState;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.algorithm.MetaSgd;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.SyntheticTasks;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Second-order meta-gradients of ANIL, Meta-SGD and each MAML++ option through 2 inner steps equal central finite
 * differences of their meta-objective in double (relative error below 1e-6, DL4J's GradCheckUtil criterion), along
 * random unit directions over all of theta and along directions restricted to the learned step sizes and per-step
 * batch-norm sets. The objective is computed only through the learners' public {@code adapt}:
 * F(theta) = sum_j w_j L_query(adapt(theta, j+1 steps)) with the state's multi-step weights w (L_query(adapt(theta, K))
 * without them), so the unrolled graph's autodiff is checked against an independent evaluation.
 */
class NewLearnersGradCheckTest {

    static final int K = 2;
    static final int EPOCH = 10;

    /** Directions over these entries of theta only, and a name for them. */
    record Entries(String name, Predicate<String> which) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final Entries ALL = new Entries("all of theta", n -> true);
    static final Entries RATES = new Entries("learned step sizes", n -> n.startsWith("alpha/")
            || n.startsWith("metasgd/"));
    static final Entries SETS = new Entries("per-step batch norm", n -> n.startsWith("bn/step"));

    static Stream<Arguments> cases() {
        MamlConfig base = MamlConfig.secondOrder(K, 0.3);
        // iteration 3 epochs in: multi-step weights (0.35, 0.65) for K = 2, E = 10
        int mid = 3 * EPOCH;
        return Stream.of(
                Arguments.of("ANIL (last layer)", anil(null), 0, ALL),
                Arguments.of("ANIL (prefix head/)", anil("head/"), 0, ALL),
                Arguments.of("Meta-SGD", metaSgd(), 0, ALL),
                Arguments.of("Meta-SGD", metaSgd(), 0, RATES),
                Arguments.of("MAML++ LSLR", new Maml(net(), base.withLearnedStepSizes()), 0, ALL),
                Arguments.of("MAML++ LSLR", new Maml(net(), base.withLearnedStepSizes()), 0, RATES),
                Arguments.of("MAML++ BNWB", new Maml(net(), base.withPerStepBatchNorm()), 0, ALL),
                Arguments.of("MAML++ BNWB", new Maml(net(), base.withPerStepBatchNorm()), 0, SETS),
                Arguments.of("MAML++ MSL", new Maml(net(), base.withMultiStepLoss(10, EPOCH)), mid, ALL),
                Arguments.of("MAML++ MSL, first epoch", new Maml(net(), base.withMultiStepLoss(10, EPOCH)), 0, ALL),
                Arguments.of("MAML++ DA, after annealing", new Maml(net(), base.withFirstOrderFor(5)), 5, ALL),
                Arguments.of("MAML++ all", new Maml(net(), base.withLearnedStepSizes().withPerStepBatchNorm()
                        .withMultiStepLoss(10, EPOCH).withFirstOrderFor(5)), mid, ALL),
                Arguments.of("MAML++ all", new Maml(net(), base.withLearnedStepSizes().withPerStepBatchNorm()
                        .withMultiStepLoss(10, EPOCH).withFirstOrderFor(5)), mid, RATES),
                Arguments.of("MAML++ all", new Maml(net(), base.withLearnedStepSizes().withPerStepBatchNorm()
                        .withMultiStepLoss(10, EPOCH).withFirstOrderFor(5)), mid, SETS));
    }

    static Network net() {
        return MamlGradCheckTest.smallOmniglot();
    }

    static Anil anil(String prefix) {
        return new Anil(net(), new Anil.Config(K, 0.3, false, prefix));
    }

    static MetaSgd metaSgd() {
        return new MetaSgd(net(), new MetaSgd.Config(K, 0.3, false));
    }

    @ParameterizedTest(name = "{0} at iteration {2}, directions over {3}")
    @MethodSource("cases")
    void secondOrderMetaGradientMatchesFiniteDifferences(String name, MetaLearner learner, int iteration,
                                                         Entries entries) {
        ParamSet theta = distinct(learner.initialise(7, DataType.DOUBLE));
        Episode e = SyntheticTasks.noiseEpisode(learner.network().inputShape(), 3, 2, 2, DataType.DOUBLE, 11);
        LearnerState state = new Maml.Progress(iteration);
        double[] w = learner instanceof Maml m ? m.config().stepLossWeights(iteration) : null;
        ParamSet g = learner.metaGradient(theta, learner instanceof Maml ? state : LearnerState.NONE, e, false)
                .gradient();
        double[] r = check(g, theta, p -> objective(learner, p, e, w), entries.which(), 6, 13);
        assertTrue(r[0] < 1e-6, name + " (" + entries + "): max relative error " + r[0]);
        assertTrue(r[1] > 1e-4, name + " (" + entries + "): directional derivatives too small to test anything: "
                + r[1]);
    }

    @org.junit.jupiter.api.Test
    void theCheckDetectsAWrongGradient() {
        // first order before derivative-order annealing ends, and the multi-step gradient against the last step's
        // loss alone, are not the gradients of the objectives they are checked against here
        Maml da = new Maml(net(), MamlConfig.secondOrder(K, 0.3).withFirstOrderFor(5));
        Maml msl = new Maml(net(), MamlConfig.secondOrder(K, 0.3).withMultiStepLoss(10, EPOCH));
        for (Maml m : java.util.List.of(da, msl)) {
            ParamSet theta = m.initialise(7, DataType.DOUBLE);
            Episode e = SyntheticTasks.noiseEpisode(net().inputShape(), 3, 2, 2, DataType.DOUBLE, 11);
            ParamSet g = m.metaGradient(theta, new Maml.Progress(0), e, false).gradient();
            double[] r = check(g, theta, p -> objective(m, p, e, null), ALL.which(), 3, 13);
            assertTrue(r[0] > 1e-3, m.config() + ": relative error " + r[0] + " should show the wrong objective");
        }
    }

    /**
     * The learner's meta-objective through its public adaptation: sum_j w_j L_query(adapt(theta, j+1)), or
     * L_query(adapt(theta, K)).
     */
    static double objective(MetaLearner l, ParamSet theta, Episode e, double[] w) {
        LossGradGraph q = new LossGradGraph(l.network(), e.queryX().size(0), DataType.DOUBLE);
        if (w == null) {
            return q.run(l.adapt(theta, e), e.queryX(), e.queryY(), false).loss();
        }
        double f = 0;
        for (int j = 0; j < w.length; j++) {
            f += w[j] * q.run(l.adapt(theta, e.supportX(), e.supportY(), j + 1), e.queryX(), e.queryY(), false)
                    .loss();
        }
        return f;
    }

    /**
     * Central differences along random unit directions supported on some entries of theta.
     *
     * @return {max relative error, largest |directional derivative|}
     */
    static double[] check(ParamSet g, ParamSet theta, ToDoubleFunction<ParamSet> f, Predicate<String> which,
                          int directions, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double eps = 1e-6;
        double worst = 0;
        double largest = 0;
        for (int r = 0; r < directions; r++) {
            ParamSet d = theta.zerosLike();
            double norm = 0;
            for (String n : d.names()) {
                if (which.test(n)) {
                    INDArray a = d.get(n);
                    for (long i = 0; i < a.length(); i++) {
                        double v = rng.nextDouble() * 2 - 1;
                        a.putScalar(i, v);
                        norm += v * v;
                    }
                }
            }
            if (norm == 0) {
                throw new IllegalArgumentException("no entry of theta to perturb: " + theta.names());
            }
            d.scalei(1 / Math.sqrt(norm));
            double analytic = g.dot(d);
            double numeric = (f.applyAsDouble(theta.axpy(eps, d)) - f.applyAsDouble(theta.axpy(-eps, d))) / (2 * eps);
            double diff = Math.abs(analytic - numeric);
            worst = Math.max(worst, diff < 1e-10 ? 0 : diff / (Math.abs(analytic) + Math.abs(numeric)));
            largest = Math.max(largest, Math.abs(analytic));
        }
        return new double[] {worst, largest};
    }

    /**
     * Learned step sizes and per-step sets at distinct values (per element), so a mix-up of names, steps or
     * elements would show.
     */
    static ParamSet distinct(ParamSet theta) {
        ParamSet t = theta.copy();
        int i = 0;
        for (String n : t.names()) {
            INDArray a = t.get(n);
            if (n.startsWith("alpha/") || n.startsWith("metasgd/")) {
                a.muli(Nd4j.linspace(0.6 + 0.1 * (i % 4), 1.4, a.length(), DataType.DOUBLE).reshape(a.shape()));
            } else if (n.startsWith("bn/step")) {
                a.addi(Nd4j.linspace(-0.2, 0.1 + 0.05 * (i % 3), a.length(), DataType.DOUBLE).reshape(a.shape()));
            }
            i++;
        }
        return t;
    }
}
