package org.dl4jmeta.eval;

import java.util.Objects;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.algorithm.TaskMetrics;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.EpisodeSource;

/**
 * Evaluates meta-parameters the way the papers do (Finn et al. 2017, section 5.2; 600 episodes in later work):
 * for each test episode, adapt theta on the support set with the test-time number of SGD steps and measure the
 * accuracy on the query set. Episodes come from a seeded source, so two models evaluated with the same source
 * see identical tasks.
 *
 * <p>Not thread-safe (it uses the learner's graph cache).
 */
public final class EpisodeEvaluator {

    private final MetaLearner learner;

    /** @param learner the learner whose {@code adapt} is used */
    public EpisodeEvaluator(MetaLearner learner) {
        this.learner = Objects.requireNonNull(learner, "learner");
    }

    /**
     * @param theta meta-parameters (not modified)
     * @param source test episodes
     * @param episodes number of episodes, &gt;= 1 (episodes 0..n-1 of the source)
     * @param steps test-time inner steps, &gt;= 1
     * @return per-episode accuracies with mean and 95% confidence interval
     */
    public EvaluationResult evaluate(ParamSet theta, EpisodeSource source, int episodes, int steps) {
        if (episodes < 1) {
            throw new IllegalArgumentException("episodes must be >= 1, got " + episodes);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("test inner steps must be >= 1, got " + steps);
        }
        double[] acc = new double[episodes];
        double[] loss = new double[episodes];
        LossGradGraph graph = null;
        for (int i = 0; i < episodes; i++) {
            Episode e = source.episode(i);
            ParamSet phi = learner.adapt(theta, e.supportX(), e.supportY(), steps);
            if (graph == null || graph.batch() != e.queryX().size(0) || graph.dataType() != theta.dataType()) {
                graph = new LossGradGraph(learner.network(), e.queryX().size(0), theta.dataType());
            }
            LossGradGraph.Result r = graph.run(phi, e.queryX(), e.queryY(), false);
            acc[i] = TaskMetrics.accuracy(r.output(), e.queryY());
            loss[i] = r.loss();
        }
        return EvaluationResult.of(acc, loss);
    }
}
