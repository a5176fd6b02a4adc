package org.dl4jmeta.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Opt-in wall time of every op that {@link ExecutionPlan}s execute, by op name and output shape, summed over all
 * threads: where the native time of a workload goes. While no profile is running a plan pays one volatile read
 * per run. A profiling tool for one workload at a time ({@code bench --profile}); profiles of concurrent workloads
 * in one process mix.
 *
 * <p>Call order: {@link #start}, run the workload, {@link #stop} (which returns what was recorded since start).
 */
public final class OpProfile {

    private static volatile boolean active;
    private static final Map<String, LongAdder[]> TIMES = new ConcurrentHashMap<>();

    private OpProfile() {
    }

    /** Clears what was recorded and starts recording. */
    public static synchronized void start() {
        TIMES.clear();
        active = true;
    }

    /**
     * Stops recording.
     *
     * @return per op name and output shape, the calls and total wall time since {@link #start}, largest first
     */
    public static synchronized List<Entry> stop() {
        active = false;
        List<Entry> out = new ArrayList<>();
        TIMES.forEach((k, v) -> out.add(new Entry(k, v[0].sum(), v[1].sum() / 1e6)));
        out.sort(Comparator.comparingDouble(Entry::totalMs).reversed());
        TIMES.clear();
        return out;
    }

    static boolean active() {
        return active;
    }

    static void record(String op, long[] outputShape, long nanos) {
        String key = op + " " + (outputShape == null ? "-" : Arrays.toString(outputShape));
        LongAdder[] a = TIMES.computeIfAbsent(key, k -> new LongAdder[] {new LongAdder(), new LongAdder()});
        a[0].increment();
        a[1].add(nanos);
    }

    /**
     * A text table of the largest entries.
     *
     * @param entries from {@link #stop}
     * @param per divide calls and times by this (e.g. the number of meta-steps profiled), &gt; 0
     * @param top how many rows
     * @return one row per entry: ms and calls per unit, share of all op time, op and output shape; then the total
     */
    public static String table(List<Entry> entries, double per, int top) {
        if (!(per > 0)) {
            throw new IllegalArgumentException("per must be > 0, got " + per);
        }
        double total = entries.stream().mapToDouble(Entry::totalMs).sum();
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%10s %8s %6s  %s%n", "ms", "calls", "share",
                "op [output shape]"));
        for (Entry e : entries.subList(0, Math.min(top, entries.size()))) {
            b.append(String.format(Locale.ROOT, "%10.2f %8.1f %5.1f%%  %s%n", e.totalMs() / per, e.calls() / per,
                    100 * e.totalMs() / total, e.key()));
        }
        b.append(String.format(Locale.ROOT, "%10.2f %8.1f %5.1f%%  all ops (%d kinds)%n", total / per,
                entries.stream().mapToLong(Entry::calls).sum() / per, 100.0, entries.size()));
        return b.toString();
    }

    /**
     * @param key op name and output shape
     * @param calls executions
     * @param totalMs summed wall time in milliseconds (over all threads)
     */
    public record Entry(String key, long calls, double totalMs) {
    }
}
