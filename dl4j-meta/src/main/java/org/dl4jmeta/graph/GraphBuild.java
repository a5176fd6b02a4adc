package org.dl4jmeta.graph;

import java.io.OutputStream;
import java.io.PrintStream;

/**
 * SameDiff 1.0.0-M2.1 prints one "Added differentiated op" line per op to standard output while it builds a
 * gradient function; a command whose last line is a result must not carry that noise. Gradient functions are
 * therefore created through {@link #quietly}, which discards standard output for its duration (once per graph,
 * never in the hot loop).
 */
public final class GraphBuild {

    private static final PrintStream NULL = new PrintStream(OutputStream.nullOutputStream());

    private GraphBuild() {
    }

    /**
     * Runs a graph-building step with standard output discarded.
     *
     * @param r the step, e.g. {@code sd::createGradFunction}
     */
    public static synchronized void quietly(Runnable r) {
        PrintStream saved = System.out;
        System.setOut(NULL);
        try {
            r.run();
        } finally {
            System.setOut(saved);
        }
    }
}
