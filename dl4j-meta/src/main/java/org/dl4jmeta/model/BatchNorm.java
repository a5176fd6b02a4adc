package org.dl4jmeta.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

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
 * ({@link #nativeForward}) three forward and five backward.
 *
 * <p>With statistics given from outside ({@link #forward(SameDiff, SDVariable, long[], Map, Statistics)}: an
 * adapted task's support set, or a DL4J model's running averages) the layer is affine per channel:
 * y = gamma (x - mu) inv + beta, dgamma = sum(dy (x-mu) inv), dbeta = sum(dy), dx = gamma inv dy.
 */
public final class BatchNorm implements Normalisation {

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

    private static double count(long[] shape, int[] axes) {
        double m = 1;
        for (int a : axes) {
            m *= shape[a];
        }
        return m;
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
        return pass(sd, x, inShape, p, false);
    }

    /**
     * For graphs that are only executed: the same formulas with the per-channel factors applied by broadcasting
     * ops instead of being spread to full size first (which only pays off when SameDiff differentiates the
     * products), and the forward's final affine step as libnd4j's {@code batchnorm} op on the centred input:
     * three full-size passes fewer per forward and backward.
     */
    @Override
    public StatisticsPass nativeForward(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p) {
        return pass(sd, x, inShape, p, true);
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

    private StatisticsPass pass(SameDiff sd, SDVariable x, long[] inShape, Map<String, SDVariable> p,
                                boolean executedOnly) {
        boolean spatial = inShape.length == 4;
        int[] axes = spatial ? new int[] {0, 2, 3} : new int[] {0};
        long[] bshape = spatial ? new long[] {1, inShape[1], 1, 1} : new long[] {1, inShape[1]};
        SDVariable gamma = sd.reshape(p.get("gamma"), bshape);
        SDVariable beta = sd.reshape(p.get("beta"), bshape);
        SDVariable mu = sd.mean(x, true, axes);
        SDVariable xc = x.sub(mu);
        SDVariable var = sd.mean(xc.mul(xc), true, axes);
        SDVariable inv = sd.math.rsqrt(var.add(eps));
        // per-channel scale first, so the full-size work is one multiply and one add
        SDVariable scale = gamma.mul(inv);
        SDVariable zeros = executedOnly ? null : Shapes.zeros(sd, x, inShape);
        // the scale as the full-size products take it: broadcast per channel, or spread to full size for autodiff
        SDVariable scaleForProducts = executedOnly ? scale : full(zeros, scale);
        SDVariable y = executedOnly
                ? sd.nn.batchNorm(xc, sd.constant(org.nd4j.linalg.factory.Nd4j.zeros(x.dataType(), inShape[1])),
                        sd.reshape(var, inShape[1]), p.get("gamma"), p.get("beta"), eps, 1)
                : xc.mul(scaleForProducts).add(beta);
        double m = count(inShape, axes);
        return new StatisticsPass() {
            private Statistics batchStatistics;

            /** The batch's statistics as [channels] vectors, added to the graph on first use only. */
            @Override
            public Statistics statistics() {
                if (batchStatistics == null) {
                    batchStatistics = new Statistics(sd.reshape(mu, inShape[1]), sd.reshape(var, inShape[1]));
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
                SDVariable dbeta = sd.sum(dy, true, axes);
                SDVariable s = sd.sum(dy.mul(xc), true, axes);
                grads.put("gamma", sd.reshape(s.mul(inv), inShape[1]));
                grads.put("beta", sd.reshape(dbeta, inShape[1]));
                if (!needInputGradient) {
                    return null;
                }
                SDVariable shift = scale.mul(dbeta).div(m);
                SDVariable slope = scale.mul(inv).mul(inv).mul(s).div(m);
                return dy.mul(scaleForProducts).sub(xc.mul(executedOnly ? slope : full(zeros, slope))).sub(shift);
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
