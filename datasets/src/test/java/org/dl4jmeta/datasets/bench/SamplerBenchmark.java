package org.dl4jmeta.datasets.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.dl4jmeta.datasets.SharedData;
import org.dl4jmeta.datasets.episode.EpisodeSampler;
import org.dl4jmeta.datasets.episode.MetaBatchPrefetcher;
import org.dl4jmeta.datasets.episode.SamplerConfig;
import org.dl4jmeta.datasets.omniglot.Omniglot;
import org.dl4jmeta.datasets.omniglot.OmniglotImages;
import org.dl4jmeta.datasets.omniglot.OmniglotScheme;
import org.dl4jmeta.task.Episode;

/**
 * Times drawing 32-task Omniglot 5-way 1-shot 15-query meta-batches from memory (Vinyals train split), directly
 * and through the {@link MetaBatchPrefetcher}. Not a test: run its {@code main} (see the datasets README section).
 * Arguments: {@code [omniglotDir] [metaBatches]}.
 */
public final class SamplerBenchmark {

    private SamplerBenchmark() {
    }

    /**
     * @param args optional Omniglot folder (default: the shared one) and number of timed meta-batches (default 300)
     * @throws Exception if loading fails
     */
    public static void main(String[] args) throws Exception {
        Path dir = args.length > 0 ? Path.of(args[0]) : SharedData.omniglot();
        int batches = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        int tasks = 32;
        long t0 = System.nanoTime();
        OmniglotImages train = Omniglot.at(dir).load(OmniglotScheme.VINYALS, "train");
        System.out.printf("loaded %s in %.1f s%n", train, (System.nanoTime() - t0) / 1e9);
        EpisodeSampler sampler = new EpisodeSampler(train, SamplerConfig.of(5, 1, 15, 0));

        for (int t = 0; t < 100; t++) {
            MetaBatchPrefetcher.metaBatch(sampler, t, tasks);
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double[] ms = new double[batches];
        double[] cpu = new double[batches];
        for (int t = 0; t < batches; t++) {
            long c = mx.getCurrentThreadCpuTime();
            long s = System.nanoTime();
            List<Episode> batch = MetaBatchPrefetcher.metaBatch(sampler, 100 + t, tasks);
            ms[t] = (System.nanoTime() - s) / 1e6;
            cpu[t] = (mx.getCurrentThreadCpuTime() - c) / 1e6;
            if (batch.size() != tasks) {
                throw new IllegalStateException("expected " + tasks + " episodes, got " + batch.size());
            }
        }
        Arrays.sort(ms);
        Arrays.sort(cpu);
        System.out.printf("direct: 32-task 5-way 1-shot 15-query meta-batch: wall median %.2f ms, p90 %.2f ms, "
                + "mean %.2f ms; thread CPU median %.2f ms, p90 %.2f ms; over %d meta-batches%n", ms[batches / 2],
                ms[batches * 9 / 10], Arrays.stream(ms).average().orElseThrow(), cpu[batches / 2],
                cpu[batches * 9 / 10], batches);

        double[] waits = new double[batches];
        try (MetaBatchPrefetcher prefetcher = new MetaBatchPrefetcher(sampler, tasks, 0, 4)) {
            for (int t = 0; t < batches; t++) {
                long s = System.nanoTime();
                prefetcher.next();
                waits[t] = (System.nanoTime() - s) / 1e6;
                // Stand-in for a meta-training step that takes longer than sampling.
                long busyUntil = System.nanoTime() + 20_000_000L;
                while (System.nanoTime() < busyUntil) {
                    Thread.onSpinWait();
                }
            }
        }
        Arrays.sort(waits);
        System.out.printf("prefetched (20 ms of training per step): consumer wait median %.3f ms, p90 %.3f ms%n",
                waits[batches / 2], waits[batches * 9 / 10]);
    }
}
