package org.dl4jmeta.app.experiment;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.dl4jmeta.experiments.BiMamlExperiment;
import org.dl4jmeta.experiments.BiMamlExperimentConfig;
import org.dl4jmeta.experiments.ExperimentProvenance;
import org.dl4jmeta.experiments.ExperimentReport;
import org.dl4jmeta.provenance.Provenance;
import org.knowm.xchart.XYChart;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code experiment bimaml} (Xu, Chen, Karbasi 2021): BI-MAML against MAML on synthetic regression and
 * classification; see {@link BiMamlExperiment}.
 */
@Command(name = "bimaml", mixinStandardHelpOptions = true,
        description = {"BI-MAML against MAML (Xu, Chen, Karbasi 2021): F(w_k) and ||grad F(w_k)|| per iteration, "
                + "iterations and wall time to the target gradient norm, on linear regression and 2-way softmax "
                + "(logistic) classification.",
            "Writes <out>/bimaml.json and .png; prints a JSON summary line last."})
public final class BiMamlCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ExperimentOutput output;

    @Option(names = "--reg-tasks", defaultValue = "10", description = "regression: tasks M. Default: ${DEFAULT-VALUE}")
    int regTasks;

    @Option(names = "--reg-dimension", defaultValue = "20", description = "regression: d. Default: ${DEFAULT-VALUE}")
    int regDimension;

    @Option(names = "--reg-samples", defaultValue = "100", description = "regression: n per task. Default: ${DEFAULT-VALUE}")
    int regSamples;

    @Option(names = "--reg-noise", defaultValue = "1", description = "regression: noise sigma. Default: ${DEFAULT-VALUE}")
    double regNoise;

    @Option(names = "--cls-tasks", defaultValue = "50", description = "classification: tasks M. Default: ${DEFAULT-VALUE}")
    int clsTasks;

    @Option(names = "--cls-dimension", defaultValue = "20", description = "classification: d. Default: ${DEFAULT-VALUE}")
    int clsDimension;

    @Option(names = "--cls-samples", defaultValue = "300", description = "classification: n per task. Default: ${DEFAULT-VALUE}")
    int clsSamples;

    @Option(names = "--cls-noise", defaultValue = "1", description = "classification: label noise sigma. Default: ${DEFAULT-VALUE}")
    double clsNoise;

    @Option(names = "--signal", defaultValue = "2", description = "expected ||w_bar||. Default: ${DEFAULT-VALUE}")
    double signal;

    @Option(names = "--spread", defaultValue = "1", description = "expected ||w_i - w_bar||. Default: ${DEFAULT-VALUE}")
    double spread;

    @Option(names = "--alpha", defaultValue = "0.3", description = "inner step. Default: ${DEFAULT-VALUE}")
    double alpha;

    @Option(names = "--beta", defaultValue = "0.05", description = "outer step. Default: ${DEFAULT-VALUE}")
    double beta;

    @Option(names = "--objective", defaultValue = "sum",
            description = "beta is the step on the sum or the mean of the task losses. Default: ${DEFAULT-VALUE}")
    String objective;

    @Option(names = "--epsilon0", defaultValue = "0.01", description = "BI-MAML phase switch at ||grad f|| < epsilon0. Default: ${DEFAULT-VALUE}")
    double epsilon0;

    @Option(names = "--target", defaultValue = "1e-3", description = "target ||grad F||. Default: ${DEFAULT-VALUE}")
    double target;

    @Option(names = "--max-iterations", defaultValue = "300", description = "budget per run. Default: ${DEFAULT-VALUE}")
    int maxIterations;

    private static BiMamlExperimentConfig.Objective objective(String s) {
        return switch (s) {
            case "sum" -> BiMamlExperimentConfig.Objective.SUM;
            case "mean" -> BiMamlExperimentConfig.Objective.MEAN;
            default -> throw new IllegalArgumentException("--objective must be sum or mean, got '" + s + "'");
        };
    }

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws Exception {
        BiMamlExperimentConfig cfg = new BiMamlExperimentConfig(
                new BiMamlExperimentConfig.TaskFamily(regTasks, regDimension, regSamples, regNoise, signal, spread),
                new BiMamlExperimentConfig.TaskFamily(clsTasks, clsDimension, clsSamples, clsNoise, signal, spread),
                alpha, beta, objective(objective), epsilon0, target, maxIterations);
        Map<String, Object> config = ExperimentOutput.configMap(cfg);
        Provenance p = ExperimentProvenance.start(output.seed, config);
        BiMamlExperiment.Result r = BiMamlExperiment.run(cfg, output.seed);
        ExperimentReport report = new ExperimentReport(BiMamlExperiment.NAME, output.seed, config, r.summary(),
                r.series(), p.finished());
        List<XYChart> charts = new ArrayList<>();
        for (String problem : List.of("regression", "classification")) {
            Map<String, Map<String, List<Object>>> s = (Map<String, Map<String, List<Object>>>) r.series().get(problem);
            XYChart f = Charts.chart(problem + ": MAML objective F(w_k)", "iteration", "F(w_k)", false, false);
            XYChart g = Charts.chart(problem + ": ||grad F(w_k)||", "iteration", "||grad F(w_k)||", false, true);
            int last = 0;
            for (String algo : List.of("maml", "bimaml")) {
                Map<String, List<Object>> c = s.get(algo);
                String name = algo.equals("maml") ? "MAML" : "BI-MAML";
                Charts.line(f, name, c.get("iteration"), c.get("maml_objective"), false);
                Charts.line(g, name, c.get("iteration"), c.get("maml_gradient_norm"), false);
                last = Math.max(last, c.get("iteration").size() - 1);
            }
            int sw = (problem.equals("regression") ? r.regression() : r.classification()).bimaml().switchIteration();
            Charts.horizontal(g, "target " + target, 0, last, target);
            if (sw > 0) {
                Map<String, List<Object>> c = s.get("bimaml");
                Charts.line(g, "BI-MAML switch (iteration " + sw + ")", List.of(sw, sw),
                        List.of(target, c.get("maml_gradient_norm").get(0)), false);
            }
            charts.add(f);
            charts.add(g);
        }
        output.write(report, Charts.png(charts, 2), spec.commandLine().getOut());
        return 0;
    }
}
