package org.dl4jmeta.graph;

import java.io.OutputStream;
import java.io.PrintStream;

/**
 * SameDiff 1.0.0-M2.1 prints one "Added differentiated op" line per op to standard output while it builds a
 * gradient function; a command whose last line is a result must not carry that noise. Graph construction runs
 * through {@link #run}, which discards standard output for its duration (once per graph, never in the hot loop).
 */
final class QuietStdout {

    private static final PrintStream NULL = new PrintStream(OutputStream.nullOutputStream());

    private QuietStdout() {
    }

    static synchronized void run(Runnable r) {
        PrintStream saved = System.out;
        System.setOut(NULL);
        try {
            r.run();
        } finally {
            System.setOut(saved);
        }
    }
}
