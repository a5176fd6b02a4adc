package org.dl4jmeta.model;

import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A network layer whose forward <em>and backward</em> passes are built from ordinary differentiable SameDiff
 * ops.
 *
 * <p>SameDiff cannot differentiate its own backward ops, so second-order MAML (Finn et al. 2017, eq. 1 nested in
 * the meta-objective) and Hessian-vector products need the first-order gradient expressed as plain ops: SameDiff
 * autodiff of a graph holding {@link Pass#backward} then yields exact second derivatives.
 *
 * <p>Call order: {@link #paramShapes} and {@link #outputShape} to plan, {@link #initialise} once per parameter
 * set, then {@link #forward} per graph, and {@link Pass#backward} at most once per pass. Shapes passed in exclude
 * the batch dimension unless stated.
 */
public interface Layer {

    /** @return the layer name, unique within a network; parameter names are {@code name + "/" + local} */
    String name();

    /**
     * @param inputShape per-example input shape
     * @return local parameter names and shapes, in order (empty for parameter-free layers)
     * @throws IllegalArgumentException if the input shape is unsupported
     */
    Map<String, long[]> paramShapes(long[] inputShape);

    /**
     * @param inputShape per-example input shape
     * @return per-example output shape
     * @throws IllegalArgumentException if the input shape is unsupported
     */
    long[] outputShape(long[] inputShape);

    /**
     * Fills freshly allocated parameters.
     *
     * @param params local name to tensor (views to write into)
     * @param inputShape per-example input shape
     * @param rng the random stream (the caller derives it from one seed)
     */
    void initialise(Map<String, INDArray> params, long[] inputShape, SplittableRandom rng);

    /**
     * Adds the forward pass to a graph.
     *
     * @param sd the graph
     * @param x input, shape {@code [batch, inputShape...]}
     * @param inputShape full input shape including the batch dimension (graphs are static-shaped)
     * @param params local name to parameter variable
     * @return the pass, holding the output and what the backward pass needs
     */
    Pass forward(SameDiff sd, SDVariable x, long[] inputShape, Map<String, SDVariable> params);

    /**
     * Adds the forward pass to a graph that is only executed, never differentiated by SameDiff (first-order steps in
     * meta-training): the same outputs as {@link #forward}, to float rounding, but a layer may use fewer or fused
     * ops that SameDiff could not differentiate again quickly or at all. Its pass's {@link Pass#backward} and
     * {@link Pass#nativeBackward} are then for executed-only graphs too. Default: {@link #forward}.
     *
     * @param sd the graph
     * @param x input, shape {@code [batch, inputShape...]}
     * @param inputShape full input shape including the batch dimension
     * @param params local name to parameter variable
     * @return the pass
     */
    default Pass nativeForward(SameDiff sd, SDVariable x, long[] inputShape, Map<String, SDVariable> params) {
        return forward(sd, x, inputShape, params);
    }

    /** One forward pass of a layer inside a graph, able to add its own backward pass. */
    interface Pass {

        /** @return the layer output */
        SDVariable output();

        /** @return full output shape including the batch dimension */
        long[] outputShape();

        /**
         * Adds the backward pass: given dL/dy, computes dL/dparams and optionally dL/dx as ordinary ops.
         *
         * @param dy gradient of the loss with respect to {@link #output()}
         * @param paramGrads receives local parameter name to gradient variable
         * @param needInputGradient whether dL/dx is wanted (false for the first layer)
         * @return dL/dx, or null if not requested
         */
        SDVariable backward(SDVariable dy, Map<String, SDVariable> paramGrads, boolean needInputGradient);

        /**
         * Adds a backward pass for a graph that is only executed, never differentiated again (first-order steps
         * in meta-training): the same gradients as {@link #backward}, but a layer may compute them with libnd4j's
         * fused backward ops, which SameDiff cannot differentiate. Default: {@link #backward}.
         *
         * @param dy gradient of the loss with respect to {@link #output()}
         * @param paramGrads receives local parameter name to gradient variable
         * @param needInputGradient whether dL/dx is wanted (false for the first layer)
         * @return dL/dx, or null if not requested
         */
        default SDVariable nativeBackward(SDVariable dy, Map<String, SDVariable> paramGrads,
                                          boolean needInputGradient) {
            return backward(dy, paramGrads, needInputGradient);
        }
    }
}
