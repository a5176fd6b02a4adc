package org.dl4jmeta.app.data;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.dl4jmeta.datasets.DataInfo;
import org.dl4jmeta.datasets.SplitSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code data-info --dataset omniglot|miniimagenet --data-dir DIR [--split vinyals|lake|ravi]}: prints one line per
 * split, {@code split=train classes=4112 images=82240}; on bad input prints the error to stderr and exits with 2.
 */
@Command(name = "data-info", mixinStandardHelpOptions = true,
        description = "Prints the classes and images of each split of a data set on disk, one line per split.")
public final class DataInfoCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--dataset", required = true, paramLabel = "omniglot|miniimagenet",
            description = "The data set.")
    private String dataset;

    @Option(names = "--data-dir", required = true, paramLabel = "DIR",
            description = "The data set's folder, e.g. ../shared/datasets/omniglot.")
    private Path dataDir;

    @Option(names = "--split", paramLabel = "vinyals|lake|ravi",
            description = "The split scheme: vinyals (default) or lake for omniglot, ravi for miniimagenet.")
    private String split;

    /**
     * Prints the summary.
     *
     * @return 0 on success, 2 on bad input
     */
    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            for (SplitSummary s : DataInfo.describe(dataset, dataDir, split)) {
                out.println(s);
            }
            out.flush();
            return 0;
        } catch (IOException | IllegalArgumentException e) {
            err.println(e.getMessage());
        } catch (UncheckedIOException e) {
            err.println(e.getCause().getMessage());
        }
        err.flush();
        return 2;
    }
}
