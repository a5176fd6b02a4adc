package org.dl4jmeta.model;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * A parameter-free node with several inputs in a graph-shaped {@link Network} (residual additions, concatenations),
 * whose forward and backward passes are ordinary differentiable SameDiff ops, like every {@link Layer}'s: a
 * network with vertices keeps exact second-order meta-gradients and Hessian-vector products.
 *
 * <p>Saved in model files through a registered {@link VertexType}. Shapes exclude the batch dimension unless
 * stated.
 */
public interface Vertex {

    /** @return the vertex name, unique among the network's nodes */
    String name();

    /**
     * @param inputShapes per-example input shapes, in input order
     * @return per-example output shape
     * @throws IllegalArgumentException naming the vertex and the shapes if they do not fit
     */
    long[] outputShape(List<long[]> inputShapes);

    /**
     * Adds the forward pass to a graph.
     *
     * @param sd the graph
     * @param inputs input variables, in order, each {@code [batch, ...]}
     * @param inputShapes their full shapes including the batch dimension
     * @return the pass
     */
    Pass forward(SameDiff sd, List<SDVariable> inputs, List<long[]> inputShapes);

    /** One forward pass of a vertex inside a graph, able to add its backward pass. */
    interface Pass {

        /** @return the vertex output */
        SDVariable output();

        /** @return full output shape including the batch dimension */
        long[] outputShape();

        /**
         * Adds the backward pass as ordinary ops.
         *
         * @param dy gradient of the loss with respect to {@link #output()}
         * @return dL/d(input i) for every input, in input order
         */
        List<SDVariable> backward(SDVariable dy);
    }
}
