package org.dl4jmeta.parallel;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The OpenMP thread count with which libnd4j runs the native ops called from the current Java thread. OpenMP
 * keeps this count per thread ({@code omp_set_num_threads} sets the calling thread's value), so each worker of a
 * {@link WorkerPool} sets its own: T workers each running ops with all C cores put T C spin-waiting OpenMP threads
 * on C cores. {@code Environment.setMaxThreads} of ND4J 1.0.0-M2.1 does not change it; the JNI call used here
 * does.
 *
 * <p>OpenMP threads are a CPU notion: on the CUDA backend ops run as kernels on the device (each Java thread
 * with its own stream), so dividing cores between workers means nothing there and {@link #set} does nothing
 * rather than change a setting that libnd4j's CUDA build does not use the same way; {@link #get} reports what the
 * backend says.
 */
public final class NativeThreads {

    private NativeThreads() {
    }

    private static NativeOps ops() {
        // the backend must be loaded first: NativeOpsHolder reads the properties that loading ND4J sets, and fails
        // for the rest of the JVM if it is touched before (e.g. by a worker pool used before any array exists)
        Nd4j.getBackend();
        return NativeOpsHolder.getInstance().getDeviceNativeOps();
    }

    /** @return the calling thread's OpenMP thread count for native ops */
    public static int get() {
        return ops().ompGetMaxThreads();
    }

    /**
     * Sets the calling thread's OpenMP thread count for native ops; on the CUDA backend, nothing.
     *
     * @param threads the count, &gt;= 1
     * @throws IllegalArgumentException if threads is below 1
     */
    public static void set(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("native threads must be >= 1, got " + threads);
        }
        if (org.nd4j.linalg.factory.Nd4j.getEnvironment().isCPU()) {
            ops().setOmpNumThreads(threads);
        }
    }

    /**
     * @param workers T workers running at once, &gt;= 1
     * @return the native threads each of T &gt; 1 workers uses: cores / T, at least 1; for one worker, the calling
     *     thread's own count
     */
    public static int perWorker(int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        }
        return workers == 1 ? get() : Math.max(1, Runtime.getRuntime().availableProcessors() / workers);
    }
}
