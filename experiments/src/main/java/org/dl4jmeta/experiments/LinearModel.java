package org.dl4jmeta.experiments;

import java.util.List;
import org.dl4jmeta.model.Dense;
import org.dl4jmeta.model.Loss;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The linear model of the synthetic experiments, z = x W (one {@link Dense} layer "lin" without bias), built from
 * the library's layers, and conversions between its parameters and plain Java arrays. With squared error on
 * (X, y) its loss is the quadratic 1/2 (w - a)' A (w - a) + c, A = X'X/n.
 */
public final class LinearModel {

    /** The name of the weight tensor, [inputs, outputs]. */
    public static final String WEIGHTS = "lin/W";

    private LinearModel() {
    }

    /**
     * @param inputs d, &gt;= 1
     * @return the linear regression model with squared error L = 1/(2n) ||X w - y||^2
     */
    public static Network regression(int inputs) {
        return new Network(new long[] {inputs}, List.of(new Dense("lin", 1, false)), Loss.squaredError());
    }

    /**
     * @param inputs d, &gt;= 1
     * @param classes number of classes, &gt;= 2
     * @return multinomial logistic regression: softmax cross-entropy of x W
     */
    public static Network classifier(int inputs, int classes) {
        return new Network(new long[] {inputs}, List.of(new Dense("lin", classes, false)), Loss.softmaxCrossEntropy());
    }

    /**
     * @param network a network from this class
     * @param w weights, row-major [inputs][outputs] flattened
     * @return DOUBLE parameters holding w
     */
    public static ParamSet params(Network network, double[] w) {
        ParamSet p = network.initialise(0, DataType.DOUBLE);
        long[] shape = p.shape(WEIGHTS);
        if (w.length != shape[0] * shape[1]) {
            throw new IllegalArgumentException("weights must have " + shape[0] * shape[1] + " entries, got " + w.length);
        }
        p.get(WEIGHTS).assign(Nd4j.create(w, shape, DataType.DOUBLE));
        return p;
    }

    /**
     * @param p parameters of a network from this class
     * @return the weights, row-major [inputs][outputs] flattened
     */
    public static double[] weights(ParamSet p) {
        INDArray w = p.get(WEIGHTS);
        int rows = (int) w.size(0);
        int cols = (int) w.size(1);
        double[] out = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[i * cols + j] = w.getDouble(i, j);
            }
        }
        return out;
    }

    static INDArray matrix(double[][] a) {
        return Nd4j.create(a).castTo(DataType.DOUBLE);
    }

    static INDArray column(double[] v) {
        return Nd4j.create(v, new long[] {v.length, 1}, DataType.DOUBLE);
    }
}
