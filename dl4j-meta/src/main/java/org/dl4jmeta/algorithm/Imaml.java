package org.dl4jmeta.algorithm;

import java.util.HashMap;
import java.util.Map;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.hvp.ConjugateGradient;
import org.dl4jmeta.hvp.HvpGraph;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Implicit MAML (Rajeswaran, Finn, Kakade, Levine 2019, Algorithm 2).
 *
 * <p>The task parameters are the (approximate) minimiser of the regularised support loss
 * G(phi) = L_s(phi) + lambda/2 ||phi - theta||^2, and by the implicit function theorem the meta-gradient is
 * g = (I + H_s(phi)/lambda)^-1 grad L_q(phi), with H_s the support-loss Hessian at phi. g comes from conjugate
 * gradient with exact Hessian-vector products ({@link HvpGraph}) on the damped system
 * ((1 + cgDamping) I + H_s/(lambda + cgLambdaDamping)) g = grad L_q(phi) (see {@link ImamlConfig} for why real
 * networks need the damping). Only phi and the CG vectors are kept: memory does not grow with the number of inner
 * steps, unlike MAML's unrolled graph. Test-time adaptation ({@link #adapt}) runs the same inner solver from theta
 * with the proximal strength {@link ImamlConfig#adaptLambda()}.
 *
 * <p>Newton-CG: d solves (H_s(phi) + lambda I) d = grad G(phi) by a few CG iterations; phi &lt;- phi - t d with t
 * halved until G decreases by at least 1e-4 t &lt;grad G, d&gt; (Armijo). Where CG meets negative curvature the
 * direction falls back to grad G.
 *
 * <p>Not thread-safe: one instance per thread.
 */
public final class Imaml implements MetaLearner {

    private static final double ARMIJO = 1e-4;

    private final Network network;
    private final ImamlConfig config;
    private final InnerLoop inner;
    /** Test-time adaptation: results independent of the thread count. */
    private final InnerLoop adaptation;
    private final Map<String, HvpGraph> hvps = new HashMap<>();

    /**
     * @param network the network
     * @param config iMAML settings
     */
    public Imaml(Network network, ImamlConfig config) {
        this.network = java.util.Objects.requireNonNull(network, "network");
        this.config = java.util.Objects.requireNonNull(config, "config");
        this.inner = new InnerLoop(network, true);
        this.adaptation = new InnerLoop(network, false);
    }

    @Override
    public String id() {
        return config.solver() == ImamlConfig.InnerSolver.NEWTON_CG ? "imaml-hf" : "imaml-gd";
    }

    @Override
    public Network network() {
        return network;
    }

    /** @return the configuration */
    public ImamlConfig config() {
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

    HvpGraph hvp(long batch, DataType dt) {
        return hvps.computeIfAbsent(batch + "/" + dt, k -> new HvpGraph(network, batch, dt));
    }

    @Override
    public ParamSet adapt(ParamSet theta, INDArray x, INDArray y, int steps) {
        inner.requireAdaptation(theta, x, y, steps);
        return solve(adaptation, theta, x, y, steps, config.adaptLambda());
    }

    private ParamSet solve(InnerLoop loop, ParamSet theta, INDArray x, INDArray y, int steps, double lambda) {
        ParamSet anchor = theta.select(network.paramNames());
        return config.solver() == ImamlConfig.InnerSolver.NEWTON_CG ? newtonCg(loop, anchor, x, y, steps, lambda)
                : gradientDescent(loop, anchor, x, y, steps, lambda);
    }

    private ParamSet gradientDescent(InnerLoop loop, ParamSet anchor, INDArray x, INDArray y, int steps,
                                     double lambda) {
        LossGradGraph g = loop.graph(x.size(0), anchor.dataType());
        ParamSet phi = anchor.copy();
        for (int k = 0; k < steps; k++) {
            ParamSet grad = g.run(phi, x, y, true).gradient();
            // grad G = grad L_s(phi) + lambda (phi - theta), as (g + lambda phi) - lambda theta; the proximal
            // InnerUpdate computes g + lambda (phi - theta), which rounds differently, so iMAML keeps its own order
            // to keep its results (and resumed runs) bit-identical.
            if (lambda > 0) {
                grad.axpyi(lambda, phi).axpyi(-lambda, anchor);
            }
            phi.axpyi(-config.innerStepSize(), grad);
        }
        return phi;
    }

    private static double regularisedLoss(LossGradGraph g, ParamSet phi, ParamSet anchor, INDArray x, INDArray y,
                                          double lambda) {
        ParamSet diff = phi.axpy(-1, anchor);
        return g.run(phi, x, y, false).loss() + 0.5 * lambda * diff.dot(diff);
    }

    private ParamSet newtonCg(InnerLoop loop, ParamSet anchor, INDArray x, INDArray y, int steps, double lambda) {
        LossGradGraph g = loop.graph(x.size(0), anchor.dataType());
        HvpGraph h = hvp(x.size(0), anchor.dataType());
        ParamSet phi = anchor.copy();
        for (int k = 0; k < steps; k++) {
            LossGradGraph.Result r = g.run(phi, x, y, true);
            ParamSet gradG = r.gradient().axpyi(lambda, phi).axpyi(-lambda, anchor);
            double lossG = r.loss() + 0.5 * lambda * sq(phi.axpy(-1, anchor));
            ParamSet point = phi;
            ConjugateGradient.Result cg = ConjugateGradient.solve(
                    v -> h.run(point, x, y, v).hessianVector().axpyi(lambda, v), gradG,
                    config.newtonCgIterations(), 1e-10);
            ParamSet d = cg.solution();
            double slope = gradG.dot(d);
            if (!(slope > 0)) {
                d = gradG;
                slope = gradG.dot(gradG);
            }
            double t = 1;
            ParamSet trial = phi.axpy(-t, d);
            for (int s = 0; s < config.lineSearchSteps()
                    && !(regularisedLoss(g, trial, anchor, x, y, lambda) <= lossG - ARMIJO * t * slope); s++) {
                t *= 0.5;
                trial = phi.axpy(-t, d);
            }
            phi = trial;
        }
        return phi;
    }

    private static double sq(ParamSet p) {
        return p.dot(p);
    }

    @Override
    public MetaGradient metaGradient(ParamSet theta, Episode e, boolean preAdaptationMetrics) {
        network.requireParams(theta, "theta");
        inner.requireEpisode(theta, e);
        ParamSet phi = solve(inner, theta, e.supportX(), e.supportY(), config.innerSteps(), config.lambda());
        LossGradGraph q = inner.graph(e.queryX().size(0), theta.dataType());
        LossGradGraph.Result after = q.run(phi, e.queryX(), e.queryY(), true);
        ParamSet g = implicitGradient(phi, e.supportX(), e.supportY(), after.gradient()).solution();
        double[] before = inner.queryAtTheta(theta, e, preAdaptationMetrics);
        double supportBefore = inner.supportLossAtTheta(theta, e, preAdaptationMetrics);
        TaskMetrics m = new TaskMetrics(supportBefore, before[0], before[1], after.loss(),
                inner.accuracy(after.output(), e.queryY()));
        return new MetaGradient(theta.zerosLike().assign(g), m);
    }

    /**
     * Solves ((1 + cgDamping) I + H_s(phi)/(lambda + cgLambdaDamping)) g = v by conjugate gradient with exact
     * Hessian-vector products; with both dampings 0 this is the paper's (I + H_s/lambda) g = v.
     *
     * @param phi the adapted parameters
     * @param supportX support inputs (H_s is the support-loss Hessian)
     * @param supportY support targets
     * @param v the right-hand side, typically grad L_query(phi)
     * @return the CG result
     */
    public ConjugateGradient.Result implicitGradient(ParamSet phi, INDArray supportX, INDArray supportY, ParamSet v) {
        HvpGraph h = hvp(supportX.size(0), phi.dataType());
        double scale = 1.0 / (config.lambda() + config.cgLambdaDamping());
        return ConjugateGradient.solve(
                p -> h.run(phi, supportX, supportY, p).hessianVector().scalei(scale).axpyi(1 + config.cgDamping(), p),
                v, config.cgIterations(), config.cgTolerance());
    }

    /** Saves and restores iMAML as {@code imaml}: its {@link ImamlConfig}. */
    public static final class Type implements LearnerType<ImamlConfig, Imaml> {

        @Override
        public String id() {
            return "imaml";
        }

        @Override
        public Class<ImamlConfig> configClass() {
            return ImamlConfig.class;
        }

        @Override
        public Class<Imaml> learnerClass() {
            return Imaml.class;
        }

        /**
         * Lambda 2 with the released code's damping and unregularised test-time adaptation
         * ({@link ImamlConfig#releasedCode}), and the builder's other defaults (gradient descent, 5 CG iterations).
         */
        @Override
        public ImamlConfig defaultConfig(int innerSteps, double innerStepSize) {
            return ImamlConfig.releasedCode(2.0).optInnerSteps(innerSteps).optInnerStepSize(innerStepSize).build();
        }

        @Override
        public Imaml create(Network network, ImamlConfig config) {
            return new Imaml(network, config);
        }

        @Override
        public ImamlConfig config(Imaml learner) {
            return learner.config();
        }
    }
}
