package org.dl4jmeta.app.jobs;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.dl4jmeta.io.Json;
import org.dl4jmeta.io.OutputFiles;
import org.dl4jmeta.io.SameDiffExport;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.model.Network;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code export}: writes a meta-model's or an adapted model's network as a standard SameDiff FlatBuffers file that
 * plain ND4J code loads with {@code SameDiff.fromFlatFile} and runs for inference.
 */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Exports a model's network with its parameters as a SameDiff file: placeholder 'input' "
                + "[-1,c,h,w], outputs 'logits' and 'probabilities'.",
            "Load it with SameDiff.fromFlatFile(file) and sd.output(Map.of(\"input\", x), \"probabilities\"). Batch "
                + "norm uses the batch's statistics (as in training), so predict a task's images together."})
public final class ExportCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "FILE|pretrained:NAME",
            description = "a meta-model, adapted model or checkpoint")
    String model;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "the SameDiff file, e.g. model.fb")
    Path out;

    @Option(names = "--overwrite", description = "replace --out if it exists (never the model, nor any model file)")
    boolean overwrite;

    @Option(names = "--format", defaultValue = "samediff", description = "samediff (the only format). "
            + "Default: ${DEFAULT-VALUE}")
    String format;

    @Override
    public Integer call() throws Exception {
        if (!format.toLowerCase(Locale.ROOT).equals("samediff")) {
            throw new IllegalArgumentException("--format must be samediff, got '" + format + "'");
        }
        ModelRef ref = ModelRef.load(model);
        requireWritable(ref);
        SavedModel m = ref.model();
        Network net = m.buildNetwork();
        requireWritable(ref);
        SameDiffExport.write(out, net, m.parameters());
        long[] in = net.inputShape();
        long[] shape = new long[in.length + 1];
        shape[0] = -1;
        System.arraycopy(in, 0, shape, 1, in.length);
        PrintWriter stdout = spec.commandLine().getOut();
        if (!m.classNames().isEmpty()) {
            stdout.println("classes=" + Json.line(m.classNames()));
        }
        stdout.println("exported=" + out + " kind=" + m.kind().id() + " input=" + SameDiffExport.INPUT
                + Arrays.toString(shape).replace(" ", "") + " outputs=" + SameDiffExport.LOGITS + ","
                + SameDiffExport.PROBABILITIES);
        stdout.flush();
        return 0;
    }

    private void requireWritable(ModelRef ref) throws IOException {
        OutputFiles.requireWritable(out, overwrite, ref.file());
        OutputFiles.requireNotModelFile(out, "the SameDiff export");
    }
}
