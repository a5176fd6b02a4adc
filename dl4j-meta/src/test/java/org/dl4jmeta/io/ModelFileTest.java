package org.dl4jmeta.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.dl4jmeta.algorithm.Imaml;
import org.dl4jmeta.algorithm.ImamlConfig;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.algorithm.Reptile;
import org.dl4jmeta.algorithm.ReptileConfig;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.optim.OuterOptimizer;
import org.dl4jmeta.optim.TrainingState;
import org.dl4jmeta.provenance.Provenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Model files round-trip exactly (float and double, every kind); truncated, corrupted, foreign and newer-version
 * files give errors naming the file and the problem; a failed write leaves the previous file intact.
 */
class ModelFileTest {

    static final Network NET = Conv4.build(new long[] {1, 8, 8}, 4, Conv4.Downsampling.MAX_POOL, 2, 3);

    static Provenance prov(DataType dt) {
        return Provenance.capture(dt, 7, Map.of("ways", 3, "dataset", "synthetic"),
                Map.of("train.txt", "00"));
    }

    static SavedModel meta(MetaLearner l, DataType dt) {
        return SavedModel.meta(l, l.initialise(5, dt), Map.of("ways", 3), prov(dt));
    }

    @Test
    void metaModelsRoundTripExactlyForEveryAlgorithm(@TempDir Path dir) throws IOException {
        List<MetaLearner> learners = List.of(new Maml(NET, MamlConfig.secondOrder(2, 0.4).withLearnedStepSizes()),
                new Reptile(NET, new ReptileConfig(3, 0.1)), new Reptile(NET, new ReptileConfig(3, 0.1, 2)),
                new Imaml(NET, ImamlConfig.builder(2.0).optSolver(ImamlConfig.InnerSolver.NEWTON_CG).build()));
        for (DataType dt : List.of(DataType.FLOAT, DataType.DOUBLE)) {
            for (MetaLearner l : learners) {
                SavedModel m = meta(l, dt);
                Path f = dir.resolve(l.id() + "-" + dt + ".zip");
                ModelFile.write(f, m);
                SavedModel back = ModelFile.read(f);
                assertEquals(SavedModel.Kind.META, back.kind());
                assertEquals(m.parameters().names(), back.parameters().names());
                assertEquals(dt, back.parameters().dataType());
                assertArrayEquals(m.parameters().flat().toDoubleVector(), back.parameters().flat().toDoubleVector(),
                        0.0);
                MetaLearner rebuilt = back.createLearner();
                assertEquals(l.id(), rebuilt.id());
                assertEquals(l.innerSteps(), rebuilt.innerSteps());
                if (l instanceof Reptile r) {
                    assertEquals(r.config(), ((Reptile) rebuilt).config());
                }
                assertEquals(m.algorithm(), back.algorithm());
                assertEquals(3, back.config().get("ways"));
                assertEquals(m.provenance(), back.provenance());
                assertNull(back.optimizer());
            }
        }
    }

    @Test
    void reptileFilesWithoutInnerBatchSizeMeanTheWholeSupportSet() {
        // files written before innerBatchSize existed hold only K and alpha; a full-batch config is still written so
        ReptileConfig old = Json.mapper().convertValue(Map.of("innerSteps", 5, "innerStepSize", 0.1),
                ReptileConfig.class);
        assertEquals(new ReptileConfig(5, 0.1), old);
        assertEquals(0, old.innerBatchSizeOrZero());
        assertEquals(new ReptileConfig(5, 0.1), new ReptileConfig(5, 0.1, 0));
        assertEquals(Map.of("innerSteps", 5, "innerStepSize", 0.1), Json.mapper().convertValue(old, Map.class));
        assertEquals(10, Json.mapper().convertValue(new ReptileConfig(5, 0.1, 10), Map.class).get("innerBatchSize"));
    }

    @Test
    void checkpointsCarryOptimiserStateAndProgress(@TempDir Path dir) throws IOException {
        Maml l = new Maml(NET, MamlConfig.firstOrder(1, 0.4));
        ParamSet theta = l.initialise(1, DataType.DOUBLE);
        OuterOptimizer adam = new OuterOptimizer(new Adam(0.003), theta.length(), DataType.DOUBLE);
        adam.step(theta, theta.copy().scalei(0.5), 0);
        TrainingState s = new TrainingState(theta, adam, 7);
        Path f = dir.resolve("checkpoint.zip");
        ModelFile.write(f, SavedModel.checkpoint(l, s, 4, 9, Map.of(), prov(DataType.DOUBLE), Map.of("best", 0.5)));
        SavedModel back = ModelFile.read(f);
        assertEquals(SavedModel.Kind.CHECKPOINT, back.kind());
        assertEquals(7, back.progress().iteration());
        assertEquals(28, back.progress().episodesConsumed());
        assertEquals(9, back.progress().seed());
        assertEquals(0.5, back.progress().extras().get("best"));
        TrainingState r = back.restoreTrainingState();
        assertEquals(new Adam(0.003), r.optimizer().config());
        assertArrayEquals(adam.state().toDoubleVector(), r.optimizer().state().toDoubleVector(), 0.0);
        assertArrayEquals(theta.flat().toDoubleVector(), r.theta().flat().toDoubleVector(), 0.0);

        TrainingState sgd = new TrainingState(theta, new OuterOptimizer(new Sgd(0.1), theta.length(),
                DataType.DOUBLE), 1);
        ModelFile.write(f, SavedModel.checkpoint(l, sgd, 4, 9, Map.of(), prov(DataType.DOUBLE), Map.of()));
        assertNull(ModelFile.read(f).optimizer().state());
        IllegalStateException notCkpt = assertThrows(IllegalStateException.class,
                () -> meta(l, DataType.FLOAT).restoreTrainingState());
        assertTrue(notCkpt.getMessage().contains("checkpoint"), notCkpt.getMessage());
    }

    @Test
    void adaptedModelsKeepTheirClassNames(@TempDir Path dir) throws IOException {
        Maml l = new Maml(NET, MamlConfig.firstOrder(1, 0.4));
        ParamSet phi = l.initialise(1, DataType.FLOAT);
        Path f = dir.resolve("adapted.zip");
        ModelFile.write(f, SavedModel.adapted(l, phi, List.of("cat", "dog", "owl"), Map.of(), prov(DataType.FLOAT)));
        SavedModel back = ModelFile.read(f);
        assertEquals(SavedModel.Kind.ADAPTED, back.kind());
        assertEquals(List.of("cat", "dog", "owl"), back.classNames());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SavedModel.adapted(l, phi, List.of("cat"), Map.of(), prov(DataType.FLOAT)));
        assertTrue(e.getMessage().contains("got 1"), e.getMessage());
    }

    Path good(Path dir) throws IOException {
        Path f = dir.resolve("good.zip");
        ModelFile.write(f, meta(new Maml(NET, MamlConfig.firstOrder(1, 0.4)), DataType.FLOAT));
        return f;
    }

    @Test
    void truncatedFilesAreRejectedNamingTheFile(@TempDir Path dir) throws IOException {
        Path f = good(dir);
        byte[] all = Files.readAllBytes(f);
        for (int len : new int[] {0, 10, all.length / 2, all.length - 30}) {
            Path t = dir.resolve("truncated-" + len + ".zip");
            Files.write(t, java.util.Arrays.copyOf(all, len));
            ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.read(t));
            assertTrue(e.getMessage().startsWith(t.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("corrupted"), e.getMessage());
        }
    }

    /** Rewrites a zip entry by entry, letting {@code edit} change the named entry's bytes (null drops it). */
    static void rewrite(Path src, Path dst, String name, UnaryOperator<byte[]> edit) throws IOException {
        try (ZipFile in = new ZipFile(src.toFile()); OutputStream os = Files.newOutputStream(dst);
             ZipOutputStream out = new ZipOutputStream(os)) {
            for (Enumeration<? extends ZipEntry> en = in.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                byte[] b = in.getInputStream(e).readAllBytes();
                if (e.getName().equals(name)) {
                    b = edit.apply(b);
                }
                if (b != null) {
                    out.putNextEntry(new ZipEntry(e.getName()));
                    out.write(b);
                    out.closeEntry();
                }
            }
        }
    }

    @Test
    void corruptedEntriesAreRejectedNamingTheEntry(@TempDir Path dir) throws IOException {
        Path f = good(dir);
        Path bad = dir.resolve("flipped.zip");
        rewrite(f, bad, "parameters.bin", b -> {
            byte[] c = b.clone();
            c[c.length / 2] ^= 0x10;
            return c;
        });
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.read(bad));
        assertTrue(e.getMessage().contains("parameters.bin is corrupted: sha256 expected"), e.getMessage());

        Path missing = dir.resolve("missing.zip");
        rewrite(f, missing, "network.json", b -> null);
        e = assertThrows(ModelFileException.class, () -> ModelFile.read(missing));
        assertTrue(e.getMessage().contains("network.json listed in the manifest is missing"), e.getMessage());

        // a bit flip inside the compressed zip data itself: the zip CRC or the SHA-256 catches it
        byte[] raw = Files.readAllBytes(f);
        int at = indexOf(raw, "parameters.bin".getBytes(StandardCharsets.US_ASCII)) + 200;
        raw[at] ^= 0x01;
        Path flippedRaw = dir.resolve("raw-flip.zip");
        Files.write(flippedRaw, raw);
        e = assertThrows(ModelFileException.class, () -> ModelFile.read(flippedRaw));
        assertTrue(e.getMessage().contains("corrupted"), e.getMessage());
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void foreignAndNewerFilesAreRejectedWithTheFix(@TempDir Path dir) throws IOException {
        Path text = dir.resolve("notes.zip");
        Files.writeString(text, "not a zip");
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.read(text));
        assertTrue(e.getMessage().contains("is not a dl4j-meta model file"), e.getMessage());

        Path dl4j = dir.resolve("dl4j.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(dl4j))) {
            z.putNextEntry(new ZipEntry("configuration.json"));
            z.write("{}".getBytes(StandardCharsets.UTF_8));
            z.putNextEntry(new ZipEntry("coefficients.bin"));
            z.closeEntry();
        }
        e = assertThrows(ModelFileException.class, () -> ModelFile.read(dl4j));
        assertTrue(e.getMessage().contains("DL4J ModelSerializer zip"), e.getMessage());

        Path newer = dir.resolve("newer.zip");
        rewrite(good(dir), newer, "manifest.json", b -> new String(b, StandardCharsets.UTF_8)
                .replace("\"formatVersion\" : 1", "\"formatVersion\" : 7").getBytes(StandardCharsets.UTF_8));
        e = assertThrows(ModelFileException.class, () -> ModelFile.read(newer));
        assertTrue(e.getMessage().contains("newer dl4j-meta (model format version 7"), e.getMessage());
        assertTrue(e.getMessage().contains("up to 1"), e.getMessage());

        e = assertThrows(ModelFileException.class, () -> ModelFile.read(dir.resolve("absent.zip")));
        assertTrue(e.getMessage().contains("absent.zip: no such file"), e.getMessage());
        e = assertThrows(ModelFileException.class, () -> ModelFile.read(dir));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    }

    @Test
    void aFailedWriteNeverReplacesAGoodFile(@TempDir Path dir) throws IOException {
        Path f = good(dir);
        byte[] before = Files.readAllBytes(f);
        assertThrows(IOException.class, () -> AtomicFiles.write(f, out -> {
            out.write(new byte[] {1, 2, 3});
            throw new IOException("disk full");
        }));
        assertThrows(IOException.class, () -> AtomicFiles.write(f, out -> out.write(new byte[] {1, 2, 3}),
                written -> ModelFile.read(written)));
        assertArrayEquals(before, Files.readAllBytes(f));
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> left = new ArrayList<>(s.toList());
            assertEquals(List.of(f), left, "no temporary files are left behind");
        }
        assertFalse(Files.exists(dir.resolve("good.zip.tmp")));
    }

    @Test
    void readmeExampleSavesLoadsAndExports(@TempDir Path dir) throws IOException {
        // the README's "Model files from code" example, line for line
        MetaLearner maml = new Maml(NET, MamlConfig.secondOrder(1, 0.4));
        ParamSet theta = maml.initialise(42, DataType.FLOAT);
        Provenance prov = Provenance.capture(DataType.FLOAT, 42, Map.of("note", "demo"), Map.of());
        ModelFile.write(dir.resolve("model.zip"), SavedModel.meta(maml, theta, Map.of(), prov));
        SavedModel m = ModelFile.read(dir.resolve("model.zip"));      // verified: checksums, format version
        MetaLearner same = m.createLearner();                          // Maml, same config, fresh graphs
        SameDiffExport.write(dir.resolve("model.fb"), m.buildNetwork(), m.parameters());

        assertEquals(maml.id(), same.id());
        assertArrayEquals(theta.flat().toFloatVector(), m.parameters().flat().toFloatVector(), 0f);
        assertTrue(Files.size(dir.resolve("model.fb")) > 0);
    }
}
