package org.dl4jmeta.app.experiment;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.dl4jmeta.experiments.ExperimentProvenance;
import org.dl4jmeta.experiments.ExperimentReport;
import org.dl4jmeta.experiments.FomamlFloor;
import org.dl4jmeta.experiments.FomamlFloorConfig;
import org.dl4jmeta.provenance.Provenance;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.Styler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code experiment fomaml-floor} (Fallah, Mokhtari, Ozdaglar 2020): first-order MAML's gradient-norm floor against
 * alpha * sigma, MAML and HF-MAML below any epsilon; see {@link FomamlFloor}.
 */
@Command(name = "fomaml-floor", mixinStandardHelpOptions = true,
        description = {"First-order MAML stalls at a floor of ||grad F|| that grows with alpha * sigma (gradient "
                + "dissimilarity sigma) while MAML and HF-MAML reach any epsilon (Fallah, Mokhtari, Ozdaglar 2020).",
            "Writes <out>/fomaml-floor.json and .png; prints a JSON summary line last."})
public final class FomamlFloorCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ExperimentOutput output;

    @Option(names = "--tasks", defaultValue = "5", description = "tasks M. Default: ${DEFAULT-VALUE}")
    int tasks;

    @Option(names = "--dimension", defaultValue = "5", description = "d. Default: ${DEFAULT-VALUE}")
    int dimension;

    @Option(names = "--min-curvature", defaultValue = "0.5", description = "smallest eigenvalue. Default: ${DEFAULT-VALUE}")
    double minCurvature;

    @Option(names = "--max-curvature", defaultValue = "2", description = "largest eigenvalue. Default: ${DEFAULT-VALUE}")
    double maxCurvature;

    @Option(names = "--alphas", split = ",", defaultValue = "0.05,0.1,0.2,0.3",
            description = "inner step sizes. Default: ${DEFAULT-VALUE}")
    List<Double> alphas;

    @Option(names = "--sigmas", split = ",", defaultValue = "0.5,1,2",
            description = "gradient dissimilarities. Default: ${DEFAULT-VALUE}")
    List<Double> sigmas;

    @Option(names = "--iterations", defaultValue = "300", description = "iteration budget. Default: ${DEFAULT-VALUE}")
    int iterations;

    @Option(names = "--epsilon", defaultValue = "1e-10",
            description = "MAML and HF-MAML stop at ||grad F|| <= epsilon. Default: ${DEFAULT-VALUE}")
    double epsilon;

    @Option(names = "--hf-delta", defaultValue = "1e-3", description = "HF-MAML finite-difference step. Default: ${DEFAULT-VALUE}")
    double hfDelta;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws Exception {
        FomamlFloorConfig cfg = new FomamlFloorConfig(tasks, dimension, minCurvature, maxCurvature, alphas, sigmas,
                iterations, epsilon, hfDelta);
        Map<String, Object> config = ExperimentOutput.configMap(cfg);
        Provenance p = ExperimentProvenance.start(output.seed, config);
        FomamlFloor.Result r = FomamlFloor.run(cfg, output.seed);
        ExperimentReport report = new ExperimentReport(FomamlFloor.NAME, output.seed, config, r.summary(),
                r.series(), p.finished());

        XYChart floor = Charts.chart("FO-MAML floor of ||grad F|| grows with alpha*sigma", "alpha * sigma",
                "||grad F|| at the last iterate", true, true, Styler.LegendPosition.OutsideS);
        for (double a : cfg.alphas()) {
            List<Object> x = new ArrayList<>();
            List<Object> y = new ArrayList<>();
            for (FomamlFloor.Setting s : r.settings()) {
                if (s.alpha() == a) {
                    x.add(s.alphaSigma());
                    y.add(s.foFloor());
                }
            }
            Charts.line(floor, "FO-MAML, alpha=" + a, x, y, true);
        }
        List<Object> as = new ArrayList<>();
        List<Object> maml = new ArrayList<>();
        List<Object> hf = new ArrayList<>();
        for (FomamlFloor.Setting s : r.settings()) {
            as.add(s.alphaSigma());
            maml.add(s.mamlFinal());
            hf.add(s.hfFinal());
        }
        Charts.line(floor, "MAML (stops at epsilon)", sorted(as, maml).get(0), sorted(as, maml).get(1), true);
        Charts.line(floor, "HF-MAML (stops at epsilon)", sorted(as, hf).get(0), sorted(as, hf).get(1), true);

        FomamlFloor.Setting top = r.settings().get(0);
        int topIndex = 0;
        for (int i = 0; i < r.settings().size(); i++) {
            if (r.settings().get(i).alphaSigma() > top.alphaSigma()) {
                top = r.settings().get(i);
                topIndex = i;
            }
        }
        Map<String, List<Object>> curve = (Map<String, List<Object>>) ((List<Object>) r.series().get("curves"))
                .get(topIndex);
        XYChart it = Charts.chart("||grad F(w_k)||, alpha=" + top.alpha() + ", sigma=" + top.sigma(), "iteration",
                "||grad F(w_k)||", false, true);
        for (String algo : List.of("maml", "hfmaml", "fomaml")) {
            List<Object> norms = curve.get(algo);
            List<Object> k = new ArrayList<>();
            for (int i = 0; i < norms.size(); i++) {
                k.add(i);
            }
            Charts.line(it, switch (algo) {
                case "maml" -> "MAML";
                case "hfmaml" -> "HF-MAML";
                default -> "FO-MAML";
            }, k, norms, false);
        }
        output.write(report, Charts.png(List.of(floor, it), 2), spec.commandLine().getOut());
        return 0;
    }

    /** @return x and y sorted by x (a line through scattered settings) */
    private static List<List<Object>> sorted(List<Object> x, List<Object> y) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < x.size(); i++) {
            idx.add(i);
        }
        idx.sort((i, j) -> Double.compare(((Number) x.get(i)).doubleValue(), ((Number) x.get(j)).doubleValue()));
        List<Object> xs = new ArrayList<>();
        List<Object> ys = new ArrayList<>();
        for (int i : idx) {
            xs.add(x.get(i));
            ys.add(y.get(i));
        }
        return List.of(xs, ys);
    }
}
