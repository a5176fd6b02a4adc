package org.dl4jmeta.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Hands the native buffers of arrays that nothing reads any more back at once, instead of leaving them to the
 * garbage collector.
 *
 * <p>Why: an ND4J array is a small Java object holding a large native buffer, freed only when a collection finds
 * the object unreachable. The Java heap fills slowly (a meta-step allocates a few MB of Java objects and hundreds
 * of MB of native buffers), so young collections come seconds apart, the native garbage of every meta-step in
 * between piles up, and the C allocator keeps the pages it reached. A 20-minute Omniglot 20-way cell reached a
 * 12 GB resident set this way with a live set under 1 GB. Closing the temporaries of each inner step and each
 * meta-step where they die keeps the resident set near the live set, as reference counting does in PyTorch.
 *
 * <p>Ownership rule of the project: an array a method returns belongs to its caller, unless it is a view of or
 * the same object as one of the method's inputs; a caller closes only arrays it owns, through {@link #close}, which
 * never closes an array that shares memory with one it is told to keep.
 */
public final class NativeArrays {

    /** JavaCPP's {@code Pointer.trimMemory}, or null where this JavaCPP lacks it. */
    private static final java.lang.reflect.Method TRIM_MEMORY = trimMemoryMethod();

    private NativeArrays() {
    }

    private static java.lang.reflect.Method trimMemoryMethod() {
        try {
            java.lang.reflect.Method m = org.bytedeco.javacpp.Pointer.class.getDeclaredMethod("trimMemory");
            m.setAccessible(true);
            return m;
        } catch (NoSuchMethodException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Hands the C heap's free pages back to the operating system: glibc's {@code malloc_trim(0)} on Linux (every
     * thread's arena), through JavaCPP's {@code Pointer.trimMemory}, which does nothing on other systems. JavaCPP
     * 1.5.7 keeps that method private and calls it only when its own allocation counters pass {@code maxbytes}, which
     * ND4J's buffers bypass, so it is reached by reflection here.
     *
     * <p>Why: closing an array frees its buffer, but the C allocator keeps the pages. libnd4j's ops allocate and
     * free temporaries of 128 KB to a few MB on every call (the convolutions' column buffers, reductions'
     * scratch) among long-lived arrays, in one arena per thread, and glibc raises its mmap threshold to the largest
     * chunk freed, so those temporaries come from the arenas and the holes between live arrays stay resident: the
     * resident set of a meta-training process climbs meta-step after meta-step far above its live set
     * ({@link org.dl4jmeta.train.MetaTrainer#trimCHeapEvery} has the figures); one trim took 2-12 ms.
     *
     * @return whether the C library was asked (false where this JavaCPP lacks the method)
     */
    public static boolean trimCHeap() {
        if (TRIM_MEMORY == null) {
            return false;
        }
        try {
            TRIM_MEMORY.invoke(null);
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false;
        }
    }

    /**
     * Closes each array of {@code done} once, unless it is null, already closed, not closeable (views, arrays in a
     * workspace), the same object as an array of {@code keep}, or sharing its native buffer with one.
     *
     * @param done arrays nothing reads any more
     * @param keep arrays still in use (inputs of the computation, its results); never closed
     */
    public static void close(Iterable<INDArray> done, Iterable<INDArray> keep) {
        Set<INDArray> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<INDArray> live = new ArrayList<>();
        for (INDArray k : keep) {
            if (k != null && !k.isEmpty() && seen.add(k)) {
                live.add(k);
            }
        }
        for (INDArray a : done) {
            if (a == null || !seen.add(a) || a.wasClosed() || a.isEmpty() || !a.closeable()
                    || sharesMemory(a, live)) {
                continue;
            }
            a.close();
        }
    }

    /**
     * Whether every element of {@code a} is finite.
     *
     * <p>First one reduction: a sum with a NaN or an infinity among its terms is not finite (NaN propagates,
     * infinity plus anything finite is infinite, infinities of both signs give NaN), so a finite sum proves every
     * element finite without making any array. Only a sum that is not finite (a non-finite element, or finite
     * elements whose sum overflows) goes on to the exact test, with the NaN and infinity masks it makes closed at
     * once instead of left to the garbage collector (the infinity mask is not made when a NaN is found). The sum
     * costs about a tenth of the masks (112,261 floats: 0.09 against 0.98 ms), and every meta-gradient of a
     * meta-batch and every outer update is tested.
     *
     * @param a an array
     * @return false if {@code a} holds a NaN or an infinity
     */
    public static boolean allFinite(INDArray a) {
        if (a.isEmpty() || !a.dataType().isFPType() || Double.isFinite(a.sumNumber().doubleValue())) {
            return true;
        }
        INDArray nan = a.isNaN();
        boolean any = nan.any();
        close(List.of(nan), List.of());
        if (any) {
            return false;
        }
        INDArray inf = a.isInfinite();
        any = inf.any();
        close(List.of(inf), List.of());
        return !any;
    }

    /** Whether a's native buffer overlaps the buffer of a live array (the same buffer, or a view of it). */
    private static boolean sharesMemory(INDArray a, List<INDArray> live) {
        long start = a.data().address();
        long end = start + a.data().length() * a.data().getElementSize();
        for (INDArray k : live) {
            if (k.wasClosed()) {
                continue;
            }
            long s = k.data().address();
            long e = s + k.data().length() * k.data().getElementSize();
            if (s < end && start < e) {
                return true;
            }
        }
        return false;
    }
}
