package org.dl4jmeta.app.experiment;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.dl4jmeta.experiments.ExperimentProvenance;
import org.dl4jmeta.experiments.ExperimentReport;
import org.dl4jmeta.experiments.QuadraticOptimum;
import org.dl4jmeta.experiments.QuadraticOptimumConfig;
import org.dl4jmeta.provenance.Provenance;
import org.knowm.xchart.XYChart;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code experiment quadratic-optimum} (Golmant 2019): MAML trained by the library on two quadratic tasks converges
 * to the closed form x* = (D_J + D_H)^-1 (D_J a + D_H b); see {@link QuadraticOptimum}.
 */
@Command(name = "quadratic-optimum", mixinStandardHelpOptions = true,
        description = {"MAML on two quadratic tasks converges to the curvature-weighted average x* = (D_J + D_H)^-1 "
                + "(D_J a + D_H b), D_J = (I - eta J) J (I - eta J) (Golmant 2019); plus the tight case "
                + "J = H = diag(alpha, beta), eta = 2/(alpha + beta).",
            "Writes <out>/quadratic-optimum.json and .png; prints a JSON summary line last."})
public final class QuadraticOptimumCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ExperimentOutput output;

    @Option(names = "--dimension", defaultValue = "10", description = "d. Default: ${DEFAULT-VALUE}")
    int dimension;

    @Option(names = "--condition-j", defaultValue = "2", description = "condition number of J. Default: ${DEFAULT-VALUE}")
    double conditionJ;

    @Option(names = "--condition-h", defaultValue = "20", description = "condition number of H. Default: ${DEFAULT-VALUE}")
    double conditionH;

    @Option(names = "--inner-step-size", defaultValue = "0.02", description = "eta. Default: ${DEFAULT-VALUE}")
    double innerStepSize;

    @Option(names = "--outer-step-size", defaultValue = "0",
            description = "SGD step on F; 0: 2/(mu + L) of F's Hessian. Default: ${DEFAULT-VALUE}")
    double outerStepSize;

    @Option(names = "--iterations", defaultValue = "300", description = "outer iterations. Default: ${DEFAULT-VALUE}")
    int iterations;

    @Option(names = "--tight-alpha", defaultValue = "1", description = "tight case: smaller eigenvalue. Default: ${DEFAULT-VALUE}")
    double tightAlpha;

    @Option(names = "--tight-beta", defaultValue = "10", description = "tight case: larger eigenvalue. Default: ${DEFAULT-VALUE}")
    double tightBeta;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws Exception {
        QuadraticOptimumConfig cfg = new QuadraticOptimumConfig(dimension, conditionJ, conditionH, innerStepSize,
                outerStepSize, iterations, tightAlpha, tightBeta);
        Map<String, Object> config = ExperimentOutput.configMap(cfg);
        Provenance p = ExperimentProvenance.start(output.seed, config);
        QuadraticOptimum.Result r = QuadraticOptimum.run(cfg, output.seed);
        ExperimentReport report = new ExperimentReport(QuadraticOptimum.NAME, output.seed, config, r.summary(),
                r.series(), p.finished());
        Map<String, List<Object>> main = (Map<String, List<Object>>) r.series().get("main");
        Map<String, List<Object>> tight = (Map<String, List<Object>>) r.series().get("tight");
        XYChart dist = Charts.chart("MAML converges to the closed form x*", "iteration", "||x_k - x*||", false, true);
        Charts.line(dist, "two quadratics (d=" + dimension + ")", main.get("iteration"),
                main.get("distance_to_closed_form"), false);
        Charts.line(dist, "tight case diag(" + tightAlpha + "," + tightBeta + ")", tight.get("iteration"),
                tight.get("distance_to_closed_form"), false);
        XYChart ab = Charts.chart("x* is closer to the worse-conditioned task's optimum b", "iteration",
                "distance", false, false);
        Charts.line(ab, "||x_k - a|| (f, cond " + conditionJ + ")", main.get("iteration"), main.get("distance_to_a"),
                false);
        Charts.line(ab, "||x_k - b|| (h, cond " + conditionH + ")", main.get("iteration"), main.get("distance_to_b"),
                false);
        int last = main.get("iteration").size() - 1;
        Charts.horizontal(ab, "||x* - a||", 0, last, r.distanceClosedFormToA());
        Charts.horizontal(ab, "||x* - b||", 0, last, r.distanceClosedFormToB());
        XYChart grad = Charts.chart("Trainer's meta-gradient norm vs closed form", "iteration", "||grad F||", false,
                true);
        Charts.line(grad, "closed form ||grad F(x_k)||", main.get("iteration"), main.get("gradient_norm"), false);
        Charts.line(grad, "library MAML (trainer, at x_{k-1})", shift(main.get("iteration")),
                main.get("trainer_gradient_norm"), true);
        output.write(report, Charts.png(List.of(dist, ab, grad), 3), spec.commandLine().getOut());
        return 0;
    }

    /** The trainer's norm of iteration k is taken at x_{k-1}: plot it there. */
    private static List<Object> shift(List<Object> iterations) {
        return iterations.stream().map(o -> (Object) (((Number) o).intValue() - 1)).toList();
    }
}
