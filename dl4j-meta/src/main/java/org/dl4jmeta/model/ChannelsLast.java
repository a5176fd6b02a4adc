package org.dl4jmeta.model;

import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * A layer that can also run in graphs that are only executed with its spatial values laid out channels-last,
 * {@code [n,h,w,c]}: libnd4j 1.0.0-M2.1's oneDNN convolutions run 1.5 to 2.2 times faster on Omniglot's 64-channel
 * maps in that layout than in NCHW, and batch norm's per-channel sums become one matrix-vector product over
 * {@code [n h w, c]} (measured per block in {@code results/bench/nhwc-layout-microbench.java.txt}).
 *
 * <p>{@link Network} uses this for graphs that SameDiff never differentiates (first-order inner steps, forward and
 * backward at test time, forward-only runs) and whose batch size is known: a chain of such layers starting at a
 * single-channel input, whose channels-first layout {@code [n,1,h,w]} already lies in memory as {@code [n,h,w,1]},
 * or at another such layer's output, runs channels-last; the network transposes a value back where a layer or
 * vertex that does not implement this interface takes it (or where a caller reads a node's output) and transposes
 * the gradient the other way. Shapes a layer is given and reports stay channels-first, {@code [n,c,h,w]}: only the
 * values' memory layout changes, so results are the same to float rounding (tests compare both layouts in double).
 *
 * <p>Graphs that SameDiff differentiates (second-order MAML, Hessian-vector products) keep {@link Layer#forward}
 * and channels-first throughout: this interface adds nothing there.
 */
public interface ChannelsLast extends Layer {

    /**
     * @param inputShape the full input shape, channels-first {@code [n,c,h,w]}, batch size known (the network asks
     *     only then)
     * @return whether {@link #channelsLastForward} takes this input; default: every such input
     */
    default boolean runsChannelsLast(long[] inputShape) {
        return true;
    }

    /**
     * Adds the executed-only forward pass on a channels-last input. The pass's {@link Pass#output()} is
     * channels-last when its {@link Pass#outputShape()} has rank 4 (else, e.g. a global pooling's {@code [n,c]},
     * it has no spatial layout); its {@link Pass#nativeBackward} (and {@link Pass#backward}, which is the same: the
     * pass is never differentiated) takes dL/dy in the output's layout and returns dL/dx channels-last.
     *
     * @param sd the graph
     * @param x the input, {@code [n,h,w,c]}
     * @param inputShape the full input shape channels-first, {@code [n,c,h,w]}
     * @param params local name to parameter variable
     * @return the pass, whose {@link Pass#outputShape()} is channels-first as {@link Layer#outputShape} says
     */
    Pass channelsLastForward(SameDiff sd, SDVariable x, long[] inputShape, Map<String, SDVariable> params);

    /**
     * @param v a value {@code [n,c,h,w]}
     * @param shape its shape
     * @return the same values as {@code [n,h,w,c]}: a view for one channel, else a transposition (written as a
     *     rank-3 permute of {@code [n,c,hw]}, which libnd4j copies with a fast strided loop)
     */
    static SDVariable toChannelsLast(SameDiff sd, SDVariable v, long[] shape) {
        long n = shape[0];
        long c = shape[1];
        long h = shape[2];
        long w = shape[3];
        if (c == 1) {
            return sd.reshape(v, n, h, w, 1);
        }
        return sd.reshape(sd.permute(sd.reshape(v, n, c, h * w), 0, 2, 1), n, h, w, c);
    }

    /**
     * @param v a value {@code [n,h,w,c]}
     * @param shape its shape channels-first, {@code [n,c,h,w]}
     * @return the same values as {@code [n,c,h,w]}
     */
    static SDVariable toChannelsFirst(SameDiff sd, SDVariable v, long[] shape) {
        long n = shape[0];
        long c = shape[1];
        long h = shape[2];
        long w = shape[3];
        if (c == 1) {
            return sd.reshape(v, n, 1, h, w);
        }
        return sd.reshape(sd.permute(sd.reshape(v, n, h * w, c), 0, 2, 1), n, c, h, w);
    }
}
