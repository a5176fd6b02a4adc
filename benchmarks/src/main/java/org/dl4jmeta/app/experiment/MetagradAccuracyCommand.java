package org.dl4jmeta.app.experiment;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.dl4jmeta.experiments.ExperimentProvenance;
import org.dl4jmeta.experiments.ExperimentReport;
import org.dl4jmeta.experiments.MetagradAccuracy;
import org.dl4jmeta.experiments.MetagradAccuracyConfig;
import org.dl4jmeta.provenance.Provenance;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.Styler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code experiment metagrad-accuracy} (Rajeswaran et al. 2019, Fig. 2a): error of MAML, first-order MAML and iMAML
 * meta-gradients against the exact one as inner steps grow; see {@link MetagradAccuracy}.
 */
@Command(name = "metagrad-accuracy", mixinStandardHelpOptions = true,
        description = {"Relative error of MAML (backprop through K GD steps), first-order MAML and iMAML with 2 and 5 "
                + "CG iterations against the exact iMAML meta-gradient of an ill-conditioned linear regression, as K "
                + "grows (Rajeswaran et al. 2019, Fig. 2a).",
            "Writes <out>/metagrad-accuracy.json and .png; prints a JSON summary line last."})
public final class MetagradAccuracyCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ExperimentOutput output;

    @Option(names = "--dimension", defaultValue = "20", description = "d. Default: ${DEFAULT-VALUE}")
    int dimension;

    @Option(names = "--condition", defaultValue = "1000", description = "condition number of the support Hessian. Default: ${DEFAULT-VALUE}")
    double condition;

    @Option(names = "--max-curvature", defaultValue = "10", description = "largest eigenvalue. Default: ${DEFAULT-VALUE}")
    double maxCurvature;

    @Option(names = "--query-condition", defaultValue = "100", description = "condition number of the query Hessian. Default: ${DEFAULT-VALUE}")
    double queryCondition;

    @Option(names = "--lambda", defaultValue = "1", description = "iMAML regularisation. Default: ${DEFAULT-VALUE}")
    double lambda;

    @Option(names = "--inner-step-size", defaultValue = "0",
            description = "GD step on the regularised loss; 0: 1/(max-curvature + lambda). Default: ${DEFAULT-VALUE}")
    double innerStepSize;

    @Option(names = "--inner-steps", split = ",", defaultValue = "1,2,4,8,16,32,64,128,256",
            description = "inner GD steps K. Default: ${DEFAULT-VALUE}")
    List<Integer> innerSteps;

    @Option(names = "--cg-iterations", split = ",", defaultValue = "2,5",
            description = "iMAML CG iterations. Default: ${DEFAULT-VALUE}")
    List<Integer> cgIterations;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws Exception {
        MetagradAccuracyConfig cfg = new MetagradAccuracyConfig(dimension, condition, maxCurvature, queryCondition,
                lambda, innerStepSize, innerSteps, cgIterations);
        Map<String, Object> config = ExperimentOutput.configMap(cfg);
        Provenance p = ExperimentProvenance.start(output.seed, config);
        MetagradAccuracy.Result r = MetagradAccuracy.run(cfg, output.seed);
        ExperimentReport report = new ExperimentReport(MetagradAccuracy.NAME, output.seed, config, r.summary(),
                r.series(), p.finished());
        Map<String, List<Object>> e = (Map<String, List<Object>>) r.series().get("errors");
        XYChart c = Charts.chart("Meta-gradient error vs exact (cond " + (long) condition + ", lambda " + lambda + ")",
                "inner GD steps K", "||g - g*|| / ||g*||", true, true, Styler.LegendPosition.InsideSW);
        Charts.line(c, "MAML (backprop through K steps)", e.get("inner_steps"), e.get("maml"), true);
        Charts.line(c, "first-order MAML", e.get("inner_steps"), e.get("fomaml"), true);
        for (int cg : cfg.cgIterations()) {
            Charts.line(c, "iMAML, " + cg + " CG iterations", e.get("inner_steps"), e.get("imaml_cg" + cg), true);
        }
        output.write(report, Charts.png(List.of(c), 1), spec.commandLine().getOut());
        return 0;
    }
}
