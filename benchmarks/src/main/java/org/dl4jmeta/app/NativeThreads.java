package org.dl4jmeta.app;

import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.LoggerFactory;

/** How the app's jobs and benchmarks split the machine's cores between task-parallel workers. */
public final class NativeThreads {

    private NativeThreads() {
    }

    /**
     * Shares the cores between T workers: asks libnd4j for cores / T native threads per op, since T workers each
     * running ops on all cores oversubscribe the machine (OpenMP threads spin-wait and slow everything down).
     * libnd4j 1.0.0-M2.1 keeps reporting its own maximum afterwards ({@code Environment.maxThreads()}), and
     * {@code OMP_NUM_THREADS=1} made no clear difference in {@code bench} on 2 cores, so the request is a bound,
     * not a measured effect. With one worker ND4J keeps its own setting (OMP_NUM_THREADS or all cores).
     *
     * @param workers T
     * @return restores ND4J's previous setting
     */
    public static Runnable shareCores(int workers) {
        if (workers <= 1) {
            return () -> { };
        }
        Environment env = Nd4j.getEnvironment();
        int before = env.maxThreads();
        int perWorker = Math.max(1, Runtime.getRuntime().availableProcessors() / workers);
        env.setMaxThreads(perWorker);
        LoggerFactory.getLogger(NativeThreads.class).info("{} workers, {} native thread(s) each", workers, perWorker);
        return () -> env.setMaxThreads(before);
    }
}
