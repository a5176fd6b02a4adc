package org.dl4jmeta.app.experiment;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import org.dl4jmeta.experiments.ExperimentReport;
import org.dl4jmeta.io.AtomicFiles;
import org.dl4jmeta.io.Json;
import picocli.CommandLine.Option;

/**
 * The options every synthetic experiment shares ({@code --out}, {@code --seed}) and how its results are written:
 * {@code <out>/<name>.json} and {@code <out>/<name>.png}, each atomically (temporary file, then rename), then the
 * summary as one JSON line, last on standard output.
 */
final class ExperimentOutput {

    @Option(names = "--out", defaultValue = "results/experiments",
            description = "folder for <name>.json and <name>.png. Default: ${DEFAULT-VALUE}")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "seed of every random draw. Default: ${DEFAULT-VALUE}")
    long seed;

    /**
     * @param config a configuration record
     * @return it as a map, for the report and its provenance
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> configMap(Object config) {
        return Json.mapper().convertValue(config, Map.class);
    }

    /**
     * Writes the result files and prints their paths and then the summary line.
     *
     * @param report the report
     * @param png the plot
     * @param stdout where to print
     * @throws IOException if a file cannot be written (a previous one is then unchanged)
     */
    void write(ExperimentReport report, byte[] png, PrintWriter stdout) throws IOException {
        Path json = report.write(out);
        Path plot = out.resolve(report.experiment() + ".png");
        AtomicFiles.write(plot, o -> o.write(png));
        stdout.println("wrote " + json);
        stdout.println("wrote " + plot);
        stdout.println(report.summaryLine());
        stdout.flush();
    }
}
