package org.dl4jmeta.graph;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Map;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.memory.ArrayCacheMemoryMgr;

/**
 * SameDiff 1.0.0-M2.1 prints one "Added differentiated op" line per op to standard output while it builds a
 * gradient function; a command whose last line is a result must not carry that noise. Gradient functions are
 * therefore created through {@link #quietly}, which discards standard output for its duration (once per graph,
 * never in the hot loop).
 */
public final class GraphBuild {

    /**
     * Share of physical memory a graph's per-thread session may keep cached between runs. SameDiff's default
     * (25% per session) let every graph, and the gradient function inside it, grow its array cache to gigabytes:
     * an iMAML process measured 3.3 GB of resident growth at 5 inner steps where its working set is far smaller.
     */
    public static final double SESSION_CACHE_FRACTION = 0.02;

    private static final PrintStream NULL = new PrintStream(OutputStream.nullOutputStream());

    private GraphBuild() {
    }

    /**
     * Gives the calling thread's sessions of a graph (and of its gradient function, if built) an array cache
     * bounded by {@link #SESSION_CACHE_FRACTION} of physical memory. Cheap after the first call on a thread; call
     * it before every execution, since a graph may run on another thread than the one that built it.
     *
     * @param sd the graph
     */
    public static void boundSessions(SameDiff sd) {
        bound(sd);
        SameDiff grad = sd.getFunction("grad");
        if (grad != null) {
            bound(grad);
        }
    }

    private static void bound(SameDiff sd) {
        long thread = Thread.currentThread().getId();
        Map<Long, InferenceSession> sessions = sd.getSessions();
        if (!sessions.containsKey(thread)) {
            InferenceSession session = new InferenceSession(sd);
            session.setMmgr(new ArrayCacheMemoryMgr(SESSION_CACHE_FRACTION, 1024, 2.0));
            sessions.put(thread, session);
        }
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
