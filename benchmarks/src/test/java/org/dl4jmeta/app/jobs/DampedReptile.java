package org.dl4jmeta.app.jobs;

import org.dl4jmeta.algorithm.InnerLoop;
import org.dl4jmeta.update.InnerUpdate;
import org.dl4jmeta.algorithm.LearnerType;
import org.dl4jmeta.algorithm.MetaGradient;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.algorithm.TaskMetrics;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A learner the app does not know, for the tests that train, resume and evaluate it through the command line:
 * Reptile whose meta-gradient theta - phi_K is multiplied by {@code damping}. Registered in code by the tests.
 */
final class DampedReptile implements MetaLearner {

    /**
     * @param innerSteps K, &gt;= 1
     * @param innerStepSize alpha, &gt; 0
     * @param damping factor on theta - phi_K, &gt; 0
     */
    record Config(int innerSteps, double innerStepSize, double damping) {
        Config {
            if (!(damping > 0)) {
                throw new IllegalArgumentException("damping must be > 0, got " + damping);
            }
        }
    }

    private final Network network;
    private final Config config;
    private final InnerLoop inner;

    DampedReptile(Network network, Config config) {
        this.network = network;
        this.config = config;
        this.inner = new InnerLoop(network, false);
    }

    @Override
    public String id() {
        return "damped-reptile";
    }

    @Override
    public Network network() {
        return network;
    }

    @Override
    public int innerSteps() {
        return config.innerSteps();
    }

    @Override
    public ParamSet initialise(long seed, DataType dataType) {
        return network.initialise(seed, dataType);
    }

    @Override
    public ParamSet adapt(ParamSet theta, INDArray x, INDArray y, int steps) {
        inner.requireAdaptation(theta, x, y, steps);
        return inner.adapt(theta, x, y, steps, InnerUpdate.sgd(config.innerStepSize()), steps, null);
    }

    @Override
    public MetaGradient metaGradient(ParamSet theta, Episode e, boolean preAdaptationMetrics) {
        inner.requireEpisode(theta, e);
        ParamSet phi = inner.adapt(theta, e.supportX(), e.supportY(), config.innerSteps(),
                InnerUpdate.sgd(config.innerStepSize()), config.innerSteps(), null);
        ParamSet grad = theta.copy().axpyi(-1.0, phi).scalei(config.damping());
        double[] before = inner.queryAtTheta(theta, e, preAdaptationMetrics);
        double[] after = inner.queryAtTheta(phi, e, true);
        return new MetaGradient(grad, new TaskMetrics(Double.NaN, before[0], before[1], after[0], after[1]));
    }

    /** Saves and restores the learner as {@code damped-reptile}. */
    static final class Type implements LearnerType<Config, DampedReptile> {
        @Override
        public String id() {
            return "damped-reptile";
        }

        @Override
        public Class<Config> configClass() {
            return Config.class;
        }

        @Override
        public Class<DampedReptile> learnerClass() {
            return DampedReptile.class;
        }

        @Override
        public Config defaultConfig(int innerSteps, double innerStepSize) {
            return new Config(innerSteps, innerStepSize, 1.0);
        }

        @Override
        public DampedReptile create(Network network, Config config) {
            return new DampedReptile(network, config);
        }

        @Override
        public Config config(DampedReptile learner) {
            return learner.config;
        }
    }
}
