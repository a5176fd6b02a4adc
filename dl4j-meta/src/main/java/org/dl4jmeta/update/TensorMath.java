package org.dl4jmeta.update;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The element-wise arithmetic an {@link InnerUpdate} is written in, over one kind of tensor: SameDiff variables
 * ({@link #samediff()}, so the unrolled MAML graph differentiates the update exactly) or ND4J arrays
 * ({@link #nd4j()}, the executed inner loop). Both run the same libnd4j ops (pairwise add, subtract, multiply;
 * scalar multiply), so one definition of an update gives the same values in both forms.
 *
 * @param <T> the tensor type
 */
public interface TensorMath<T> {

    /**
     * @param a a tensor
     * @param b a tensor of a's shape, or one broadcastable to it (e.g. shape [1])
     * @return a + b
     */
    T add(T a, T b);

    /**
     * @param a a tensor
     * @param b a tensor of a's shape, or one broadcastable to it
     * @return a - b
     */
    T sub(T a, T b);

    /**
     * @param a a tensor
     * @param b a tensor of a's shape, or one broadcastable to it (a learned step size of shape [1])
     * @return the element-wise product a * b
     */
    T mul(T a, T b);

    /**
     * @param a a tensor
     * @param s a constant
     * @return s * a
     */
    T mul(T a, double s);

    /** @return the arithmetic of SameDiff variables: each call adds one op to the variables' graph */
    static TensorMath<SDVariable> samediff() {
        return SameDiffMath.INSTANCE;
    }

    /** @return the arithmetic of ND4J arrays: each call returns a new array and leaves its inputs unchanged */
    static TensorMath<INDArray> nd4j() {
        return Nd4jMath.INSTANCE;
    }

    /**
     * The arithmetic of ND4J arrays that also hands every array it creates to {@code created}, so that a caller can
     * close the temporaries of a step (an update's intermediate products) as soon as the step is done instead of
     * leaving their native memory to the garbage collector.
     *
     * @param created receives each array a call returns
     * @return the arithmetic of {@link #nd4j()}, reporting its results
     */
    static TensorMath<INDArray> nd4j(java.util.function.Consumer<INDArray> created) {
        return new Nd4jMath(java.util.Objects.requireNonNull(created, "created"));
    }
}
