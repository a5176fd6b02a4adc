package org.dl4jmeta.hvp;

import java.util.function.UnaryOperator;
import org.dl4jmeta.model.ParamSet;

/**
 * Conjugate gradient for A x = b with a symmetric positive-definite operator given only through products A p
 * (Hestenes and Stiefel 1952; used matrix-free by iMAML, Rajeswaran et al. 2019, Algorithm 2). Starts at x = 0
 * and keeps four vectors (x, r, p, A p), whatever the problem size. On a direction of non-positive curvature it
 * stops early instead of diverging (the operator is then not positive definite: raise lambda or the damping).
 */
public final class ConjugateGradient {

    private ConjugateGradient() {
    }

    /**
     * The solver's outcome.
     *
     * @param solution the approximate solution x
     * @param iterations CG iterations performed
     * @param residualNorm ||b - A x|| at the end
     * @param negativeCurvature whether CG stopped on a direction with p'Ap &lt;= 0 (then the solution is the last
     *     iterate, or b itself if that happened at the first iteration, as in truncated Newton-CG)
     */
    public record Result(ParamSet solution, int iterations, double residualNorm, boolean negativeCurvature) {
    }

    /**
     * Solves A x = b.
     *
     * @param operator p -&gt; A p (must not modify p)
     * @param b right-hand side (not modified)
     * @param maxIterations iteration cap, &gt;= 1
     * @param tolerance stop when ||r|| &lt;= tolerance ||b||, &gt;= 0
     * @return the solution and diagnostics
     * @throws IllegalArgumentException on a bad cap or tolerance
     */
    public static Result solve(UnaryOperator<ParamSet> operator, ParamSet b, int maxIterations, double tolerance) {
        if (maxIterations < 1) {
            throw new IllegalArgumentException("CG iterations must be >= 1, got " + maxIterations);
        }
        if (!(tolerance >= 0)) {
            throw new IllegalArgumentException("CG tolerance must be >= 0, got " + tolerance);
        }
        ParamSet x = b.zerosLike();
        ParamSet r = b.copy();
        ParamSet p = b.copy();
        double rr = r.dot(r);
        double stop = tolerance * Math.sqrt(rr);
        int it = 0;
        while (it < maxIterations && Math.sqrt(rr) > stop && rr > 0) {
            ParamSet ap = operator.apply(p);
            double pap = p.dot(ap);
            if (!(pap > 0)) {
                return new Result(it == 0 ? b.copy() : x, it, Math.sqrt(rr), true);
            }
            double a = rr / pap;
            x.axpyi(a, p);
            r.axpyi(-a, ap);
            double rrNew = r.dot(r);
            p.scalei(rrNew / rr).axpyi(1.0, r);
            rr = rrNew;
            it++;
        }
        return new Result(x, it, Math.sqrt(rr), false);
    }
}
