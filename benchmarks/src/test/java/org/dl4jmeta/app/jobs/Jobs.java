package org.dl4jmeta.app.jobs;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.app.Main;
import org.dl4jmeta.io.Json;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.provenance.Provenance;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import picocli.CommandLine;

/** Runs app commands in-process and builds tiny synthetic models for the job tests. */
final class Jobs {

    private Jobs() {
    }

    record Run(int code, String out, String err) {
        String lastLine() {
            String[] lines = out.strip().split("\\R");
            return lines[lines.length - 1];
        }

        String all() {
            return "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    static Run run(String... args) {
        return run(Main.commandLine(), args);
    }

    /** Runs one command object (e.g. a TrainCommand with test hooks) with the app's error handling. */
    static Run run(Object command, String... args) {
        CommandLine cl = command instanceof CommandLine c ? c : new CommandLine(command);
        if (!(command instanceof CommandLine)) {
            cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
                if (ex instanceof IllegalArgumentException || ex instanceof IOException
                        || ex instanceof java.io.UncheckedIOException) {
                    cmd.getErr().println("error: " + ex.getMessage());
                    return 2;
                }
                throw ex;
            });
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
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
                Provenance.capture(Path.of("."), dt, seed, c.toMap(), Map.of())));
        return file;
    }
}
