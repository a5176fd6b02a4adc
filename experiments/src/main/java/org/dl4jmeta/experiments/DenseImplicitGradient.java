package org.dl4jmeta.experiments;

import org.dl4jmeta.hvp.HvpGraph;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The exact implicit meta-gradient of iMAML by a dense solve, for networks small enough to form their Hessian:
 * H is assembled column by column from exact Hessian-vector products H e_i, then
 * ((1 + damping) I + H/lambda) g = v is solved by {@code Linalg.solve} (Gaussian elimination with partial
 * pivoting). The reference the conjugate-gradient meta-gradient is checked against (Rajeswaran et al. 2019, eq. 6).
 */
public final class DenseImplicitGradient {

    private DenseImplicitGradient() {
    }

    /**
     * @param network the network
     * @param phi the point (DOUBLE)
     * @param x support inputs
     * @param y support targets
     * @return the P x P support-loss Hessian at phi, P the number of parameters
     * @throws IllegalArgumentException if the network has more than 5000 parameters or phi is not DOUBLE
     */
    public static double[][] hessian(Network network, ParamSet phi, INDArray x, INDArray y) {
        if (phi.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException("dense Hessians need DOUBLE parameters, got " + phi.dataType());
        }
        int p = (int) phi.length();
        if (p > 5000) {
            throw new IllegalArgumentException("a dense Hessian needs a network of at most 5000 parameters, got " + p
                    + " (use --arch tiny)");
        }
        HvpGraph h = new HvpGraph(network, x.size(0), DataType.DOUBLE);
        double[][] m = new double[p][];
        INDArray basis = Nd4j.zeros(DataType.DOUBLE, p);
        for (int i = 0; i < p; i++) {
            basis.putScalar(i, 1.0);
            m[i] = h.run(phi, x, y, phi.withFlat(basis)).hessianVector().flat().toDoubleVector();
            basis.putScalar(i, 0.0);
        }
        // column i of H is H e_i; H is symmetric, symmetrise to remove rounding asymmetry
        double[][] hm = new double[p][p];
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < p; j++) {
                hm[i][j] = 0.5 * (m[i][j] + m[j][i]);
            }
        }
        return hm;
    }

    /**
     * @param network the network
     * @param phi the adapted parameters (DOUBLE)
     * @param x support inputs
     * @param y support targets
     * @param v right-hand side (grad L_query(phi))
     * @param lambda iMAML's regularisation
     * @param damping extra multiple of the identity
     * @return g solving ((1 + damping) I + H/lambda) g = v
     * @throws IllegalArgumentException as {@link #hessian} does, or if the system is singular to working precision
     */
    public static ParamSet solve(Network network, ParamSet phi, INDArray x, INDArray y, ParamSet v, double lambda,
                                 double damping) {
        double[][] a = hessian(network, phi, x, y);
        int p = a.length;
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < p; j++) {
                a[i][j] = a[i][j] / lambda + (i == j ? 1 + damping : 0);
            }
        }
        return v.withFlat(Nd4j.createFromArray(Linalg.solve(a, v.flat().toDoubleVector())));
    }
}
