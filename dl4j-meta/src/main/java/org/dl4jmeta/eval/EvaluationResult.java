package org.dl4jmeta.eval;

import java.util.List;
import org.nd4j.evaluation.classification.Evaluation;

/**
 * Per-episode query accuracies and their summary.
 *
 * @param accuracies query accuracy of every episode, in episode order
 * @param losses query loss of every episode
 * @param mean mean accuracy
 * @param ci95 half-width of the 95% confidence interval of the mean, 1.96 s / sqrt(n) with s the sample
 *     standard deviation (0 for a single episode)
 */
public record EvaluationResult(double[] accuracies, double[] losses, double mean, double ci95) {

    /**
     * @param accuracies per-episode accuracies (not empty)
     * @param losses per-episode losses, same length
     * @return the summary
     */
    public static EvaluationResult of(double[] accuracies, double[] losses) {
        int n = accuracies.length;
        if (n == 0 || losses.length != n) {
            throw new IllegalArgumentException("need one loss per accuracy and at least one episode, got "
                    + n + " accuracies and " + losses.length + " losses");
        }
        double mean = 0;
        for (double a : accuracies) {
            mean += a;
        }
        mean /= n;
        double ss = 0;
        for (double a : accuracies) {
            ss += (a - mean) * (a - mean);
        }
        double sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
        return new EvaluationResult(accuracies.clone(), losses.clone(), mean, 1.96 * sd / Math.sqrt(n));
    }

    /**
     * @param outcomes per-episode outcomes (not empty), in episode order
     * @return their summary
     */
    public static EvaluationResult of(List<EpisodeOutcome> outcomes) {
        double[] acc = new double[outcomes.size()];
        double[] loss = new double[outcomes.size()];
        for (int i = 0; i < acc.length; i++) {
            acc[i] = outcomes.get(i).accuracy();
            loss[i] = outcomes.get(i).loss();
        }
        return of(acc, loss);
    }

    /** @return the number of episodes */
    public int episodes() {
        return accuracies.length;
    }

    /**
     * The outcomes of many episodes pooled into one DL4J evaluation (classes are label positions 0..N-1; see
     * {@link EpisodeOutcome#toEvaluation}). Its accuracy is the mean over all query examples, which equals
     * {@link #mean} when every episode has the same number of queries.
     *
     * @param outcomes per-episode outcomes (not empty)
     * @return the merged DL4J {@link Evaluation}
     */
    public static Evaluation toEvaluation(List<EpisodeOutcome> outcomes) {
        if (outcomes.isEmpty()) {
            throw new IllegalArgumentException("need at least one episode outcome, got none");
        }
        Evaluation all = null;
        for (EpisodeOutcome o : outcomes) {
            Evaluation e = o.toEvaluation();
            if (all == null) {
                all = e;
            } else {
                all.merge(e);
            }
        }
        return all;
    }
}
