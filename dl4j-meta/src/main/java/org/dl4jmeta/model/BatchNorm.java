package org.dl4jmeta.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batch normalisation with batch statistics and a learnable per-channel scale gamma and shift beta
 * (Ioffe and Szegedy 2015), used in training and test mode alike as in Finn et al.'s MAML code: statistics
 * always come from the current batch, no running averages.
 *
 * <p>Forward over the M = n h w values of channel c: mu = mean(x), var = mean((x-mu)^2),
 * xhat = (x-mu) / sqrt(var+eps), y = gamma xhat + beta. Backward: dbeta = sum(dy), dgamma = sum(dy xhat),
 * dx = gamma / sqrt(var+eps) (dy - mean(dy) - xhat mean(dy xhat)). Works on [n,c,h,w] (per channel) and [n,f]
 * (per feature).
 *
 * <p>Computed with as few full-size operations as the formulas allow, since they dominate the layer's cost and are
 * differentiated again by second-order MAML: with inv = 1/sqrt(var+eps), scale = gamma inv (per channel) and
 * s = sum(dy (x-mu)), the forward is y = (x-mu) scale + beta, dgamma = inv s, and
 * dx = scale dy - (x-mu) (scale inv^2 s / M) - scale dbeta / M, with two reductions backward instead of four.
 * Full-size operations: five forward (one spreads scale to full size, see {@link #full}) and six backward (one
 * spreads the slope; the forward's spread scale is reused); in graphs that are only executed
 * ({@link #nativeForward}) four forward and five backward, the reductions being matrix products.
 *
 * <p>Channels-last ({@link #channelsLastForward}, executed-only graphs): the input [n,h,w,c] is viewed as a matrix
 * [n h w, c] (a view), per-channel values are rows [1,c] and each per-channel sum is one product 1^T V with a
 * vector of ones; the formulas are the same.
 *
 * <p>With statistics given from outside ({@link #forward(SameDiff, SDVariable, long[], Map, Statistics)}: an
 * adapted task's support set, or a DL4J model's running averages) the layer is affine per channel:
 * y = gamma (x - mu) inv + beta, dgamma = sum(dy (x-mu) inv), dbeta = sum(dy), dx = gamma inv dy.
 */
public final class BatchNorm implements Normalisation, ChannelsLast {

    private final String name;
    private final double eps;

    /**
     * @param name layer name
     * @param eps variance floor, &gt; 0 (1e-5 as in PyTorch; Finn et al.'s TensorFlow code used 1e-3)
     * @throws IllegalArgumentException if eps is not positive
     */
    public BatchNorm(String name, double eps) {
        this.name = LayerNames.require(name);
        if (!(eps > 0)) {
            throw new IllegalArgumentException("batch norm '" + name + "' eps must be > 0, got " + eps);
        }
        this.eps = eps;
    }

    @Override
    public String name() {
        return name;
    }

    /** @return the variance floor */
    public double eps() {
        return eps;
    }

    @Override
    public Map<String, long[]> paramShapes(long[] in) {
        if (in.length != 3 && in.length != 1) {
            throw new IllegalArgumentException("batch norm '" + name + "' needs per-example input [c,h,w] or [f], got "
                    + java.util.Arrays.toString(in));
        }
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("gamma", new long[] {in[0]});
        m.put("beta", new long[] {in[0]});
        return m;
    }

    @Override
    public long[] outputShape(long[] in) {
        paramShapes(in);
        return in.clone();
    }

    @Override
    public void initialise(Map<String, INDArray> params, long[] in, SplittableRandom rng) {
        params.get("gamma").assign(1);
        params.get("beta").assign(0);
    }

    /**
     * The per-channel values {@code v} spread to full size by a broadcasting add to a constant zero array, so that
     * the full-size product that uses them is a same-shape multiply. Second-order MAML differentiates these
     * products: libnd4j 1.0.0-M2.1's gradient of a broadcasting multiply reduces over the broadcast axes about 40
     * times more slowly per value than the reduction of a broadcasting add's gradient (second-order MAML, 1 step,
     * 5-way 1-shot with 1 query per class: broadcasting multiply gradients 13.8 of 40 ms of op time).
     */
    private static SDVariable full(SDVariable zeros, SDVariable v) {
        return zeros.add(v);
    }

    @Override
    public StatisticsPass forward(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p) {
        return pass(sd, x, inShape, p, false, false);
    }

    /**
     * For graphs that are only executed: the same formulas with the per-channel factors applied by broadcasting
     * ops instead of being spread to full size first (which only pays off when SameDiff differentiates the
     * products), laid out for libnd4j's fast paths (see {@link Channels}; a graph of any batch size, an exported
     * one, keeps the rank-4 layout).
     */
    @Override
    public StatisticsPass nativeForward(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p) {
        return pass(sd, x, inShape, p, true, false);
    }

    /**
     * Per-channel sums and layouts for libnd4j 1.0.0-M2.1's fast paths, in graphs that are only executed (the rows
     * layout). A spatial input [n,c,h,w] is viewed as [n,c,hw] (plans execute reshapes as views) and per-channel
     * values are [1,c,1] ([1,c] for an input [n,c]): a broadcast of [1,c,1] over [n,c,hw] runs about five times
     * faster than of [1,c,1,1] over the rank-4 array (0.09 against 0.44 ms for 80 x 64 x 14 x 14 floats on two
     * threads). A per-channel sum is two matrix products with vectors of ones, sum_n sum_hw v[n,c,hw] =
     * 1_n^T (V 1_hw) with V viewed as [n c, hw] and then [n, c], which BLAS runs several times faster than the
     * strided reduction over axes (0, 2, 3) (0.1-0.15 against 0.86 ms there).
     *
     * <p>Graphs that SameDiff differentiates, and graphs of any batch size, keep the input's own layout and the
     * reductions over its axes ({@code rows} false): the rows layout there, with the per-channel values spread to
     * full size by outer products with ones so that every gradient is a same-shape op or a matrix product, made
     * second-order MAML slower (5 steps: 132-134 against 79-86 ms per task, alternating builds) and doubled the op
     * count of small graphs; without the spreads it gained nothing measurable.
     */
    private static final class Channels {
        private final SameDiff sd;
        private final long[] inShape;
        /** Whether the rows layout above is used; else the input's own, with reductions over its axes. */
        private final boolean rows;
        /** Whether a spatial input lies channels-last, viewed as [n h w, c]. */
        private final boolean channelsLast;
        private final boolean spatial;
        private final long n;
        private final long c;
        private final long hw;
        private final int[] axes;
        private final SDVariable onesRow;
        private final SDVariable onesHwColumn;

        /**
         * @param inShape the input's full shape, channels-first
         * @param rows whether to use the layout above (only with a known batch size)
         * @param channelsLast whether a spatial input lies as [n,h,w,c] (then viewed as [n h w, c]; needs rows)
         */
        Channels(SameDiff sd, long[] inShape, org.nd4j.linalg.api.buffer.DataType dt, boolean rows,
                 boolean channelsLast) {
            this.sd = sd;
            this.spatial = inShape.length == 4;
            this.n = inShape[0];
            this.c = inShape[1];
            this.hw = spatial ? inShape[2] * inShape[3] : 1;
            this.rows = rows && n > 0;
            if (channelsLast && !(spatial && this.rows)) {
                throw new IllegalArgumentException("channels-last batch norm needs a spatial input of known batch size,"
                        + " got " + java.util.Arrays.toString(inShape) + " (rows layout " + rows + ")");
            }
            this.channelsLast = channelsLast;
            this.inShape = this.channelsLast ? new long[] {n, inShape[2], inShape[3], c} : inShape.clone();
            this.axes = spatial ? new int[] {0, 2, 3} : new int[] {0};
            this.onesRow = this.rows ? sd.constant(Nd4j.ones(dt, 1, this.channelsLast ? n * hw : n)) : null;
            this.onesHwColumn = this.rows && spatial && !this.channelsLast ? sd.constant(Nd4j.ones(dt, hw, 1)) : null;
        }

        /** @return the per-channel layout: [1,c,1] or [1,c] in rows ([1,c] channels-last), else [1,c,1,1] or [1,c] */
        long[] channelShape() {
            if (!spatial || channelsLast) {
                return new long[] {1, c};
            }
            return rows ? new long[] {1, c, 1} : new long[] {1, c, 1, 1};
        }

        /** @return M = n h w, the number of values per channel (negative for a graph of any batch size) */
        double count() {
            return (double) n * hw;
        }

        /** @return a full-size value in the layout [n,c,hw] or, channels-last, [n hw, c] (a view), else as it is */
        SDVariable full(SDVariable v) {
            if (channelsLast) {
                return sd.reshape(v, n * hw, c);
            }
            return rows && spatial ? sd.reshape(v, n, c, hw) : v;
        }

        /** @return a full-size value back in the input's own shape (and layout) */
        SDVariable unfull(SDVariable v) {
            return rows && spatial ? sd.reshape(v, inShape) : v;
        }

        /** @return the per-channel sum of a full-size value, in the per-channel layout */
        SDVariable sum(SDVariable v) {
            if (!rows) {
                return sd.sum(v, true, axes);
            }
            if (!spatial || channelsLast) {
                return sd.mmul(onesRow, v);
            }
            SDVariable perImage = sd.reshape(sd.mmul(sd.reshape(v, n * c, hw), onesHwColumn), n, c);
            return sd.reshape(sd.mmul(onesRow, perImage), channelShape());
        }

        /** @return the per-channel mean of a full-size value, in the per-channel layout */
        SDVariable mean(SDVariable v) {
            return rows ? sum(v).div(count()) : sd.mean(v, true, axes);
        }
    }

    @Override
    public StatisticsPass forward(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p,
                                  Statistics statistics) {
        boolean spatial = inShape.length == 4;
        int[] axes = spatial ? new int[] {0, 2, 3} : new int[] {0};
        long[] bshape = spatial ? new long[] {1, inShape[1], 1, 1} : new long[] {1, inShape[1]};
        SDVariable gamma = sd.reshape(p.get("gamma"), bshape);
        SDVariable beta = sd.reshape(p.get("beta"), bshape);
        SDVariable mu = sd.reshape(statistics.mean(), bshape);
        SDVariable inv = sd.math.rsqrt(sd.reshape(statistics.variance(), bshape).add(eps));
        SDVariable xhat = x.sub(mu).mul(inv);
        SDVariable y = xhat.mul(gamma).add(beta);
        return new StatisticsPass() {
            @Override
            public Statistics statistics() {
                return statistics;
            }

            @Override
            public SDVariable output() {
                return y;
            }

            @Override
            public long[] outputShape() {
                return inShape.clone();
            }

            @Override
            public SDVariable backward(SDVariable dy, Map<String, SDVariable> grads, boolean needInputGradient) {
                grads.put("gamma", sd.reshape(sd.sum(dy.mul(xhat), true, axes), inShape[1]));
                grads.put("beta", sd.reshape(sd.sum(dy, true, axes), inShape[1]));
                return needInputGradient ? dy.mul(gamma.mul(inv)) : null;
            }
        };
    }

    /** For executed-only graphs laid out channels-last: {@link #nativeForward}'s formulas on [n h w, c]. */
    @Override
    public StatisticsPass channelsLastForward(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p) {
        return pass(sd, x, inShape, p, true, true);
    }

    private StatisticsPass pass(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p,
                                boolean executedOnly, boolean channelsLast) {
        Channels ch = new Channels(sd, inShape, x.dataType(), executedOnly, channelsLast);
        long c = inShape[1];
        SDVariable x3 = ch.full(x);
        SDVariable gamma = sd.reshape(p.get("gamma"), ch.channelShape());
        SDVariable beta = sd.reshape(p.get("beta"), ch.channelShape());
        SDVariable mu = ch.mean(x3);
        SDVariable xc = x3.sub(mu);
        SDVariable var = ch.mean(xc.mul(xc));
        SDVariable inv = sd.math.rsqrt(var.add(eps));
        // per-channel scale first, so the full-size work is one multiply and one add
        SDVariable scale = gamma.mul(inv);
        SDVariable zeros = executedOnly ? null : Shapes.zeros(sd, x, inShape);
        // the scale as the full-size products take it: broadcast per channel, or spread to full size for autodiff
        SDVariable scaleForProducts = executedOnly ? scale : full(zeros, scale);
        SDVariable y = ch.unfull(xc.mul(scaleForProducts).add(beta));
        return new StatisticsPass() {
            private Statistics batchStatistics;

            /** The batch's statistics as [channels] vectors, added to the graph on first use only. */
            @Override
            public Statistics statistics() {
                if (batchStatistics == null) {
                    batchStatistics = new Statistics(sd.reshape(mu, c), sd.reshape(var, c));
                }
                return batchStatistics;
            }

            @Override
            public SDVariable output() {
                return y;
            }

            @Override
            public long[] outputShape() {
                return inShape.clone();
            }

            @Override
            public SDVariable backward(SDVariable dy, Map<String, SDVariable> grads, boolean needInputGradient) {
                // with s = sum(dy xc) per channel: dgamma = inv s, and the input gradient
                // gamma inv (dy - mean(dy) - xhat mean(dy xhat)) = scale dy - scale dbeta/M - xc (scale inv^2 s/M)
                double m = ch.count();
                SDVariable dy3 = ch.full(dy);
                SDVariable dbeta = ch.sum(dy3);
                SDVariable s = ch.sum(dy3.mul(xc));
                grads.put("gamma", sd.reshape(s.mul(inv), c));
                grads.put("beta", sd.reshape(dbeta, c));
                if (!needInputGradient) {
                    return null;
                }
                SDVariable shift = scale.mul(dbeta).div(m);
                SDVariable slope = scale.mul(inv).mul(inv).mul(s).div(m);
                return ch.unfull(dy3.mul(scaleForProducts).sub(xc.mul(executedOnly ? slope : full(zeros, slope)))
                        .sub(shift));
            }
        };
    }

    /** Saves and restores {@link BatchNorm} in model files as type {@code batchnorm}: eps. */
    public static final class Type implements LayerType<BatchNorm> {

        @Override
        public String id() {
            return "batchnorm";
        }

        @Override
        public Class<BatchNorm> layerClass() {
            return BatchNorm.class;
        }

        @Override
        public Map<String, Object> settings(BatchNorm layer) {
            return Map.of("eps", layer.eps());
        }

        @Override
        public BatchNorm create(String name, Map<String, Object> settings) {
            return new BatchNorm(name, LayerSettings.of(id(), name, settings, "eps").real("eps"));
        }
    }
}
