package org.dl4jmeta.app.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.dl4jmeta.train.IterationMetrics;
import org.junit.jupiter.api.Test;

/** On a terminal the progress bar is redrawn in place with percentage, ETA, loss and accuracy. */
class ProgressReporterTest {

    @Test
    void theBarShowsProgressEtaLossAndAccuracy() throws InterruptedException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream term = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        ProgressReporter p = new ProgressReporter(4, 1, term);
        org.dl4jmeta.optim.TrainingState state = state();
        p.onStart(state);
        for (int i = 1; i <= 4; i++) {
            p.iterationDone(new IterationMetrics(i, 1.0 / i, 0, 0, 0.2, 0.5, 1, 1), null);
            Thread.sleep(120);
        }
        p.onEnd(state);
        String s = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(s.startsWith("\r["), s);
        assertTrue(s.contains("[###############---------------]  50.0% 2/4 ETA 00:00:00"), s);
        assertTrue(s.contains("100.0% 4/4 ETA 00:00:00 loss "), s);
        assertTrue(s.contains(" acc 0.5000"), s);
        assertTrue(s.endsWith(System.lineSeparator()), "the bar's line is ended");
        assertEquals("01:01:01", ProgressReporter.duration(3661));
        assertEquals("--:--:--", ProgressReporter.duration(Double.NaN));
    }

    @Test
    void withATimeBudgetTheEtaAndTheBarEndWithTheBudget() throws InterruptedException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream term = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        // a 1-minute budget of which 45 s went to an earlier session, and 100,000 iterations that would take hours
        ProgressReporter p = new ProgressReporter(100_000, 1, term, 60, 45);
        org.dl4jmeta.optim.TrainingState state = state();
        p.onStart(state);
        Thread.sleep(50);
        p.iterationDone(new IterationMetrics(1, 1.0, 0, 0, 0.2, 0.5, 1, 1), null);
        String s = bytes.toString(StandardCharsets.UTF_8);
        // at most the 15 s left of the budget, not the 19:59:50 the iterations alone would predict
        assertTrue(s.matches("(?s)\\r\\[#{22}-{8}\\]  75\\.\\d% 1/100000 ETA 00:00:1[0-5] .*"), s);
    }

    /** A one-parameter state: the bar reads only its iteration. */
    private static org.dl4jmeta.optim.TrainingState state() {
        org.dl4jmeta.model.ParamSet w = org.dl4jmeta.model.ParamSet.zeros(java.util.Map.of("w", new long[] {1}),
                org.nd4j.linalg.api.buffer.DataType.FLOAT);
        return new org.dl4jmeta.optim.TrainingState(w,
                new org.dl4jmeta.optim.OuterOptimizer(new org.nd4j.linalg.learning.config.Sgd(0.1), 1,
                        org.nd4j.linalg.api.buffer.DataType.FLOAT), 0);
    }
}
