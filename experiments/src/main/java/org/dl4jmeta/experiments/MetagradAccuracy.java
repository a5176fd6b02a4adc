package org.dl4jmeta.experiments;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.dl4jmeta.algorithm.Imaml;
import org.dl4jmeta.algorithm.ImamlConfig;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@code experiment metagrad-accuracy}: how close each algorithm's meta-gradient is to the exact one as the number
 * of inner steps grows (Rajeswaran, Finn, Kakade, Levine 2019, "Meta-Learning with Implicit Gradients", Fig. 2a).
 *
 * <p>The meta-objective is iMAML's: L_q(phi*(theta)) with phi*(theta) = argmin G(phi),
 * G(phi) = L_s(phi) + lambda/2 ||phi - theta||^2. On the quadratic task of {@link MetagradAccuracyConfig} everything
 * is exact in plain Java: phi* = (A_s + lambda I)^-1 (A_s a_s + lambda theta) and, since the Jacobian of phi* in
 * theta is (I + A_s/lambda)^-1, the exact meta-gradient g* = (I + A_s/lambda)^-1 A_q (phi* - a_q). Against it, with K
 * gradient steps of size eta on G from phi_0 = theta:
 * <ul>
 *   <li>MAML: backpropagation through the K steps, the library's second-order {@link Maml} with the proximal inner
 *       update ({@link MamlConfig#withProximal}: SameDiff autodiff of the unrolled loop on G);</li>
 *   <li>first-order MAML: grad L_q(phi_K), with phi_K from the library's {@link Imaml#adapt} (gradient descent on
 *       G) and the gradient from the library's {@link LossGradGraph};</li>
 *   <li>iMAML with 2 and 5 conjugate-gradient iterations: the library's {@link Imaml} (gradient-descent inner solver,
 *       CG on (I + H/lambda) g = grad L_q(phi_K) with exact Hessian-vector products, tolerance 0).</li>
 * </ul>
 * Reported: the relative error ||g - g*|| / ||g*|| of each per K, and the largest difference between MAML's phi_K
 * (the proximal update's inner loop) and iMAML's gradient-descent solver's (the two inner loops must agree).
 */
public final class MetagradAccuracy {

    /** The experiment's name, also the stem of its result files. */
    public static final String NAME = "metagrad-accuracy";

    private MetagradAccuracy() {
    }

    /**
     * The outcome.
     *
     * @param innerSteps the K compared
     * @param maml MAML's relative error per K
     * @param firstOrder first-order MAML's relative error per K
     * @param imaml iMAML's relative error per K, per CG iteration count (in the configured order)
     * @param maxPhiDifference the largest |phi_K (Maml's proximal inner loop) - phi_K (Imaml.adapt)| over all K
     * @param summary the headline numbers, for the result file
     * @param series the per-K errors, for the result file
     */
    public record Result(List<Integer> innerSteps, double[] maml, double[] firstOrder, Map<Integer, double[]> imaml,
                         double maxPhiDifference, Map<String, Object> summary, Map<String, Object> series) {
    }

    /** The task of the experiment and its exact answers. */
    record Problem(QuadraticTask support, QuadraticTask query, double[] theta, double[] phiStar, double[] exact,
                   Episode episode) {
    }

    static Problem problem(MetagradAccuracyConfig cfg, long seed) {
        int d = cfg.dimension();
        SplittableRandom root = new SplittableRandom(seed);
        double top = cfg.maxCurvature();
        double[] as = Linalg.gaussian(root.split(), d);
        QuadraticTask support = QuadraticTask.of(Linalg.logSpaced(top / cfg.condition(), top, d),
                Linalg.randomRotation(root.split(), d), as);
        QuadraticTask query = QuadraticTask.of(Linalg.logSpaced(top / cfg.queryCondition(), top, d),
                Linalg.randomRotation(root.split(), d),
                Linalg.add(as, 0.5, Linalg.gaussian(root.split(), d)));
        double[] theta = Linalg.gaussian(root.split(), d);
        double lambda = cfg.lambda();
        double[][] aS = support.curvature();
        double[][] m = Linalg.add(aS, lambda, Linalg.identity(d));
        double[] phiStar = Linalg.solve(m, Linalg.add(Linalg.multiply(aS, support.optimum()), lambda, theta));
        double[] exact = Linalg.solve(Linalg.add(Linalg.identity(d), 1 / lambda, aS), query.gradient(phiStar));
        Episode s = support.episode();
        Episode q = query.episode();
        Episode e = new Episode(s.supportX(), s.supportY(), q.queryX(), q.queryY());
        return new Problem(support, query, theta, phiStar, exact, e);
    }

    /**
     * Runs every K.
     *
     * @param cfg the configuration
     * @param seed seeds the eigenbases, the optima and theta
     * @return the outcome
     */
    public static Result run(MetagradAccuracyConfig cfg, long seed) {
        Problem p = problem(cfg, seed);
        int d = cfg.dimension();
        double eta = cfg.effectiveInnerStepSize();
        Network net = LinearModel.regression(d);
        ParamSet theta = LinearModel.params(net, p.theta());
        LossGradGraph query = new LossGradGraph(net, p.episode().queryX().size(0), DataType.DOUBLE);
        double gNorm = Linalg.norm(p.exact());
        List<Integer> ks = cfg.innerSteps();
        double[] maml = new double[ks.size()];
        double[] fo = new double[ks.size()];
        Map<Integer, double[]> im = new LinkedHashMap<>();
        for (int c : cfg.cgIterations()) {
            im.put(c, new double[ks.size()]);
        }
        double phiDiff = 0;
        Columns table = new Columns(columns(cfg));
        for (int i = 0; i < ks.size(); i++) {
            int k = ks.get(i);
            Maml unrolled = new Maml(net, MamlConfig.secondOrder(k, eta).withProximal(cfg.lambda()));
            maml[i] = Linalg.distance(LinearModel.weights(unrolled.metaGradient(theta, p.episode()).gradient()),
                    p.exact()) / gNorm;
            Imaml gd = new Imaml(net, imamlConfig(cfg, k, eta, 1));
            ParamSet phiK = gd.adapt(theta, p.episode().supportX(), p.episode().supportY(), k);
            phiDiff = Math.max(phiDiff, Linalg.maxAbsDifference(LinearModel.weights(phiK),
                    LinearModel.weights(unrolled.adapt(theta, p.episode()))));
            double[] foGrad = LinearModel.weights(query.run(phiK, p.episode().queryX(), p.episode().queryY(), true)
                    .gradient());
            fo[i] = Linalg.distance(foGrad, p.exact()) / gNorm;
            Object[] row = new Object[3 + im.size()];
            row[0] = k;
            row[1] = maml[i];
            row[2] = fo[i];
            int j = 3;
            for (Map.Entry<Integer, double[]> e : im.entrySet()) {
                Imaml imaml = new Imaml(net, imamlConfig(cfg, k, eta, e.getKey()));
                double[] g = LinearModel.weights(imaml.metaGradient(theta, p.episode()).gradient());
                e.getValue()[i] = Linalg.distance(g, p.exact()) / gNorm;
                row[j++] = e.getValue()[i];
            }
            table.add(row);
        }
        Map<String, Object> s = new LinkedHashMap<>();
        double[] evS = Linalg.symmetricEigenvalues(p.support().curvature());
        s.put("support_condition_number", evS[d - 1] / evS[0]);
        s.put("lambda", cfg.lambda());
        s.put("inner_step_size", eta);
        s.put("exact_meta_gradient_norm", gNorm);
        int last = ks.size() - 1;
        s.put("max_inner_steps", ks.get(last));
        s.put("maml_error_first", maml[0]);
        s.put("maml_error_last", maml[last]);
        s.put("maml_error_decreasing", nonIncreasing(maml));
        s.put("fomaml_error_last", fo[last]);
        for (Map.Entry<Integer, double[]> e : im.entrySet()) {
            s.put("imaml_cg" + e.getKey() + "_error_last", e.getValue()[last]);
        }
        s.put("max_phi_difference_unrolled_vs_library", phiDiff);
        Map<String, Object> series = new LinkedHashMap<>();
        series.put("errors", table.toMap());
        return new Result(ks, maml, fo, im, phiDiff, s, series);
    }

    private static String[] columns(MetagradAccuracyConfig cfg) {
        String[] names = new String[3 + cfg.cgIterations().size()];
        names[0] = "inner_steps";
        names[1] = "maml";
        names[2] = "fomaml";
        int j = 3;
        for (int c : cfg.cgIterations()) {
            names[j++] = "imaml_cg" + c;
        }
        return names;
    }

    private static ImamlConfig imamlConfig(MetagradAccuracyConfig cfg, int k, double eta, int cg) {
        return ImamlConfig.builder(cfg.lambda()).optInnerSteps(k).optInnerStepSize(eta).optCgIterations(cg)
                .optCgTolerance(0).build();
    }

    /** @return whether each value is at most the previous one (relative slack 1e-9), values below 1e-12 (rounding) aside */
    static boolean nonIncreasing(double[] v) {
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[i - 1] * (1 + 1e-9) && v[i] > 1e-12) {
                return false;
            }
        }
        return true;
    }
}
