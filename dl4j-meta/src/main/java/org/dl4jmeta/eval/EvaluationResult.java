package org.dl4jmeta.eval;

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
}
