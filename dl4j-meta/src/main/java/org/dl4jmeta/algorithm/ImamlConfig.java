package org.dl4jmeta.algorithm;

/**
 * Configuration of implicit MAML (Rajeswaran, Finn, Kakade, Levine 2019).
 *
 * <p>Inner problem: phi*(theta) = argmin_phi G(phi), G(phi) = L_support(phi) + lambda/2 ||phi - theta||^2, solved
 * approximately by {@link InnerSolver#GRADIENT_DESCENT} (innerSteps steps of size innerStepSize on G) or
 * {@link InnerSolver#NEWTON_CG} (innerSteps Newton iterations, each solving (H + lambda I) d = grad G with
 * newtonCgIterations CG iterations, then a backtracking Armijo line search on G of at most lineSearchSteps
 * halvings). Meta-gradient (their eq. 6): g = (I + H(phi)/lambda)^-1 grad L_query(phi), solved by cgIterations of
 * conjugate gradient on ((1 + cgDamping) I + H/(lambda + cgLambdaDamping)) g = grad L_query(phi) until the relative
 * residual is below cgTolerance. Test-time adaptation ({@link Imaml#adapt}) runs the same solver with the proximal
 * strength adaptLambda (0: plain gradient descent on the support loss).
 *
 * <p>Damping: on a real network the support-loss Hessian is indefinite (Conv-4 on Omniglot at initialisation:
 * eigenvalues from about -8 to 40), so with cgDamping = cgLambdaDamping = 0 and lambda = 2 the system
 * I + H/lambda is not positive definite, conjugate gradient stops on negative curvature after a few iterations with
 * a residual of the order of the solution (0.4 and 3.7 times the right-hand side on ImamlDampingTest's small
 * Conv-4), and near-singular directions gave Omniglot meta-gradients 20 to 50 times their usual norm. Rajeswaran et al.'s released code (aravindr93/imaml_dev, {@code matrix_evaluator}) solves
 * (2 I + H/(lambda + 10)) g = grad L_query, i.e. cgDamping 1 and cgLambdaDamping 10, and adapts at test with
 * lambda 0 ({@code measure_accuracy.py --lam 0}): {@link #releasedCode} sets those. The builder's defaults keep the
 * undamped system of the paper's equation, which is exact on convex (e.g. quadratic) tasks.
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
 * @param cgLambdaDamping added to lambda in the CG system's Hessian term, &gt;= 0 and finite; null (model files
 *     written before the field existed) reads as 0
 * @param adaptLambda proximal strength of test-time adaptation, &gt;= 0 and finite (0: unregularised); null (model
 *     files written before the field existed) reads as lambda, what those files adapted with
 */
public record ImamlConfig(double lambda, InnerSolver solver, int innerSteps, double innerStepSize,
                          int newtonCgIterations, int lineSearchSteps, int cgIterations, double cgDamping,
                          double cgTolerance, Double cgLambdaDamping, Double adaptLambda) {

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
        cgLambdaDamping = cgLambdaDamping == null ? Double.valueOf(0) : cgLambdaDamping;
        adaptLambda = adaptLambda == null ? Double.valueOf(lambda) : adaptLambda;
        if (!(cgLambdaDamping >= 0) || Double.isInfinite(cgLambdaDamping)) {
            throw new IllegalArgumentException("cgLambdaDamping must be >= 0 and finite, got " + cgLambdaDamping);
        }
        if (!(adaptLambda >= 0) || Double.isInfinite(adaptLambda)) {
            throw new IllegalArgumentException("adaptLambda must be >= 0 and finite (0: test-time adaptation "
                    + "without the proximal term), got " + adaptLambda);
        }
    }

    /**
     * The settings of Rajeswaran et al.'s released Omniglot code (aravindr93/imaml_dev: {@code
     * omniglot_implicit_maml.py}, {@code learner_model.py matrix_evaluator}, {@code measure_accuracy.py}): CG on
     * (2 I + H/(lambda + 10)) g = grad L_query (cgDamping 1, cgLambdaDamping 10) and test-time adaptation without
     * the proximal term (adaptLambda 0); the other fields are the builder's defaults.
     *
     * @param lambda regularisation strength of the training inner problem
     * @return a builder with those settings
     */
    public static Builder releasedCode(double lambda) {
        return builder(lambda).optCgDamping(1.0).optCgLambdaDamping(10.0).optAdaptLambda(0.0);
    }

    /**
     * @param lambda regularisation strength (required)
     * @return a builder with the defaults: gradient descent, 16 steps of 0.1, 5 Newton-CG iterations, 10
     *     line-search halvings, 5 meta-gradient CG iterations, no damping (cgDamping and cgLambdaDamping 0),
     *     tolerance 1e-10, test-time adaptation with the training lambda
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
        private double cgLambdaDamping = 0;
        private double adaptLambda;

        private Builder(double lambda) {
            this.lambda = lambda;
            this.adaptLambda = lambda;
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

        /** @param v added to lambda in the CG system's Hessian term @return this */
        public Builder optCgLambdaDamping(double v) {
            cgLambdaDamping = v;
            return this;
        }

        /** @param v proximal strength of test-time adaptation (0: none) @return this */
        public Builder optAdaptLambda(double v) {
            adaptLambda = v;
            return this;
        }

        /** @return the validated configuration */
        public ImamlConfig build() {
            return new ImamlConfig(lambda, solver, innerSteps, innerStepSize, newtonCgIterations, lineSearchSteps,
                    cgIterations, cgDamping, cgTolerance, cgLambdaDamping, adaptLambda);
        }
    }
}
