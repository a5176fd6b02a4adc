package org.dl4jmeta.task;

import java.util.Arrays;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One few-shot task: a support set to adapt on and a query set to evaluate the adapted model on
 * (Finn, Abbeel, Levine 2017, "Model-Agnostic Meta-Learning", section 2.1: D_train and D_test of task T_i).
 *
 * <p>Inputs are rank-2 {@code [n, features]} or rank-4 {@code [n, channels, height, width]} (NCHW) tensors.
 * Targets are {@code [n, outputs]}: one-hot rows for classification (then {@link #ways()} is the number of
 * classes) or real values for regression. Support and query share every dimension but the first.
 * The tensors are not copied; callers must not modify them afterwards.
 *
 * @param supportX support inputs
 * @param supportY support targets, one row per support input
 * @param queryX query inputs
 * @param queryY query targets, one row per query input
 */
public record Episode(INDArray supportX, INDArray supportY, INDArray queryX, INDArray queryY) {

    /**
     * Validates shapes and data types.
     *
     * @throws NullPointerException if any tensor is null
     * @throws IllegalArgumentException if ranks, row counts, feature shapes or data types disagree
     */
    public Episode {
        Objects.requireNonNull(supportX, "supportX");
        Objects.requireNonNull(supportY, "supportY");
        Objects.requireNonNull(queryX, "queryX");
        Objects.requireNonNull(queryY, "queryY");
        checkPair("support", supportX, supportY);
        checkPair("query", queryX, queryY);
        long[] sf = Arrays.copyOfRange(supportX.shape(), 1, supportX.rank());
        long[] qf = Arrays.copyOfRange(queryX.shape(), 1, queryX.rank());
        if (!Arrays.equals(sf, qf)) {
            throw new IllegalArgumentException("queryX must have the per-example shape of supportX "
                    + Arrays.toString(sf) + ", got " + Arrays.toString(queryX.shape()));
        }
        if (supportY.columns() != queryY.columns()) {
            throw new IllegalArgumentException("queryY must have " + supportY.columns()
                    + " columns like supportY, got " + Arrays.toString(queryY.shape()));
        }
        DataType dt = supportX.dataType();
        for (INDArray a : new INDArray[] {supportY, queryX, queryY}) {
            if (a.dataType() != dt) {
                throw new IllegalArgumentException("all episode tensors must share the data type of supportX ("
                        + dt + "), got " + a.dataType());
            }
        }
        if (!dt.isFPType()) {
            throw new IllegalArgumentException("episode tensors must be floating point, got " + dt);
        }
    }

    private static void checkPair(String which, INDArray x, INDArray y) {
        if (x.rank() != 2 && x.rank() != 4) {
            throw new IllegalArgumentException(which + "X must be rank 2 [n,features] or rank 4 [n,c,h,w], got shape "
                    + Arrays.toString(x.shape()));
        }
        if (y.rank() != 2) {
            throw new IllegalArgumentException(which + "Y must be rank 2 [n,outputs], got shape "
                    + Arrays.toString(y.shape()));
        }
        if (x.size(0) < 1) {
            throw new IllegalArgumentException(which + "X must hold at least one example, got shape "
                    + Arrays.toString(x.shape()));
        }
        if (x.size(0) != y.size(0)) {
            throw new IllegalArgumentException(which + "Y must have one row per " + which + "X example ("
                    + x.size(0) + "), got " + Arrays.toString(y.shape()));
        }
    }

    /**
     * Builds a classification episode from integer labels in {@code [0, ways)}.
     *
     * @param ways number of classes N of the N-way task
     * @param supportX support inputs
     * @param supportLabels one label per support input
     * @param queryX query inputs
     * @param queryLabels one label per query input
     * @return the episode with one-hot targets of supportX's data type
     * @throws IllegalArgumentException if ways &lt; 2, a label is out of range, or counts disagree
     */
    public static Episode classification(int ways, INDArray supportX, int[] supportLabels,
                                         INDArray queryX, int[] queryLabels) {
        if (ways < 2) {
            throw new IllegalArgumentException("ways must be >= 2, got " + ways);
        }
        DataType dt = supportX.dataType();
        return new Episode(supportX, oneHot("support", supportLabels, ways, dt),
                queryX, oneHot("query", queryLabels, ways, dt));
    }

    /**
     * One-hot encodes labels.
     *
     * @param which "support" or "query", for error messages
     * @param labels labels in {@code [0, ways)}
     * @param ways number of classes
     * @param dt data type of the result
     * @return a {@code [labels.length, ways]} one-hot matrix
     * @throws IllegalArgumentException if a label is outside {@code [0, ways)}
     */
    public static INDArray oneHot(String which, int[] labels, int ways, DataType dt) {
        double[] buf = new double[labels.length * ways];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= ways) {
                throw new IllegalArgumentException(which + " label " + i + " must be in [0," + ways + "), got "
                        + labels[i]);
            }
            buf[i * ways + labels[i]] = 1.0;
        }
        return Nd4j.create(buf, new long[] {labels.length, ways}, DataType.DOUBLE).castTo(dt);
    }

    /** @return the number of outputs (classes for classification) */
    public int ways() {
        return (int) supportY.columns();
    }

    /** @return the per-example input shape, e.g. {@code [1,28,28]} */
    public long[] inputShape() {
        return Arrays.copyOfRange(supportX.shape(), 1, supportX.rank());
    }

    /** @return the data type of every tensor of the episode */
    public DataType dataType() {
        return supportX.dataType();
    }

    /**
     * @return the shape key (support count, query count, input shape, outputs, data type) under which compiled
     *     graphs are cached: two episodes with the same key run on the same graph
     */
    public ShapeKey shapeKey() {
        return new ShapeKey(supportX.size(0), queryX.size(0), inputShape(), ways(), dataType());
    }

    /**
     * The shape of an episode, for graph caching.
     *
     * @param support number of support examples
     * @param query number of query examples
     * @param input per-example input shape
     * @param outputs number of target columns
     * @param dataType data type of every tensor
     */
    public record ShapeKey(long support, long query, long[] input, int outputs, DataType dataType) {
        @Override
        public boolean equals(Object o) {
            return o instanceof ShapeKey k && k.support == support && k.query == query
                    && Arrays.equals(k.input, input) && k.outputs == outputs && k.dataType == dataType;
        }

        @Override
        public int hashCode() {
            return Objects.hash(support, query, Arrays.hashCode(input), outputs, dataType);
        }

        @Override
        public String toString() {
            return "support=" + support + " query=" + query + " input=" + Arrays.toString(input)
                    + " outputs=" + outputs + " " + dataType;
        }
    }
}
