package org.dl4jmeta.model;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Mean squared error as DL4J's {@code LossMSE} scores it, averaged over the k outputs and the n examples:
 * L = (1/(n k)) sum_i ||z_i - y_i||^2, dL/dz = 2 (z - y) / (n k). (The library's {@link Loss#squaredError()} is
 * (1/2n) sum_i ||z_i - y_i||^2, 2/k times this.) Stateless.
 */
public final class MeanSquaredError implements Loss {

    @Override
    public Built build(SameDiff sd, SDVariable z, SDVariable y, long n) {
        // k from the graph (z's static shape is not known while the graph is built): a [n,1] column of k's, as
        // z * 0 + 1 summed per row, whose derivative is zero everywhere
        SDVariable k = sd.sum(z.mul(0.0).add(1.0), true, 1);
        SDVariable r = z.sub(y);
        return new Built(sd.sum(r.mul(r).div(k)).mul(1.0 / n), r.div(k).mul(2.0 / n));
    }

    @Override
    public String id() {
        return "mse";
    }
}
