package org.dl4jmeta.experiments;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.dl4jmeta.algorithm.HfMaml;
import org.dl4jmeta.algorithm.HfMamlConfig;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@code experiment fomaml-floor}: first-order MAML stalls at a gradient-norm floor that grows with alpha * sigma,
 * while MAML and HF-MAML drive ||grad F|| to any epsilon (Fallah, Mokhtari, Ozdaglar 2020, Theorems 4.8, 4.12 and
 * 4.16: FO-MAML reaches only an O(alpha sigma)-stationary point of F).
 *
 * <p>Tasks are quadratics f_i(w) = 1/2 (w - a_i)' A_i (w - a_i) with different curvatures A_i and optima
 * a_i = a + sigma u_i ({@link FomamlFloorConfig}). With one inner step of size alpha and support = query:
 * <ul>
 *   <li>MAML follows grad F(w) = (1/M) sum_i D_i (w - a_i), D_i = (I - alpha A_i) A_i (I - alpha A_i), whose zero is
 *       w* = (sum_i D_i)^-1 sum_i D_i a_i;</li>
 *   <li>HF-MAML ({@link HfMaml}) estimates the same gradient with finite-difference Hessian-vector products, exact
 *       on quadratics up to rounding;</li>
 *   <li>FO-MAML follows (1/M) sum_i B_i (w - a_i), B_i = A_i (I - alpha A_i), and converges to
 *       w_FO = (sum_i B_i)^-1 sum_i B_i a_i, where ||grad F(w_FO)|| is its floor: zero when every task has the same
 *       curvature, otherwise linear in sigma and growing with alpha (the dropped term alpha A_i grad f_i(w_i') is
 *       of size alpha times the task gradients, which are of size sigma).</li>
 * </ul>
 * Everything is trained through the library ({@link Maml}, first and second order, {@link HfMaml},
 * {@code MetaTrainer} with ND4J's {@code Sgd}, full meta-batches, DOUBLE) with the outer step
 * 1 / max(lambda_max of the mean D_i, lambda_max of the mean B_i); ||grad F(w_k)|| and both fixed points are
 * computed in plain Java.
 */
public final class FomamlFloor {

    /** The experiment's name, also the stem of its result files. */
    public static final String NAME = "fomaml-floor";

    private FomamlFloor() {
    }

    /**
     * One (alpha, sigma) of the grid.
     *
     * @param alpha the inner step size
     * @param sigma the gradient dissimilarity at the centre of the optima
     * @param sigmaAtSolution the gradient dissimilarity measured at MAML's stationary point w*
     * @param foFloor ||grad F|| at FO-MAML's last iterate
     * @param foFloorClosedForm ||grad F(w_FO)||, the floor predicted in closed form
     * @param foDistanceToFixedPoint ||w_K - w_FO|| of FO-MAML's last iterate
     * @param mamlFinal ||grad F|| at MAML's last iterate
     * @param mamlIterations MAML's iterations until ||grad F|| &lt;= epsilon (or the budget)
     * @param hfFinal ||grad F|| at HF-MAML's last iterate
     * @param hfIterations HF-MAML's iterations
     * @param checkMaxRelativeError largest relative difference between the trainer's gradient norm and the
     *     closed-form one (MAML and FO-MAML) at the same iterate, where above 1e-6 of its start
     */
    public record Setting(double alpha, double sigma, double sigmaAtSolution, double foFloor, double foFloorClosedForm,
                          double foDistanceToFixedPoint, double mamlFinal, int mamlIterations, double hfFinal,
                          int hfIterations, double checkMaxRelativeError) {

        /** @return alpha * sigma */
        public double alphaSigma() {
            return alpha * sigma;
        }
    }

    /**
     * The outcome.
     *
     * @param settings one per (alpha, sigma), alphas outer
     * @param summary the headline numbers, for the result file
     * @param series the per-setting table and per-iteration curves, for the result file
     */
    public record Result(List<Setting> settings, Map<String, Object> summary, Map<String, Object> series) {
    }

    private record Curve(double last, int iterations, double check, List<Double> norms) {
    }

    /**
     * Runs the grid.
     *
     * @param cfg the configuration
     * @param seed seeds the curvatures, the optima and the initial weights
     * @return the outcome
     */
    public static Result run(FomamlFloorConfig cfg, long seed) {
        int m = cfg.tasks();
        int d = cfg.dimension();
        SplittableRandom root = new SplittableRandom(seed);
        List<double[][]> curv = new ArrayList<>();
        for (int i = 0; i < m; i++) {
            SplittableRandom r = root.split();
            double[] ev = new double[d];
            double lo = Math.log(cfg.minCurvature());
            double hi = Math.log(cfg.maxCurvature());
            for (int j = 0; j < d; j++) {
                ev[j] = Math.exp(lo + (hi - lo) * r.nextDouble());
            }
            curv.add(Linalg.fromSpectrum(ev, Linalg.randomRotation(r, d)));
        }
        double[] centre = Linalg.gaussian(root.split(), d);
        List<double[]> u = unitDissimilarity(curv, root.split());
        Network net = LinearModel.regression(d);
        ParamSet theta0 = net.initialise(seed, DataType.DOUBLE);

        List<Setting> settings = new ArrayList<>();
        List<Object> curves = new ArrayList<>();
        Columns table = new Columns("alpha", "sigma", "alpha_sigma", "sigma_at_solution", "fomaml_floor",
                "fomaml_floor_closed_form", "fomaml_distance_to_fixed_point", "maml_final_gradient_norm",
                "maml_iterations", "hfmaml_final_gradient_norm", "hfmaml_iterations");
        for (double alpha : cfg.alphas()) {
            for (double sigma : cfg.sigmas()) {
                List<QuadraticTask> tasks = new ArrayList<>();
                List<Episode> episodes = new ArrayList<>();
                for (int i = 0; i < m; i++) {
                    QuadraticTask t = new QuadraticTask(curv.get(i), Linalg.add(centre, sigma, u.get(i)));
                    tasks.add(t);
                    episodes.add(t.episode());
                }
                // grad F(w) = dMean w - dRhs (MAML); FO-MAML's direction is bMean w - bRhs
                double[][] dMean = new double[d][d];
                double[][] bMean = new double[d][d];
                double[] dRhs = new double[d];
                double[] bRhs = new double[d];
                for (QuadraticTask t : tasks) {
                    double[][] di = t.mamlCurvature(alpha);
                    double[][] bi = t.firstOrderCurvature(alpha);
                    dMean = Linalg.add(dMean, 1.0 / m, di);
                    bMean = Linalg.add(bMean, 1.0 / m, bi);
                    dRhs = Linalg.add(dRhs, 1.0 / m, Linalg.multiply(di, t.optimum()));
                    bRhs = Linalg.add(bRhs, 1.0 / m, Linalg.multiply(bi, t.optimum()));
                }
                double[] wStar = Linalg.solve(dMean, dRhs);
                double[] wFo = Linalg.solve(bMean, bRhs);
                double floorClosed = Linalg.norm(Linalg.sub(Linalg.multiply(dMean, wFo), dRhs));
                double[] evD = Linalg.symmetricEigenvalues(dMean);
                double[] evB = Linalg.symmetricEigenvalues(bMean);
                double step = 1 / Math.max(evD[d - 1], evB[d - 1]);
                double[][] foLast = {null};
                Curve fo = train(new Maml(net, MamlConfig.firstOrder(1, alpha)), episodes, theta0, step,
                        cfg.iterations(), 0, dMean, dRhs, bMean, bRhs, foLast);
                Curve ma = train(new Maml(net, MamlConfig.secondOrder(1, alpha)), episodes, theta0, step,
                        cfg.iterations(), cfg.epsilon(), dMean, dRhs, dMean, dRhs, new double[1][]);
                Curve hf = train(new HfMaml(net, HfMamlConfig.fixedDelta(alpha, cfg.hfDelta())), episodes, theta0,
                        step, cfg.iterations(), cfg.epsilon(), dMean, dRhs, null, null, new double[1][]);
                Setting s = new Setting(alpha, sigma, dissimilarity(tasks, wStar), fo.last(), floorClosed,
                        Linalg.distance(foLast[0], wFo), ma.last(), ma.iterations(), hf.last(), hf.iterations(),
                        Math.max(fo.check(), ma.check()));
                settings.add(s);
                table.add(alpha, sigma, s.alphaSigma(), s.sigmaAtSolution(), s.foFloor(), s.foFloorClosedForm(),
                        s.foDistanceToFixedPoint(), s.mamlFinal(), s.mamlIterations(), s.hfFinal(), s.hfIterations());
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("alpha", alpha);
                c.put("sigma", sigma);
                c.put("fomaml", fo.norms());
                c.put("maml", ma.norms());
                c.put("hfmaml", hf.norms());
                curves.add(c);
            }
        }
        Map<String, Object> series = new LinkedHashMap<>();
        series.put("settings", table.toMap());
        series.put("curves", curves);
        return new Result(List.copyOf(settings), summary(settings, cfg), series);
    }

    private static Map<String, Object> summary(List<Setting> settings, FomamlFloorConfig cfg) {
        double maxMaml = 0;
        double maxHf = 0;
        double minRatio = Double.POSITIVE_INFINITY;
        double maxRatio = 0;
        double maxFloorError = 0;
        double check = 0;
        double sxy = 0;
        double sxx = 0;
        for (Setting s : settings) {
            maxMaml = Math.max(maxMaml, s.mamlFinal());
            maxHf = Math.max(maxHf, s.hfFinal());
            double ratio = s.foFloor() / s.alphaSigma();
            minRatio = Math.min(minRatio, ratio);
            maxRatio = Math.max(maxRatio, ratio);
            maxFloorError = Math.max(maxFloorError, Math.abs(s.foFloor() - s.foFloorClosedForm()));
            check = Math.max(check, s.checkMaxRelativeError());
            sxy += s.alphaSigma() * s.foFloor();
            sxx += s.alphaSigma() * s.alphaSigma();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("settings", settings.size());
        m.put("epsilon", cfg.epsilon());
        m.put("maml_max_final_gradient_norm", maxMaml);
        m.put("hfmaml_max_final_gradient_norm", maxHf);
        m.put("maml_and_hfmaml_below_epsilon", maxMaml <= cfg.epsilon() && maxHf <= cfg.epsilon());
        m.put("fomaml_min_floor", settings.stream().mapToDouble(Setting::foFloor).min().orElse(Double.NaN));
        m.put("fomaml_max_floor", settings.stream().mapToDouble(Setting::foFloor).max().orElse(Double.NaN));
        m.put("fomaml_floor_over_alpha_sigma_min", minRatio);
        m.put("fomaml_floor_over_alpha_sigma_max", maxRatio);
        m.put("fomaml_floor_slope_through_origin", sxy / sxx);
        m.put("fomaml_floor_increases_with_sigma", increasing(settings, true));
        m.put("fomaml_floor_increases_with_alpha", increasing(settings, false));
        m.put("fomaml_floor_max_error_vs_closed_form", maxFloorError);
        m.put("check_max_relative_error", check);
        return m;
    }

    /**
     * @param bySigma true: at every alpha, the floor increases with sigma; false: at every sigma, with alpha
     */
    static boolean increasing(List<Setting> settings, boolean bySigma) {
        for (Setting a : settings) {
            for (Setting b : settings) {
                boolean sameOther = bySigma ? a.alpha() == b.alpha() : a.sigma() == b.sigma();
                double ka = bySigma ? a.sigma() : a.alpha();
                double kb = bySigma ? b.sigma() : b.alpha();
                if (sameOther && ka < kb && !(a.foFloor() < b.foFloor())) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * @return the u_i: centred Gaussian draws scaled so that (1/M) sum_i ||A_i u_i - (1/M) sum_j A_j u_j||^2 = 1,
     *     i.e. a_i = a + sigma u_i makes the gradient dissimilarity at a exactly sigma
     */
    static List<double[]> unitDissimilarity(List<double[][]> curv, SplittableRandom rng) {
        int m = curv.size();
        int d = curv.get(0).length;
        List<double[]> z = new ArrayList<>();
        double[] mean = new double[d];
        for (int i = 0; i < m; i++) {
            double[] v = Linalg.gaussian(rng, d);
            z.add(v);
            mean = Linalg.add(mean, 1.0 / m, v);
        }
        List<double[]> u = new ArrayList<>();
        for (double[] v : z) {
            u.add(Linalg.sub(v, mean));
        }
        double[] meanGrad = new double[d];
        for (int i = 0; i < m; i++) {
            meanGrad = Linalg.add(meanGrad, 1.0 / m, Linalg.multiply(curv.get(i), u.get(i)));
        }
        double s = 0;
        for (int i = 0; i < m; i++) {
            double[] g = Linalg.sub(Linalg.multiply(curv.get(i), u.get(i)), meanGrad);
            s += Linalg.dot(g, g) / m;
        }
        double scale = 1 / Math.sqrt(s);
        List<double[]> out = new ArrayList<>();
        for (double[] v : u) {
            out.add(Linalg.scale(scale, v));
        }
        return List.copyOf(out);
    }

    /** @return sqrt((1/M) sum_i ||grad f_i(w) - grad f(w)||^2) */
    static double dissimilarity(List<QuadraticTask> tasks, double[] w) {
        int m = tasks.size();
        double[] mean = MamlReference.averageGradient(tasks, w);
        double s = 0;
        for (QuadraticTask t : tasks) {
            double[] g = Linalg.sub(t.gradient(w), mean);
            s += Linalg.dot(g, g) / m;
        }
        return Math.sqrt(s);
    }

    /**
     * Trains one learner; records ||grad F(w_k)|| = ||D w_k - r|| and checks the trainer's norm against
     * ||C w - s|| (C, s: the learner's own direction, or null to skip the check).
     */
    private static Curve train(MetaLearner learner, List<Episode> episodes, ParamSet theta0, double step,
                               int iterations, double epsilon, double[][] dMean, double[] dRhs, double[][] cMean,
                               double[] cRhs, double[][] lastOut) {
        List<Double> norms = new ArrayList<>();
        double[] worst = {0};
        double[] floor = {0};
        double[][] previous = {null};
        FullBatchRun.Observer obs = (k, m, w) -> {
            double g = Linalg.norm(Linalg.sub(Linalg.multiply(dMean, w), dRhs));
            norms.add(g);
            if (cMean != null) {
                if (m == null) {
                    floor[0] = 1e-6 * Linalg.norm(Linalg.sub(Linalg.multiply(cMean, w), cRhs));
                } else {
                    double expected = Linalg.norm(Linalg.sub(Linalg.multiply(cMean, previous[0]), cRhs));
                    if (expected > floor[0]) {
                        worst[0] = Math.max(worst[0], FullBatchRun.relativeError(m.gradientNorm(), expected));
                    }
                }
            }
            previous[0] = w;
            lastOut[0] = w;
            return epsilon > 0 && g <= epsilon;
        };
        try (FullBatchRun run = new FullBatchRun(learner, episodes, theta0, step, obs)) {
            run.run(iterations);
        }
        return new Curve(norms.get(norms.size() - 1), norms.size() - 1, worst[0], List.copyOf(norms));
    }
}
