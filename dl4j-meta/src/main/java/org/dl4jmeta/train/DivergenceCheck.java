package org.dl4jmeta.train;

import java.util.Locale;
import org.dl4jmeta.model.ParamSet;

/**
 * When meta-training has diverged, so that a run stops instead of saving chance-level models as its results: a
 * finite loss that has blown up, or parameters that have. Checked after every outer update, three ways:
 * <ul>
 *   <li>the smoothed meta-loss (an exponential moving average over about ten iterations, since single
 *       meta-batches are noisy) exceeds {@code lossFactor} times its running minimum in this session;</li>
 *   <li>adaptation makes things worse by that factor: the meta-loss (query loss after adaptation) exceeds
 *       {@code lossFactor} times the query loss before adaptation, on iterations that measure it (an inner step
 *       size far too large, e.g. {@code --inner-step-size 1e6}, gives 1e10 after against 1.6 before);</li>
 *   <li>a meta-parameter's magnitude exceeds {@code maxAbsParameter}, or is not finite.</li>
 * </ul>
 * A factor of 0 turns the loss checks off, an infinite {@code maxAbsParameter} the magnitude check (non-finite
 * parameters are always caught, by the trainer's update check and here).
 *
 * @param lossFactor how many times its running minimum the smoothed loss may grow, &gt; 1, or 0 (off)
 * @param maxAbsParameter the largest magnitude a meta-parameter may reach, &gt; 0 (may be infinite)
 */
public record DivergenceCheck(double lossFactor, double maxAbsParameter) {

    /** Smoothing of the meta-loss: the weight of the newest iteration. */
    private static final double SMOOTHING = 0.1;

    /**
     * @throws IllegalArgumentException if the factor is not 0 or above 1, or the bound is not positive
     */
    public DivergenceCheck {
        if (!(lossFactor == 0 || (lossFactor > 1 && Double.isFinite(lossFactor)))) {
            throw new IllegalArgumentException("divergence loss factor must be > 1 and finite, or 0 to turn the check "
                    + "off, got " + lossFactor);
        }
        if (!(maxAbsParameter > 0)) {
            throw new IllegalArgumentException("divergence parameter bound must be > 0 (Infinity: off), got "
                    + maxAbsParameter);
        }
    }

    /**
     * A loss of 10 times its smoothed minimum, or a parameter of magnitude 1e5 (the Conv-4's meta-parameters
     * stay below 10 in training; a run whose inner loop diverged reached 1.7e29 before its loss turned NaN).
     *
     * @return the default check
     */
    public static DivergenceCheck defaults() {
        return new DivergenceCheck(10, 1e5);
    }

    /** @return a check that never fires on finite values */
    public static DivergenceCheck off() {
        return new DivergenceCheck(0, Double.POSITIVE_INFINITY);
    }

    /** @return a fresh monitor for one training session */
    public Monitor start() {
        return new Monitor(this);
    }

    /**
     * The running state of the check over one training session: the smoothed loss and its minimum. Call order:
     * {@link #observe} after each outer update, in iteration order. Not thread-safe.
     */
    public static final class Monitor {

        private final DivergenceCheck check;
        private double smoothed = Double.NaN;
        private double minimum = Double.POSITIVE_INFINITY;

        private Monitor(DivergenceCheck check) {
            this.check = check;
        }

        /**
         * @param m the iteration's metrics
         * @param theta the meta-parameters after its update
         * @return why training has diverged, naming the iteration and the values, or null if it has not
         */
        public String observe(IterationMetrics m, ParamSet theta) {
            String params = parameters(theta);
            if (params != null) {
                return "iteration " + m.iteration() + ": " + params;
            }
            if (check.lossFactor == 0) {
                return null;
            }
            double loss = m.metaLoss();
            smoothed = Double.isNaN(smoothed) ? loss : (1 - SMOOTHING) * smoothed + SMOOTHING * loss;
            minimum = Math.min(minimum, smoothed);
            if (smoothed > check.lossFactor * minimum) {
                return String.format(Locale.ROOT, "iteration %d: the smoothed meta-loss %.4g is more than %s times "
                        + "its minimum %.4g", m.iteration(), smoothed, factor(), minimum);
            }
            double before = m.queryLossBefore();
            if (Double.isFinite(before) && before > 0 && loss > check.lossFactor * before) {
                return String.format(Locale.ROOT, "iteration %d: adaptation raised the query loss from %.4g to %.4g, "
                        + "more than %s times (the inner loop diverges: lower the inner step size)", m.iteration(),
                        before, loss, factor());
            }
            return null;
        }

        /**
         * @param theta meta-parameters
         * @return why they count as diverged (the first bad tensor and its magnitude), or null if they do not
         */
        public String parameters(ParamSet theta) {
            String bad = theta.firstNonFinite();
            if (bad != null) {
                return "meta-parameter '" + bad + "' is not finite";
            }
            if (Double.isFinite(check.maxAbsParameter)
                    && theta.flat().amaxNumber().doubleValue() > check.maxAbsParameter) {
                for (String name : theta.names()) {
                    double max = theta.get(name).amaxNumber().doubleValue();
                    if (max > check.maxAbsParameter) {
                        return String.format(Locale.ROOT, "meta-parameter '%s' reached magnitude %.4g, above the "
                                + "bound %.4g", name, max, check.maxAbsParameter);
                    }
                }
            }
            return null;
        }

        private String factor() {
            return String.format(Locale.ROOT, "%.4g", check.lossFactor);
        }
    }
}
