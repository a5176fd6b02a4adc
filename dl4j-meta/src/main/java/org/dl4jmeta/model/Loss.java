package org.dl4jmeta.model;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * A mean loss over a batch with its gradient written as ordinary differentiable ops.
 *
 * <p>Call order: {@link #build} once per graph.
 */
public interface Loss {

    /**
     * Adds the loss and dL/dz to a graph.
     *
     * @param sd the graph
     * @param z network outputs [n, k]
     * @param y targets [n, k]
     * @param n batch size
     * @return the scalar loss and its gradient with respect to z
     */
    Built build(SameDiff sd, SDVariable z, SDVariable y, long n);

    /** @return a short identifier, e.g. "softmax-cross-entropy" */
    String id();

    /**
     * A loss inside a graph.
     *
     * @param loss scalar mean loss
     * @param dz gradient of the loss with respect to z
     */
    record Built(SDVariable loss, SDVariable dz) {
    }

    /**
     * Softmax cross-entropy L = -(1/n) sum_i sum_k y_ik log softmax(z_i)_k; dL/dz = (softmax(z) - y) / n.
     *
     * @return the classification loss of the papers
     */
    static Loss softmaxCrossEntropy() {
        return new SoftmaxCrossEntropy();
    }

    /**
     * Softmax cross-entropy as a class, so that {@link Losses} finds it through its service file; use
     * {@link #softmaxCrossEntropy()}.
     */
    final class SoftmaxCrossEntropy implements Loss {
        @Override
        public Built build(SameDiff sd, SDVariable z, SDVariable y, long n) {
            // log softmax(z) = (z - m) - log sum exp(z - m), m the row maximum. ND4J's logSoftmax underflows
            // to -infinity in float32 for very negative logits (and 0 * -inf = NaN), and logSoftmax(x, 1)
            // breaks createGradFunction; this form is stable and its derivative through m cancels exactly.
            SDVariable shifted = z.sub(sd.max(z, true, 1));
            SDVariable logp = shifted.sub(sd.math.log(sd.sum(sd.math.exp(shifted), true, 1)));
            SDVariable loss = sd.sum(y.mul(logp)).mul(-1.0 / n);
            SDVariable dz = sd.math.exp(logp).sub(y).mul(1.0 / n);
            return new Built(loss, dz);
        }

        @Override
        public String id() {
            return "softmax-cross-entropy";
        }
    }

    /**
     * Squared error L = (1/2n) sum_i ||z_i - y_i||^2; dL/dz = (z - y) / n. A linear model with this loss has the
     * quadratic loss 1/2 (w-a)' A (w-a) + const with A = X'X/n, used by the closed-form tests.
     *
     * @return the regression loss
     */
    static Loss squaredError() {
        return new SquaredError();
    }

    /**
     * Squared error as a class, so that {@link Losses} finds it through its service file; use
     * {@link #squaredError()}.
     */
    final class SquaredError implements Loss {
        @Override
        public Built build(SameDiff sd, SDVariable z, SDVariable y, long n) {
            SDVariable r = z.sub(y);
            SDVariable loss = sd.sum(r.mul(r)).mul(0.5 / n);
            return new Built(loss, r.mul(1.0 / n));
        }

        @Override
        public String id() {
            return "squared-error";
        }
    }
}
