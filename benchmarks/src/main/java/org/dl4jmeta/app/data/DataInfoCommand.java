package org.dl4jmeta.app.data;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.dl4jmeta.app.Main;
import org.dl4jmeta.datasets.DataInfo;
import org.dl4jmeta.datasets.ImageCheck;
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
        description = {"Prints the classes and images of each split of a data set on disk, one line per split, "
                + "counted from the split files and file listings.",
            "--verify also decodes every image and prints 'bad image: <file and problem>' for each that fails, then "
                + "'verified images=<n> bad=<m>'; exit 2 if any is bad."})
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

    @Option(names = "--verify", description = "Decode every image of every split and report the bad ones by file "
            + "(Omniglot's 32,460 drawings: about 20 s on 2 cores).")
    private boolean verify;

    /**
     * Prints the summary.
     *
     * @return 0 on success, 2 on bad input or (with --verify) a bad image
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
            if (!verify) {
                return 0;
            }
            ImageCheck check = DataInfo.verify(dataset, dataDir, split);
            for (String p : check.problems()) {
                out.println("bad image: " + p);
            }
            out.println("verified images=" + check.images() + " bad=" + check.problems().size());
            out.flush();
            return check.ok() ? 0 : 2;
        } catch (IOException | IllegalArgumentException | UncheckedIOException e) {
            err.println(Main.describe(e));
        }
        err.flush();
        return 2;
    }
}
