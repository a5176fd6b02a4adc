package org.dl4jmeta.datasets.omniglot;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.dl4jmeta.datasets.download.Checksum;
import org.dl4jmeta.datasets.download.Downloader;
import org.dl4jmeta.datasets.download.RemoteFile;

/**
 * Fetches Omniglot's official files into the layout {@link Omniglot} reads: {@code images_background.zip} and
 * {@code images_evaluation.zip} from brendenlake/omniglot (pinned to their published sizes and MD5s) and the four
 * Vinyals split files from jakesnell/prototypical-networks (pinned to the SHA-256 of commit c9bb4d2's files).
 * Each file is verified before it is renamed into place ({@link Downloader}); files already present and correct
 * are skipped, so the download can be interrupted and re-run.
 */
public final class OmniglotDownload {

    /** Where the official zips are served (the {@code python/} folder of brendenlake/omniglot). */
    public static final URI DEFAULT_IMAGES_BASE = URI.create("https://github.com/brendenlake/omniglot/raw/master/python/");
    /** Where the Vinyals split files are served (jakesnell/prototypical-networks). */
    public static final URI DEFAULT_SPLITS_BASE = URI.create(
            "https://raw.githubusercontent.com/jakesnell/prototypical-networks/master/data/omniglot/splits/vinyals/");

    private OmniglotDownload() {
    }

    /**
     * @param imagesBase folder URL of the zips (with a trailing slash), {@link #DEFAULT_IMAGES_BASE} normally
     * @param splitsBase folder URL of the split files (with a trailing slash), {@link #DEFAULT_SPLITS_BASE} normally
     * @return the six files with their destinations, sizes and checksums
     * @throws IllegalArgumentException if a base URL is not http(s)
     */
    public static List<RemoteFile> files(URI imagesBase, URI splitsBase) {
        Objects.requireNonNull(imagesBase, "imagesBase");
        Objects.requireNonNull(splitsBase, "splitsBase");
        return List.of(
                new RemoteFile("images_background.zip", imagesBase.resolve("images_background.zip"), 9_464_212,
                        Checksum.md5("68d2efa1b9178cc56df9314c21c6e718")),
                new RemoteFile("images_evaluation.zip", imagesBase.resolve("images_evaluation.zip"), 6_462_886,
                        Checksum.md5("6b91aef0f799c5bb55b94e3f2daec811")),
                split(splitsBase, "train", 133_244,
                        "984522c194c30fb678ce53304a160a42faf5403ad4f9a67010f32dd3a35738e0"),
                split(splitsBase, "val", 21_312,
                        "11f99e54faee3e26f53d3231c1cceac5bf7b8730e9be31cb6dab256551dc0c1a"),
                split(splitsBase, "test", 50_372,
                        "845264cc5c156180828ccf17915668b17ee21424d0170df6e7d81676aa5d1204"),
                split(splitsBase, "trainval", 154_556,
                        "5276ae50c755596d0bff7f2284e85625695549a85ee6e36b6491ad1e5d1cc26a"));
    }

    private static RemoteFile split(URI base, String name, long size, String sha256) {
        return new RemoteFile("splits/vinyals/" + name + ".txt", base.resolve(name + ".txt"), size,
                Checksum.sha256(sha256));
    }

    /**
     * Downloads every missing or wrong file into dataDir.
     *
     * @param dataDir the Omniglot folder (created if missing)
     * @param imagesBase folder URL of the zips
     * @param splitsBase folder URL of the split files
     * @param downloader the downloader (timeouts)
     * @param progress receives one line per file, e.g. {@code images_background.zip: downloaded}
     * @throws org.dl4jmeta.datasets.download.ChecksumMismatchException if a file arrives with the wrong checksum
     * @throws org.dl4jmeta.datasets.DatasetException if a file cannot be fetched or is truncated
     * @throws IOException if writing fails
     */
    public static void download(Path dataDir, URI imagesBase, URI splitsBase, Downloader downloader,
                                Consumer<String> progress) throws IOException {
        Objects.requireNonNull(progress, "progress");
        for (RemoteFile f : files(imagesBase, splitsBase)) {
            Downloader.Outcome outcome = downloader.fetch(f, dataDir);
            progress.accept(f.path() + ": " + (outcome == Downloader.Outcome.DOWNLOADED ? "downloaded"
                    : "already present") + " (" + f.size() + " bytes, " + f.checksum() + ")");
        }
    }

    /**
     * Downloads from the official locations with default timeouts.
     *
     * @param dataDir the Omniglot folder (created if missing)
     * @param progress receives one line per file
     * @throws IOException as for {@link #download(Path, URI, URI, Downloader, Consumer)}
     */
    public static void download(Path dataDir, Consumer<String> progress) throws IOException {
        download(dataDir, DEFAULT_IMAGES_BASE, DEFAULT_SPLITS_BASE, new Downloader(), progress);
    }
}
