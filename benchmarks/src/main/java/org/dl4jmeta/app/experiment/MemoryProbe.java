package org.dl4jmeta.app.experiment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.Pointer;

/**
 * Peak memory of a measured section. ND4J's native allocations do not all pass through JavaCPP's counters, so
 * the measure is the process's resident set: a daemon thread samples it ({@link Pointer#physicalBytes()}) and the
 * used Java heap every millisecond, and on Linux the kernel's resident high-water mark (VmHWM) is reset before the
 * section (via /proc/self/clear_refs) and read after it, catching peaks between samples.
 *
 * <p>Call order: {@link #start()}, run the section, {@link #stop()}; one section at a time.
 */
public final class MemoryProbe {

    private volatile boolean running;
    private volatile long peakRss;
    private volatile long peakHeap;
    private volatile long peakOffHeap;
    private long baselineRss;
    private Thread thread;

    /**
     * Peaks of a section.
     *
     * @param baselineRssBytes resident set when the section started
     * @param peakRssBytes largest resident set during the section
     * @param peakHeapBytes largest used Java heap seen
     * @param peakOffHeapBytes largest resident memory outside the used Java heap seen in one sample (resident set
     *     minus used heap: ND4J's array buffers and native scratch memory, plus the JVM's own code and metadata;
     *     JavaCPP's counters miss most of ND4J's buffers)
     */
    public record Peaks(long baselineRssBytes, long peakRssBytes, long peakHeapBytes, long peakOffHeapBytes) {

        /** @return how far the resident set rose above its starting value */
        public long rssGrowthBytes() {
            return peakRssBytes - baselineRssBytes;
        }
    }

    /** Resets the peaks and starts sampling. */
    public void start() {
        resetKernelPeak();
        baselineRss = Pointer.physicalBytes();
        peakRss = baselineRss;
        peakHeap = usedHeap();
        peakOffHeap = Math.max(0, baselineRss - peakHeap);
        running = true;
        thread = new Thread(() -> {
            while (running) {
                sample();
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "memory-probe");
        thread.setDaemon(true);
        thread.start();
    }

    private void sample() {
        long rss = Pointer.physicalBytes();
        if (rss > peakRss) {
            peakRss = rss;
        }
        long h = usedHeap();
        if (h > peakHeap) {
            peakHeap = h;
        }
        long off = rss - h;
        if (off > peakOffHeap) {
            peakOffHeap = off;
        }
    }

    /** @return the peaks since {@link #start()} */
    public Peaks stop() {
        running = false;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sample();
        return new Peaks(baselineRss, Math.max(peakRss, kernelPeak()), peakHeap, peakOffHeap);
    }

    private static long usedHeap() {
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    private static void resetKernelPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException e) {
            // not Linux, or not permitted: only the sampled peak counts
        }
    }

    /**
     * @return the process's resident high-water mark (Linux VmHWM) now: its peak resident set since it started or
     *     since the last {@link #start()} reset it; 0 where the kernel does not report it
     */
    public static long processPeakRssBytes() {
        return kernelPeak();
    }

    private static long kernelPeak() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }
}
