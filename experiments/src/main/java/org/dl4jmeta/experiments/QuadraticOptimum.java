package org.dl4jmeta.experiments;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@code experiment quadratic-optimum}: where MAML converges on two quadratic tasks (Golmant 2019, "On the
 * Convergence of Model-Agnostic Meta-Learning").
 *
 * <p>Tasks f(x) = 1/2 (x-a)'J(x-a) and h(x) = 1/2 (x-b)'H(x-b), each a library episode whose support and query are
 * the same data ({@link QuadraticTask#episode()}). One-step MAML with inner step eta has the objective
 * F(x) = 1/2 [f(x - eta grad f(x)) + h(x - eta grad h(x))] with gradient 1/2 [D_J (x-a) + D_H (x-b)],
 * D_J = (I - eta J) J (I - eta J), so full-batch gradient descent on F converges to the closed form
 * x* = (D_J + D_H)^-1 (D_J a + D_H b): the curvature-weighted average of the two optima, each direction weighted by
 * its attenuated curvature lambda (1 - eta lambda)^2. MAML is trained by the library ({@link Maml}, exact second
 * order, {@code MetaTrainer} with ND4J's {@code Sgd}, DOUBLE); x* and every reference number are computed in plain
 * Java. Reported: ||x_K - x*||, ||a - x*|| against ||b - x*|| (x* leans to the task whose attenuated curvature is
 * larger, here the worse-conditioned H), and the trainer's gradient norm against the closed form at every iterate.
 *
 * <p>The tight case (our reading of Golmant's bound): one gradient step of size eta on a quadratic contracts the
 * loss by at most rho^2, rho = max_i |1 - eta lambda_i|, so the fine-tuned loss obeys
 * f(x - eta grad f(x)) &lt;= rho^2 f(x). With J = H = diag(alpha, beta) and eta = 2/(alpha + beta), both
 * eigen-directions contract by the same |1 - eta lambda| = (beta - alpha)/(beta + alpha), so the bound holds with
 * equality at every x, and x* is the midpoint (a + b)/2. The experiment trains MAML there, adapts with the library
 * ({@link Maml#adapt}) and reports the measured loss ratio against ((beta - alpha)/(beta + alpha))^2.
 */
public final class QuadraticOptimum {

    /** The experiment's name, also the stem of its result files. */
    public static final String NAME = "quadratic-optimum";

    private QuadraticOptimum() {
    }

    /**
     * The outcome.
     *
     * @param distanceToClosedForm ||x_K - x*|| of the main case
     * @param distanceClosedFormToA ||a - x*||
     * @param distanceClosedFormToB ||b - x*||
     * @param gradientCheckMaxRelativeError the largest |t - c|/(|t| + |c|) between the trainer's meta-gradient norm
     *     t and the closed-form ||grad F|| c at the same iterate, over iterates where c exceeds 1e-6 of its initial
     *     value (below that, rounding in the sums dominates both)
     * @param tightDistanceToClosedForm ||x_K - (a+b)/2|| of the tight case
     * @param tightContraction ((beta - alpha)/(beta + alpha))^2
     * @param tightLossRatioF f(x_K - eta grad f(x_K)) / f(x_K), from the library's adaptation
     * @param tightLossRatioH the same for h
     * @param summary the headline numbers, for the result file
     * @param series per-iteration series of both cases, for the result file
     */
    public record Result(double distanceToClosedForm, double distanceClosedFormToA, double distanceClosedFormToB,
                         double gradientCheckMaxRelativeError, double tightDistanceToClosedForm,
                         double tightContraction, double tightLossRatioF, double tightLossRatioH,
                         Map<String, Object> summary, Map<String, Object> series) {
    }

    private record Run(double[] x, double checkError, Columns series, Maml maml, ParamSet theta, double outerStep) {
    }

    /**
     * Runs both cases.
     *
     * @param cfg the configuration
     * @param seed seeds the eigenbases, the optima and the initial weights
     * @return the outcome
     */
    public static Result run(QuadraticOptimumConfig cfg, long seed) {
        int d = cfg.dimension();
        SplittableRandom root = new SplittableRandom(seed);
        double[] evJ = Linalg.logSpaced(1, cfg.conditionJ(), d);
        double[] evH = Linalg.logSpaced(1, cfg.conditionH(), d);
        QuadraticTask f = QuadraticTask.of(evJ, Linalg.randomRotation(root.split(), d), Linalg.gaussian(root.split(), d));
        QuadraticTask h = QuadraticTask.of(evH, Linalg.randomRotation(root.split(), d), Linalg.gaussian(root.split(), d));
        double eta = cfg.innerStepSize();
        double[] xStar = closedForm(f, h, eta);
        Run main = train(f, h, eta, cfg.outerStepSize(), cfg.iterations(), seed);

        double[] a = f.optimum();
        double[] b = h.optimum();
        double[][] j = f.curvature();
        double[][] hh = h.curvature();
        double[] multiTask = Linalg.solve(Linalg.add(j, 1, hh),
                Linalg.add(Linalg.multiply(j, a), 1, Linalg.multiply(hh, b)));
        double[] midpoint = Linalg.scale(0.5, Linalg.add(a, 1, b));
        double distA = Linalg.distance(a, xStar);
        double distB = Linalg.distance(b, xStar);
        double ratioF = fineTunedRatio(main, f);
        double ratioH = fineTunedRatio(main, h);

        // tight case: J = H = diag(alpha, beta), eta = 2/(alpha + beta)
        double al = cfg.tightAlpha();
        double be = cfg.tightBeta();
        double[][] i2 = Linalg.identity(2);
        QuadraticTask ft = QuadraticTask.of(new double[] {al, be}, i2, Linalg.gaussian(root.split(), 2));
        QuadraticTask ht = QuadraticTask.of(new double[] {al, be}, i2, Linalg.gaussian(root.split(), 2));
        double etaT = 2 / (al + be);
        double[] midT = Linalg.scale(0.5, Linalg.add(ft.optimum(), 1, ht.optimum()));
        Run tight = train(ft, ht, etaT, 0, cfg.iterations(), seed);
        double rho = (be - al) / (be + al);
        double contraction = rho * rho;
        double tightF = fineTunedRatio(tight, ft);
        double tightH = fineTunedRatio(tight, ht);

        Map<String, Object> s = new LinkedHashMap<>();
        s.put("dimension", d);
        s.put("condition_j", evJ[d - 1] / evJ[0]);
        s.put("condition_h", evH[d - 1] / evH[0]);
        s.put("inner_step_size", eta);
        s.put("outer_step_size", main.outerStep());
        s.put("iterations", main.series().size() - 1);
        s.put("distance_to_closed_form", Linalg.distance(main.x(), xStar));
        s.put("relative_distance_to_closed_form", Linalg.distance(main.x(), xStar) / Linalg.norm(xStar));
        s.put("distance_closed_form_to_a", distA);
        s.put("distance_closed_form_to_b", distB);
        s.put("closer_to", distB < distA ? "h" : "f");
        s.put("worse_conditioned", cfg.conditionH() > cfg.conditionJ() ? "h"
                : cfg.conditionJ() > cfg.conditionH() ? "f" : "neither");
        s.put("distance_midpoint_to_closed_form", Linalg.distance(midpoint, xStar));
        s.put("distance_multitask_optimum_to_closed_form", Linalg.distance(multiTask, xStar));
        s.put("final_gradient_norm", Linalg.norm(gradient(f, h, eta, main.x())));
        s.put("gradient_check_max_relative_error", main.checkError());
        s.put("fine_tuned_loss_ratio_f", ratioF);
        s.put("fine_tuned_loss_bound_f", contractionBound(evJ, eta));
        s.put("fine_tuned_loss_ratio_h", ratioH);
        s.put("fine_tuned_loss_bound_h", contractionBound(evH, eta));
        s.put("tight_alpha", al);
        s.put("tight_beta", be);
        s.put("tight_inner_step_size", etaT);
        s.put("tight_distance_to_closed_form", Linalg.distance(tight.x(), midT));
        s.put("tight_contraction", contraction);
        s.put("tight_fine_tuned_loss_ratio_f", tightF);
        s.put("tight_fine_tuned_loss_ratio_h", tightH);
        s.put("tight_max_ratio_deviation", Math.max(Math.abs(tightF - contraction), Math.abs(tightH - contraction)));

        Map<String, Object> series = new LinkedHashMap<>();
        series.put("main", main.series().toMap());
        series.put("tight", tight.series().toMap());
        Map<String, Object> points = new LinkedHashMap<>();
        points.put("a", a);
        points.put("b", b);
        points.put("closed_form", xStar);
        points.put("final", main.x());
        points.put("tight_a", ft.optimum());
        points.put("tight_b", ht.optimum());
        points.put("tight_final", tight.x());
        series.put("points", points);
        return new Result(Linalg.distance(main.x(), xStar), distA, distB, main.checkError(),
                Linalg.distance(tight.x(), midT), contraction, tightF, tightH, s, series);
    }

    /**
     * @return x* = (D_J + D_H)^-1 (D_J a + D_H b), the stationary point of one-step MAML over f and h
     */
    static double[] closedForm(QuadraticTask f, QuadraticTask h, double eta) {
        double[][] dj = f.mamlCurvature(eta);
        double[][] dh = h.mamlCurvature(eta);
        return Linalg.solve(Linalg.add(dj, 1, dh),
                Linalg.add(Linalg.multiply(dj, f.optimum()), 1, Linalg.multiply(dh, h.optimum())));
    }

    /** @return grad F(x) = 1/2 [D_J (x - a) + D_H (x - b)] */
    static double[] gradient(QuadraticTask f, QuadraticTask h, double eta, double[] x) {
        return Linalg.scale(0.5, Linalg.add(Linalg.multiply(f.mamlCurvature(eta), Linalg.sub(x, f.optimum())), 1,
                Linalg.multiply(h.mamlCurvature(eta), Linalg.sub(x, h.optimum()))));
    }

    /** @return max_i (1 - eta lambda_i)^2: one GD step of size eta shrinks the loss by at least this factor */
    static double contractionBound(double[] eigenvalues, double eta) {
        double m = 0;
        for (double l : eigenvalues) {
            m = Math.max(m, (1 - eta * l) * (1 - eta * l));
        }
        return m;
    }

    private static double fineTunedRatio(Run r, QuadraticTask t) {
        ParamSet phi = r.maml().adapt(r.theta(), t.episode());
        return t.loss(LinearModel.weights(phi)) / t.loss(r.x());
    }

    private static Run train(QuadraticTask f, QuadraticTask h, double eta, double outerStep, int iterations,
                             long seed) {
        int d = f.dimension();
        double[] xStar = closedForm(f, h, eta);
        double[][] hessianF = Linalg.scale(0.5, Linalg.add(f.mamlCurvature(eta), 1, h.mamlCurvature(eta)));
        double[] ev = Linalg.symmetricEigenvalues(hessianF);
        double beta = outerStep > 0 ? outerStep : 2 / (ev[0] + ev[d - 1]);
        Network net = LinearModel.regression(d);
        Maml maml = new Maml(net, MamlConfig.secondOrder(1, eta));
        ParamSet theta0 = maml.initialise(seed, DataType.DOUBLE);
        List<Episode> tasks = List.of(f.episode(), h.episode());
        Columns c = new Columns("iteration", "distance_to_closed_form", "distance_to_a", "distance_to_b",
                "maml_objective", "gradient_norm", "trainer_gradient_norm");
        double[] worst = {0};
        double[] floor = {0};
        double[][] previous = {null};
        double[][] last = {null};
        FullBatchRun.Observer obs = (k, m, x) -> {
            double g = Linalg.norm(gradient(f, h, eta, x));
            Double trainerNorm = null;
            if (m == null) {
                floor[0] = 1e-6 * g;
            } else {
                trainerNorm = m.gradientNorm();
                double before = Linalg.norm(gradient(f, h, eta, previous[0]));
                if (before > floor[0]) {
                    worst[0] = Math.max(worst[0], FullBatchRun.relativeError(trainerNorm, before));
                }
            }
            double objective = 0.5 * (f.loss(Linalg.add(x, -eta, f.gradient(x)))
                    + h.loss(Linalg.add(x, -eta, h.gradient(x))));
            c.add(k, Linalg.distance(x, xStar), Linalg.distance(x, f.optimum()), Linalg.distance(x, h.optimum()),
                    objective, g, trainerNorm);
            previous[0] = x;
            last[0] = x;
            return false;
        };
        ParamSet theta;
        try (FullBatchRun run = new FullBatchRun(maml, tasks, theta0, beta, obs)) {
            theta = run.run(iterations).copy();
        }
        return new Run(last[0], worst[0], c, maml, theta, beta);
    }
}
