package org.dl4jmeta.algorithm;

import java.util.ArrayList;
import java.util.List;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.model.NativeArrays;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.update.InnerUpdate;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reptile (Nichol, Achiam, Schulman 2018, Algorithm 1): K SGD steps on the task's support set from theta give
 * phi_K, and the meta-gradient handed to the outer optimiser is theta - phi_K. With SGD of step epsilon this is
 * the paper's update theta &lt;- theta + epsilon (phi_K - theta); Adam works too (the paper's few-shot runs used
 * Adam in the inner loop; here the inner loop is plain SGD so the closed form (I - alpha A)^K holds on quadratics).
 * With {@link ReptileConfig#innerBatchSize()} the steps walk through fixed mini-batches of the support set, step k
 * on batch k mod (n / b): phi_{k+1} = phi_k - alpha grad L_{B_k}(phi_k), as in the paper's few-shot runs.
 *
 * <p>Not thread-safe: one instance per thread.
 */
public final class Reptile implements MetaLearner {

    private final Network network;
    private final ReptileConfig config;
    private final InnerLoop inner;
    /** Test-time adaptation: results independent of the thread count. */
    private final InnerLoop adaptation;
    private final InnerUpdate update;

    /**
     * @param network the network to meta-learn
     * @param config Reptile settings
     */
    public Reptile(Network network, ReptileConfig config) {
        this.network = java.util.Objects.requireNonNull(network, "network");
        this.config = java.util.Objects.requireNonNull(config, "config");
        this.inner = new InnerLoop(network, true);
        this.adaptation = new InnerLoop(network, false);
        this.update = InnerUpdate.sgd(config.innerStepSize());
    }

    @Override
    public String id() {
        return "reptile";
    }

    @Override
    public Network network() {
        return network;
    }

    /** @return the configuration */
    public ReptileConfig config() {
        return config;
    }

    @Override
    public int innerSteps() {
        return config.innerSteps();
    }

    @Override
    public ParamSet initialise(long seed, DataType dataType) {
        return network.initialise(seed, dataType);
    }

    @Override
    public ParamSet adapt(ParamSet theta, INDArray supportX, INDArray supportY, int steps) {
        inner.requireAdaptation(theta, supportX, supportY, steps);
        return adaptation.adapt(theta, supportX, supportY, steps, update, steps, null);
    }

    @Override
    public MetaGradient metaGradient(ParamSet theta, Episode e, boolean preAdaptationMetrics) {
        network.requireParams(theta, "theta");
        inner.requireEpisode(theta, e);
        List<Double> supportLosses = new ArrayList<>();
        ParamSet phi;
        List<INDArray[]> data = List.of();
        int b = config.innerBatchSizeOrZero();
        if (b == 0 || b == e.supportX().size(0)) {
            phi = inner.adapt(theta, e.supportX(), e.supportY(), config.innerSteps(), update, config.innerSteps(),
                    new InnerLoop.Trace(supportLosses, null, null));
        } else {
            int[][] batches = miniBatches(e.supportY(), b);
            data = new ArrayList<>();
            for (int[] rows : batches) {
                data.add(new INDArray[] {rows(e.supportX(), rows), rows(e.supportY(), rows)});
            }
            phi = theta;
            for (int k = 0; k < config.innerSteps(); k++) {
                INDArray[] d = data.get(k % batches.length);
                // one step from phi_k on batch k; only the first step's loss (the support loss at theta on B_0) is kept
                ParamSet next = inner.adapt(phi, d[0], d[1], 1, update, 1,
                        k == 0 ? new InnerLoop.Trace(supportLosses, null, null) : null);
                if (phi != theta) {
                    phi.release();
                }
                phi = next;
            }
        }
        ParamSet grad = theta.select(network.paramNames()).axpyi(-1.0, phi);
        double[] before = inner.queryAtTheta(theta, e, preAdaptationMetrics);
        LossGradGraph.Result after = inner.graph(e.queryX().size(0), theta.dataType())
                .run(phi, e.queryX(), e.queryY(), false);
        TaskMetrics m = new TaskMetrics(supportLosses.get(0), before[0], before[1], after.loss(),
                inner.accuracy(after.output(), e.queryY()));
        // phi_K, the query output and the batches' rows go back to native memory now (NativeArrays)
        List<INDArray> done = new ArrayList<>(List.of(phi.flat(), after.output()));
        data.forEach(d -> done.addAll(List.of(d)));
        NativeArrays.close(done, List.of(theta.flat(), e.supportX(), e.supportY()));
        return new MetaGradient(grad, m);
    }

    /**
     * The fixed inner mini-batches of {@link ReptileConfig#innerBatchSize()}: the support rows are dealt class by
     * class in turn (the first example of every class in class order, then the second of each, ...; a row's class is
     * the index of its largest target, so regression targets of one column form one class in row order) and the
     * sequence is cut into consecutive runs of {@code batchSize}. A support set of K examples for each of N classes
     * with batchSize a multiple of N gives batches of batchSize / N examples of every class.
     *
     * @param supportY support targets [n, outputs]
     * @param batchSize rows per batch, in [1, n], dividing n
     * @return the row indices of each batch, in order
     * @throws IllegalArgumentException naming batchSize and n if batchSize does not divide n or exceeds it
     */
    static int[][] miniBatches(INDArray supportY, int batchSize) {
        int n = Math.toIntExact(supportY.size(0));
        requireDivides(batchSize, n);
        INDArray cls = supportY.rank() == 2 && supportY.size(1) > 1
                ? supportY.argMax(1) : org.nd4j.linalg.factory.Nd4j.zeros(DataType.LONG, n);
        java.util.TreeMap<Long, List<Integer>> byClass = new java.util.TreeMap<>();
        for (int i = 0; i < n; i++) {
            byClass.computeIfAbsent(cls.getLong(i), c -> new ArrayList<>()).add(i);
        }
        int[] dealt = new int[n];
        int m = 0;
        for (int round = 0; m < n; round++) {
            for (List<Integer> rowsOfClass : byClass.values()) {
                if (round < rowsOfClass.size()) {
                    dealt[m++] = rowsOfClass.get(round);
                }
            }
        }
        int[][] batches = new int[n / batchSize][];
        for (int b = 0; b < batches.length; b++) {
            batches[b] = java.util.Arrays.copyOfRange(dealt, b * batchSize, (b + 1) * batchSize);
        }
        return batches;
    }

    private static void requireDivides(int batchSize, int n) {
        if (batchSize < 1 || batchSize > n || n % batchSize != 0) {
            throw new IllegalArgumentException("Reptile innerBatchSize " + batchSize + " must divide the support "
                    + "set's " + n + " examples; choose a divisor of " + n + " or 0 for the whole support set");
        }
    }

    /** @throws IllegalArgumentException if {@link ReptileConfig#innerBatchSize()} does not divide the size */
    @Override
    public void requireSupportSize(int supportExamples) {
        if (config.innerBatchSizeOrZero() > 0) {
            requireDivides(config.innerBatchSizeOrZero(), supportExamples);
        }
    }

    private static INDArray rows(INDArray a, int[] rows) {
        long[] shape = a.shape().clone();
        shape[0] = rows.length;
        INDArray out = org.nd4j.linalg.factory.Nd4j.create(a.dataType(), shape);
        for (int j = 0; j < rows.length; j++) {
            out.slice(j).assign(a.slice(rows[j]));
        }
        return out;
    }

    /** Saves and restores Reptile as {@code reptile}: its {@link ReptileConfig}. */
    public static final class Type implements LearnerType<ReptileConfig, Reptile> {

        @Override
        public String id() {
            return "reptile";
        }

        @Override
        public Class<ReptileConfig> configClass() {
            return ReptileConfig.class;
        }

        @Override
        public Class<Reptile> learnerClass() {
            return Reptile.class;
        }

        @Override
        public ReptileConfig defaultConfig(int innerSteps, double innerStepSize) {
            return new ReptileConfig(innerSteps, innerStepSize);
        }

        @Override
        public Reptile create(Network network, ReptileConfig config) {
            return new Reptile(network, config);
        }

        @Override
        public ReptileConfig config(Reptile learner) {
            return learner.config();
        }
    }
}
