package org.dl4jmeta.app.jobs;

import java.io.PrintStream;
import java.util.Locale;
import org.dl4jmeta.optim.TrainingState;
import org.dl4jmeta.train.IterationMetrics;
import org.dl4jmeta.train.TrainingListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shows training progress: on a terminal a progress bar with ETA, meta-loss and accuracy redrawn in place on
 * standard error (at most ten times a second); otherwise (a log file, CI) a plain SLF4J line every N iterations.
 * Loss and accuracy are exponential moving averages over about 20 iterations, as single meta-batches are noisy.
 * With a time budget the ETA and the bar end at whichever comes first, the iterations or the budget (training time
 * of earlier sessions of a resumed run counted in).
 */
final class ProgressReporter implements TrainingListener {

    private static final Logger LOG = LoggerFactory.getLogger(ProgressReporter.class);
    private static final int WIDTH = 30;

    private final int total;
    private final int logEvery;
    private final PrintStream terminal;
    private final double budgetSeconds;
    private final double earlierSeconds;
    private long startNanos;
    private int startIteration;
    private long lastDraw;
    private double loss = Double.NaN;
    private double accuracy = Double.NaN;
    private boolean drawn;

    /**
     * @param total the iteration to reach
     * @param logEvery iterations between log lines when not on a terminal
     * @param terminal where to draw the bar, or null to log lines instead
     * @param budgetSeconds the run's training-time budget in seconds, 0 for none
     * @param earlierSeconds training seconds of earlier sessions (a resumed run), counted against the budget
     */
    ProgressReporter(int total, int logEvery, PrintStream terminal, double budgetSeconds, double earlierSeconds) {
        this.total = total;
        this.logEvery = logEvery;
        this.terminal = terminal;
        this.budgetSeconds = budgetSeconds;
        this.earlierSeconds = earlierSeconds;
    }

    /**
     * @param total the iteration to reach
     * @param logEvery iterations between log lines when not on a terminal
     * @param terminal where to draw the bar, or null to log lines instead
     */
    ProgressReporter(int total, int logEvery, PrintStream terminal) {
        this(total, logEvery, terminal, 0, 0);
    }

    @Override
    public void onStart(TrainingState state) {
        startNanos = System.nanoTime();
        startIteration = state.iteration();
    }

    @Override
    public void iterationDone(IterationMetrics m, TrainingState state) {
        double a = 0.1;
        loss = Double.isNaN(loss) ? m.metaLoss() : (1 - a) * loss + a * m.metaLoss();
        accuracy = Double.isNaN(accuracy) ? m.queryAccuracyAfter() : (1 - a) * accuracy + a * m.queryAccuracyAfter();
        int done = m.iteration();
        double session = (System.nanoTime() - startNanos) / 1e9;
        double perIteration = session / Math.max(1, done - startIteration);
        double remaining = perIteration * (total - done);
        double fraction = (double) done / total;
        if (budgetSeconds > 0) {
            double spent = earlierSeconds + session;
            remaining = Math.min(remaining, Math.max(0, budgetSeconds - spent));
            fraction = Math.max(fraction, Math.min(1, spent / budgetSeconds));
        }
        String eta = duration(remaining);
        if (terminal != null) {
            long now = System.nanoTime();
            if (now - lastDraw > 100_000_000L || done == total) {
                lastDraw = now;
                int filled = (int) (WIDTH * fraction);
                terminal.print(String.format(Locale.ROOT, "\r[%s%s] %5.1f%% %d/%d ETA %s loss %.4f acc %.4f ",
                        "#".repeat(filled), "-".repeat(WIDTH - filled), 100.0 * fraction, done, total, eta, loss,
                        accuracy));
                terminal.flush();
                drawn = true;
            }
        } else if (done % logEvery == 0 || done == total) {
            String before = Double.isNaN(m.queryAccuracyBefore()) ? ""
                    : String.format(Locale.ROOT, " accuracy_before=%.4f", m.queryAccuracyBefore());
            LOG.info(String.format(Locale.ROOT, "iteration %d/%d meta_loss=%.4f%s accuracy_after=%.4f "
                    + "gradient_norm=%.3e s_per_iteration=%.3f eta=%s", done, total, loss, before, accuracy,
                    m.gradientNorm(), perIteration, eta));
        }
    }

    /** Ends the bar's line so that a log line does not overwrite it. */
    void newLine() {
        if (terminal != null && drawn) {
            terminal.println();
            terminal.flush();
            drawn = false;
        }
    }

    @Override
    public void onEnd(TrainingState state) {
        newLine();
    }

    /** @return the smoothed meta-loss */
    double loss() {
        return loss;
    }

    /** @return the smoothed post-adaptation accuracy */
    double accuracy() {
        return accuracy;
    }

    static String duration(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            return "--:--:--";
        }
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%02d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }
}
