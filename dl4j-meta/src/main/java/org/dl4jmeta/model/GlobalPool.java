package org.dl4jmeta.model;

import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A parameter-free global pooling layer [n,c,h,w] -&gt; [n,c] whose forward reduction and explicit backward pass
 * (ordinary SameDiff ops, so that SameDiff differentiates it for second-order meta-gradients) are given by a
 * subclass: {@link GlobalAvgPool}, {@link GlobalMaxPool}.
 */
public abstract class GlobalPool implements Layer {

    private final String name;

    /** @param name layer name */
    protected GlobalPool(String name) {
        this.name = LayerNames.require(name);
    }

    /**
     * @param sd the graph
     * @param x the input [n,c,h,w]
     * @return y [n,c], the reduction over axes 2 and 3
     */
    protected abstract SDVariable pool(SameDiff sd, SDVariable x);

    /**
     * @param sd the graph
     * @param x the input [n,c,h,w]
     * @param y the pooled output [n,c]
     * @param dy the output's adjoint [n,c]
     * @param inShape x's shape
     * @return dx [n,c,h,w]
     */
    protected abstract SDVariable poolBackward(SameDiff sd, SDVariable x, SDVariable y, SDVariable dy,
                                               long[] inShape);

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final Map<String, long[]> paramShapes(long[] in) {
        Shapes.requireRank(name, in, 3, "[channels,height,width]");
        return Map.of();
    }

    @Override
    public final long[] outputShape(long[] in) {
        Shapes.requireRank(name, in, 3, "[channels,height,width]");
        return new long[] {in[0]};
    }

    @Override
    public final void initialise(Map<String, INDArray> params, long[] in, SplittableRandom rng) {
        // no parameters
    }

    @Override
    public final Pass forward(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p) {
        SDVariable y = pool(sd, x);
        long[] outShape = {inShape[0], inShape[1]};
        return new Pass() {
            @Override
            public SDVariable output() {
                return y;
            }

            @Override
            public long[] outputShape() {
                return outShape.clone();
            }

            @Override
            public SDVariable backward(SDVariable dy, Map<String, SDVariable> grads, boolean needInputGradient) {
                return needInputGradient ? poolBackward(sd, x, y, dy, inShape) : null;
            }
        };
    }
}
