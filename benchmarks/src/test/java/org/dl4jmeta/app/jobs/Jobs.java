package org.dl4jmeta.app.jobs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.app.CliRun;
import org.dl4jmeta.io.Json;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.provenance.Provenance;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/** Runs app commands in-process and builds tiny synthetic models for the job tests. */
final class Jobs {

    private Jobs() {
    }

    static CliRun run(String... args) {
        return CliRun.run(args);
    }

    static CliRun run(Object command, String... args) {
        return CliRun.run(command, args);
    }

    /**
     * Flags of a tiny, fast synthetic run: 3-way 1-shot, 2 queries, Conv-2 with 4 filters, meta-batch 2; {@code more}
     * are flag-value pairs that replace or add to these.
     */
    static List<String> tiny(Path runDir, String... more) {
        java.util.LinkedHashMap<String, String> f = new java.util.LinkedHashMap<>();
        String[] base = {"--dataset", "synthetic", "--ways", "3", "--shots", "1", "--queries", "2", "--filters", "4",
            "--blocks", "2", "--meta-batch-size", "2", "--algo", "fomaml", "--meta-lr", "0.01", "--val-every", "0",
            "--checkpoint-every", "0", "--log-every", "1", "--run-dir", runDir.toString()};
        for (int i = 0; i < base.length; i += 2) {
            f.put(base[i], base[i + 1]);
        }
        for (int i = 0; i < more.length; i += 2) {
            f.put(more[i], more[i + 1]);
        }
        List<String> a = new ArrayList<>(List.of("train"));
        f.forEach((k, v) -> {
            a.add(k);
            a.add(v);
        });
        return a;
    }

    static String[] args(List<String> a) {
        return a.toArray(String[]::new);
    }

    /** A meta-model of the tiny synthetic configuration, untrained, written to a file. */
    static Path tinyModel(Path file, String dtype, long seed) throws IOException {
        ObjectNode flags = Json.mapper().createObjectNode();
        flags.put("dataset", "synthetic").put("ways", 3).put("queries", 2).put("filters", 4).put("blocks", 2)
                .put("algorithm", "fomaml").put("dataType", dtype).put("seed", seed).put("testInnerSteps", 2)
                .put("runDir", file.getParent().toString());
        TrainConfig c = TrainConfig.resolve(List.of(Map.entry("test", flags)));
        MetaLearner l = DataSets.learner(c, DataSets.network(c));
        DataType dt = DataSets.dataType(c.doublePrecision());
        ModelFile.write(file, SavedModel.meta(l, l.initialise(seed, dt), c.toMap(),
                Provenance.capture(dt, seed, c.toMap(), Map.of())));
        return file;
    }
}
