package org.dl4jmeta.app.data;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.dl4jmeta.datasets.download.Downloader;
import org.dl4jmeta.datasets.omniglot.OmniglotDownload;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code download --dataset omniglot --data-dir DIR}: fetches Omniglot's official zips and the Vinyals split files,
 * verifies their sizes and checksums, and renames each into place only when verified; safe to interrupt and re-run.
 * On failure prints the error to stderr and exits with 2.
 */
@Command(name = "download", mixinStandardHelpOptions = true,
        description = "Downloads a data set's official files, verifying their checksums (omniglot only: "
                + "Mini-ImageNet's images are not redistributable).")
public final class DownloadCommand implements Callable<Integer>, org.dl4jmeta.app.WithoutBackend {

    @Spec
    private CommandSpec spec;

    @Option(names = "--dataset", required = true, paramLabel = "omniglot", description = "The data set.")
    private String dataset;

    @Option(names = "--data-dir", required = true, paramLabel = "DIR",
            description = "Where to put the files (created if missing).")
    private Path dataDir;

    @Option(names = "--images-url", paramLabel = "URL", description = "Mirror of the zips' folder (default: "
            + "${DEFAULT-VALUE}).")
    private URI imagesUrl = OmniglotDownload.DEFAULT_IMAGES_BASE;

    @Option(names = "--splits-url", paramLabel = "URL", description = "Mirror of the split files' folder "
            + "(default: ${DEFAULT-VALUE}).")
    private URI splitsUrl = OmniglotDownload.DEFAULT_SPLITS_BASE;

    /**
     * Downloads the files.
     *
     * @return 0 on success, 2 on failure
     */
    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            if (!dataset.toLowerCase(Locale.ROOT).equals("omniglot")) {
                throw new IllegalArgumentException("download supports --dataset omniglot only, got '" + dataset
                        + "' (Mini-ImageNet's images are ImageNet crops that may not be redistributed)");
            }
            OmniglotDownload.download(dataDir, withSlash(imagesUrl), withSlash(splitsUrl), new Downloader(), line -> {
                out.println(line);
                out.flush();
            });
            return 0;
        } catch (IOException | IllegalArgumentException e) {
            err.println(e.getMessage());
            err.flush();
            return 2;
        }
    }

    private static URI withSlash(URI u) {
        return u.getPath() != null && u.getPath().endsWith("/") ? u : URI.create(u + "/");
    }
}
