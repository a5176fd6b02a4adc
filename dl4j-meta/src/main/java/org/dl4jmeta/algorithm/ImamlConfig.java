package org.dl4jmeta.algorithm;

/**
 * Configuration of implicit MAML (Rajeswaran, Finn, Kakade, Levine 2019).
 *
 * <p>Inner problem: phi*(theta) = argmin_phi G(phi), G(phi) = L_support(phi) + lambda/2 ||phi - theta||^2, solved
 * approximately by {@link InnerSolver#GRADIENT_DESCENT} (innerSteps steps of size innerStepSize on G) or
 * {@link InnerSolver#NEWTON_CG} (innerSteps Newton iterations, each solving (H + lambda I) d = grad G with
 * newtonCgIterations CG iterations, then a backtracking Armijo line search on G of at most lineSearchSteps
 * halvings). Meta-gradient (their eq. 6): g = (I + H(phi)/lambda)^-1 grad L_query(phi), solved by cgIterations of
 * conjugate gradient on ((1 + cgDamping) I + H/lambda) g = grad L_query(phi) until the relative residual is below
 * cgTolerance.
 *
 * @param lambda regularisation strength, &gt; 0
 * @param solver inner solver
 * @param innerSteps GD steps or Newton iterations, &gt;= 1
 * @param innerStepSize GD step size, &gt; 0 (unused by Newton-CG)
 * @param newtonCgIterations CG iterations per Newton step, &gt;= 1
 * @param lineSearchSteps maximum step halvings of the line search, &gt;= 0
 * @param cgIterations CG iterations for the meta-gradient, &gt;= 1 (the paper uses 5)
 * @param cgDamping extra multiple of the identity, &gt;= 0
 * @param cgTolerance relative residual at which CG stops early, &gt;= 0
 */
public record ImamlConfig(double lambda, InnerSolver solver, int innerSteps, double innerStepSize,
                          int newtonCgIterations, int lineSearchSteps, int cgIterations, double cgDamping,
                          double cgTolerance) {

    /** How the inner problem is solved. */
    public enum InnerSolver {
        /** plain gradient descent on the regularised loss */
        GRADIENT_DESCENT,
        /** Hessian-free Newton-CG with a backtracking line search (the paper's best variant) */
        NEWTON_CG
    }

    /**
     * @throws IllegalArgumentException naming the first bad value
     */
    public ImamlConfig {
        if (!(lambda > 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("lambda must be > 0 and finite, got " + lambda);
        }
        java.util.Objects.requireNonNull(solver, "solver");
        if (innerSteps < 1) {
            throw new IllegalArgumentException("innerSteps must be >= 1, got " + innerSteps);
        }
        if (!(innerStepSize > 0) || Double.isInfinite(innerStepSize)) {
            throw new IllegalArgumentException("innerStepSize must be > 0 and finite, got " + innerStepSize);
        }
        if (newtonCgIterations < 1) {
            throw new IllegalArgumentException("newtonCgIterations must be >= 1, got " + newtonCgIterations);
        }
        if (lineSearchSteps < 0) {
            throw new IllegalArgumentException("lineSearchSteps must be >= 0, got " + lineSearchSteps);
        }
        if (cgIterations < 1) {
            throw new IllegalArgumentException("cgIterations must be >= 1, got " + cgIterations);
        }
        if (!(cgDamping >= 0)) {
            throw new IllegalArgumentException("cgDamping must be >= 0, got " + cgDamping);
        }
        if (!(cgTolerance >= 0)) {
            throw new IllegalArgumentException("cgTolerance must be >= 0, got " + cgTolerance);
        }
    }

    /**
     * @param lambda regularisation strength (required)
     * @return a builder with the defaults: gradient descent, 16 steps of 0.1, 5 Newton-CG iterations, 10
     *     line-search halvings, 5 meta-gradient CG iterations, no damping, tolerance 1e-10
     */
    public static Builder builder(double lambda) {
        return new Builder(lambda);
    }

    /** Builder: {@code lambda} is required, every {@code optX} optional. */
    public static final class Builder {
        private final double lambda;
        private InnerSolver solver = InnerSolver.GRADIENT_DESCENT;
        private int innerSteps = 16;
        private double innerStepSize = 0.1;
        private int newtonCgIterations = 5;
        private int lineSearchSteps = 10;
        private int cgIterations = 5;
        private double cgDamping = 0;
        private double cgTolerance = 1e-10;

        private Builder(double lambda) {
            this.lambda = lambda;
        }

        /** @param v inner solver @return this */
        public Builder optSolver(InnerSolver v) {
            solver = v;
            return this;
        }

        /** @param v GD steps or Newton iterations @return this */
        public Builder optInnerSteps(int v) {
            innerSteps = v;
            return this;
        }

        /** @param v GD step size @return this */
        public Builder optInnerStepSize(double v) {
            innerStepSize = v;
            return this;
        }

        /** @param v CG iterations per Newton step @return this */
        public Builder optNewtonCgIterations(int v) {
            newtonCgIterations = v;
            return this;
        }

        /** @param v maximum line-search halvings @return this */
        public Builder optLineSearchSteps(int v) {
            lineSearchSteps = v;
            return this;
        }

        /** @param v meta-gradient CG iterations @return this */
        public Builder optCgIterations(int v) {
            cgIterations = v;
            return this;
        }

        /** @param v CG damping @return this */
        public Builder optCgDamping(double v) {
            cgDamping = v;
            return this;
        }

        /** @param v CG relative tolerance @return this */
        public Builder optCgTolerance(double v) {
            cgTolerance = v;
            return this;
        }

        /** @return the validated configuration */
        public ImamlConfig build() {
            return new ImamlConfig(lambda, solver, innerSteps, innerStepSize, newtonCgIterations, lineSearchSteps,
                    cgIterations, cgDamping, cgTolerance);
        }
    }
}
