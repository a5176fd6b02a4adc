package org.dl4jmeta.datasets.omniglot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.dl4jmeta.datasets.SharedData;
import org.dl4jmeta.datasets.SplitSummary;
import org.dl4jmeta.datasets.download.Checksum;
import org.dl4jmeta.datasets.download.ChecksumMismatchException;
import org.dl4jmeta.datasets.download.Downloader;
import org.dl4jmeta.datasets.download.LocalHttpServer;
import org.dl4jmeta.datasets.download.RemoteFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Omniglot's download, against a local server holding the shared copies of the files. */
@Timeout(120)
class OmniglotDownloadIT {

    @TempDir
    Path dir;

    private final Downloader downloader = new Downloader(Duration.ofSeconds(5), Duration.ofSeconds(5));

    @Test
    void pinnedSplitChecksumsMatchTheSharedCopiesOfThePublishedFiles() throws IOException {
        List<RemoteFile> files = OmniglotDownload.files(OmniglotDownload.DEFAULT_IMAGES_BASE,
                OmniglotDownload.DEFAULT_SPLITS_BASE);
        assertEquals(6, files.size());
        assertEquals("https://github.com/brendenlake/omniglot/raw/master/python/images_background.zip",
                files.get(0).uri().toString());
        // Published with the official release (see shared/datasets/README.md).
        assertEquals(9_464_212, files.get(0).size());
        assertEquals(Checksum.md5("68d2efa1b9178cc56df9314c21c6e718"), files.get(0).checksum());
        assertEquals(6_462_886, files.get(1).size());
        assertEquals(Checksum.md5("6b91aef0f799c5bb55b94e3f2daec811"), files.get(1).checksum());
        for (RemoteFile f : files.subList(2, 6)) {
            Path local = SharedData.omniglot().resolve(f.path());
            assertEquals(Files.size(local), f.size(), f.path());
            assertEquals(Checksum.of(local, "SHA-256"), f.checksum(), f.path());
        }
    }

    @Test
    void downloadsVerifiesAndRefusesAZipWithTheWrongChecksum() throws IOException {
        Path shared = SharedData.omniglot();
        try (LocalHttpServer server = new LocalHttpServer()) {
            for (String split : List.of("train", "val", "test", "trainval")) {
                server.serve("/splits/" + split + ".txt",
                        Files.readAllBytes(shared.resolve("splits/vinyals/" + split + ".txt")),
                        LocalHttpServer.Mode.GOOD);
            }
            // The shared zips are pixel-identical rebuilds, not the official bytes: padded to the official size
            // they pass the length check and must then fail on the MD5.
            byte[] rebuilt = Files.readAllBytes(shared.resolve("images_background.zip"));
            byte[] padded = Arrays.copyOf(rebuilt, 9_464_212);
            server.serve("/images/images_background.zip", padded, LocalHttpServer.Mode.GOOD);
            List<RemoteFile> files = OmniglotDownload.files(server.uri("/images/"), server.uri("/splits/"));

            ChecksumMismatchException e = assertThrows(ChecksumMismatchException.class, () ->
                    OmniglotDownload.download(dir, server.uri("/images/"), server.uri("/splits/"), downloader,
                            line -> { }));
            Path tmpPadded = Files.write(dir.resolve("padded.bin"), padded);
            String actualMd5 = Checksum.of(tmpPadded, "MD5").hex();
            Files.delete(tmpPadded);
            assertTrue(e.getMessage().startsWith("checksum mismatch for images_background.zip: expected md5 "
                    + "68d2efa1b9178cc56df9314c21c6e718, got md5 " + actualMd5), e.getMessage());
            assertFalse(Files.exists(dir.resolve("images_background.zip")));
            assertFalse(Files.exists(dir.resolve("images_background.zip.part")));

            List<String> progress = new ArrayList<>();
            for (RemoteFile f : files.subList(2, 6)) {
                progress.add(f.path() + " " + downloader.fetch(f, dir));
            }
            assertEquals(List.of("splits/vinyals/train.txt DOWNLOADED", "splits/vinyals/val.txt DOWNLOADED",
                    "splits/vinyals/test.txt DOWNLOADED", "splits/vinyals/trainval.txt DOWNLOADED"), progress);
            assertEquals(Downloader.Outcome.ALREADY_PRESENT, downloader.fetch(files.get(3), dir));
        }
        // With the (pixel-identical) zips in place, the downloaded split files serve the loader.
        Files.copy(shared.resolve("images_background.zip"), dir.resolve("images_background.zip"));
        Files.copy(shared.resolve("images_evaluation.zip"), dir.resolve("images_evaluation.zip"));
        assertEquals(new SplitSummary("val", 688, 13760),
                Omniglot.at(dir).describe(OmniglotScheme.VINYALS).get(1));
    }
}
