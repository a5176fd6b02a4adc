package org.dl4jmeta.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.dl4jmeta.algorithm.BiMaml;
import org.dl4jmeta.algorithm.LearnerState;
import org.dl4jmeta.algorithm.LearnerTypes;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.model.Conv2d;
import org.dl4jmeta.model.Dense;
import org.dl4jmeta.model.Flatten;
import org.dl4jmeta.model.Layer;
import org.dl4jmeta.model.LayerType;
import org.dl4jmeta.model.LayerTypes;
import org.dl4jmeta.model.Loss;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.provenance.Sha256;
import org.dl4jmeta.testutil.TinyTasks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * Layer types, losses and learner types come from their registries: unknown ids in a model file are errors naming
 * the id and the providers found; layers and learners without a registered type cannot be saved, and say so; a
 * learner configuration is built from a name, the two inner-loop settings and overrides, aliases included.
 */
class RegistryTest {

    static Path good(Path dir) throws IOException {
        Path f = dir.resolve("good.zip");
        Maml m = new Maml(TinyTasks.net(), MamlConfig.firstOrder(1, 0.4));
        ModelFile.write(f, SavedModel.meta(m, m.initialise(1, DataType.FLOAT), Map.of(), ModelFileTest.prov(
                DataType.FLOAT)));
        return f;
    }

    /** Rewrites one entry and the manifest's size and SHA-256 of it, so only the content is wrong. */
    static Path edit(Path src, Path dst, String name, UnaryOperator<String> change) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipFile in = new ZipFile(src.toFile())) {
            for (Enumeration<? extends ZipEntry> en = in.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                entries.put(e.getName(), in.getInputStream(e).readAllBytes());
            }
        }
        byte[] changed = change.apply(new String(entries.get(name), StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.UTF_8);
        entries.put(name, changed);
        ObjectNode manifest = Json.parseObject(new String(entries.get(ModelFile.MANIFEST), StandardCharsets.UTF_8));
        manifest.withArray("entries").forEach(n -> {
            if (n.get("name").asText().equals(name)) {
                ((ObjectNode) n).put("bytes", changed.length).put("sha256", Sha256.of(changed));
            }
        });
        entries.put(ModelFile.MANIFEST, Json.write(manifest).getBytes(StandardCharsets.UTF_8));
        try (OutputStream os = Files.newOutputStream(dst); ZipOutputStream out = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        return dst;
    }

    @Test
    void unknownLayerTypeInAModelFileNamesItAndTheTypesFound(@TempDir Path dir) throws IOException {
        Path bad = edit(good(dir), dir.resolve("layer.zip"), ModelFile.NETWORK,
                s -> s.replace("\"conv2d\"", "\"hyperconv\""));
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.read(bad));
        assertTrue(e.getMessage().contains("unknown layer type 'hyperconv'"), e.getMessage());
        assertTrue(e.getMessage().contains(" conv2d, ") && e.getMessage().contains(" dense, "), e.getMessage());
        assertTrue(e.getMessage().contains("META-INF/services/org.dl4jmeta.model.LayerType"), e.getMessage());
    }

    @Test
    void unknownLearnerTypeInAModelFileNamesItAndTheTypesFound(@TempDir Path dir) throws IOException {
        Path bad = edit(good(dir), dir.resolve("learner.zip"), ModelFile.ALGORITHM,
                s -> s.replace("\"maml\"", "\"meta-sgd\""));
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.read(bad));
        assertTrue(e.getMessage().contains("unknown learner type 'meta-sgd'"), e.getMessage());
        assertTrue(e.getMessage().contains("anil, bimaml, hfmaml, imaml, maml, metasgd, reptile"), e.getMessage());
    }

    @Test
    void badLayerSettingsAndLossAreNamed(@TempDir Path dir) throws IOException {
        Path units = edit(good(dir), dir.resolve("units.zip"), ModelFile.NETWORK,
                s -> s.replaceFirst("\"units\" : 4", "\"units\" : 4.5"));
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.read(units));
        assertTrue(e.getMessage().contains("'units' must be an integer, got 4.5"), e.getMessage());
        Path extra = edit(good(dir), dir.resolve("extra.zip"), ModelFile.NETWORK,
                s -> s.replaceFirst("\"eps\" :", "\"momentum\" : 0.9, \"eps\" :"));
        e = assertThrows(ModelFileException.class, () -> ModelFile.read(extra));
        assertTrue(e.getMessage().contains("unknown setting 'momentum'"), e.getMessage());
        Path loss = edit(good(dir), dir.resolve("loss.zip"), ModelFile.NETWORK,
                s -> s.replace("softmax-cross-entropy", "hinge"));
        e = assertThrows(ModelFileException.class, () -> ModelFile.read(loss));
        assertTrue(e.getMessage().contains("unknown loss 'hinge'") && e.getMessage().contains("squared-error"),
                e.getMessage());
    }

    /** A layer of a class no layer type saves. */
    static final class Unregistered implements Layer {
        @Override
        public String name() {
            return "mystery";
        }

        @Override
        public Map<String, long[]> paramShapes(long[] in) {
            return Map.of();
        }

        @Override
        public long[] outputShape(long[] in) {
            return in.clone();
        }

        @Override
        public void initialise(Map<String, INDArray> p, long[] in, SplittableRandom rng) {
        }

        @Override
        public Pass forward(SameDiff sd, SDVariable x, long[] in, Map<String, SDVariable> p) {
            throw new UnsupportedOperationException("never built in this test");
        }
    }

    @Test
    void layersWithoutARegisteredTypeCannotBeSavedAndSaySo() {
        Network net = new Network(new long[] {1, 2, 2}, List.of(new Flatten("f"), new Unregistered(),
                new Dense("d", 2, true)), Loss.softmaxCrossEntropy());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NetworkSpec.of(net));
        assertTrue(e.getMessage().contains("layer 'mystery' of class " + Unregistered.class.getName()), e.getMessage());
        assertTrue(e.getMessage().contains("LayerType"), e.getMessage());
        IllegalArgumentException taken = assertThrows(IllegalArgumentException.class,
                () -> LayerTypes.register(new LayerType<Dense>() {
                    @Override
                    public String id() {
                        return "conv2d";
                    }

                    @Override
                    public Class<Dense> layerClass() {
                        return Dense.class;
                    }

                    @Override
                    public Map<String, Object> settings(Dense layer) {
                        return Map.of();
                    }

                    @Override
                    public Dense create(String name, Map<String, Object> settings) {
                        return new Dense(name, 1, false);
                    }
                }));
        assertTrue(taken.getMessage().contains("'conv2d'") && taken.getMessage().contains(Conv2d.Type.class.getName()),
                taken.getMessage());
    }

    @Test
    void configurationsComeFromNameSettingsAndOverrides() {
        AlgorithmSpec fo = AlgorithmSpec.configure("fomaml", 3, 0.2, Map.of());
        assertEquals("maml", fo.type());
        assertEquals(MamlConfig.firstOrder(3, 0.2), fo.configRecord());
        AlgorithmSpec bi = AlgorithmSpec.configure("bimaml", 1, 0.4, Map.of("epsilon0", 0.5,
                "maml", Map.of("firstOrder", true)));
        assertEquals(new org.dl4jmeta.algorithm.BiMamlConfig(MamlConfig.firstOrder(1, 0.4), 0.5, 0),
                bi.configRecord());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AlgorithmSpec.configure("imaml", 2, 0.1, Map.of("lamda", 3)));
        assertTrue(e.getMessage().contains("lamda"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AlgorithmSpec.configure("imaml", 2, 0.1,
                Map.of("lambda", -1)));
        assertTrue(e.getMessage().contains("lambda must be > 0 and finite, got -1.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AlgorithmSpec.configure("hfmaml", 2, 0.1, Map.of()));
        assertTrue(e.getMessage().contains("got innerSteps 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LearnerTypes.named("protonet"));
        assertTrue(e.getMessage().contains("unknown learner 'protonet'") && e.getMessage().contains("maml++"),
                e.getMessage());
    }

    @Test
    void learnerStatesRoundTripThroughTheirFields() {
        MetaLearner bi = AlgorithmSpec.configure("bimaml", 1, 0.4, Map.of()).create(TinyTasks.net());
        AlgorithmSpec spec = AlgorithmSpec.of(bi);
        assertEquals(Map.of("phase", 2, "switchIteration", 7), spec.saveState(new BiMaml.State(2, 7)));
        assertEquals(new BiMaml.State(2, 7), spec.restoreState(Map.of("phase", 2, "switchIteration", 7)));
        assertEquals(LearnerState.NONE, spec.restoreState(Map.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> spec.restoreState(Map.of("phase", 3, "switchIteration", 1)));
        assertTrue(e.getMessage().contains("phase must be 1 or 2, got 3"), e.getMessage());
        AlgorithmSpec reptile = AlgorithmSpec.configure("reptile", 1, 0.4, Map.of());
        e = assertThrows(IllegalArgumentException.class, () -> reptile.restoreState(Map.of("phase", 2)));
        assertTrue(e.getMessage().contains("keeps no state"), e.getMessage());
        // MAML keeps its completed iterations for MAML++'s schedules
        AlgorithmSpec maml = AlgorithmSpec.configure("maml", 1, 0.4, Map.of());
        assertEquals(Map.of("iterations", 12), maml.saveState(new org.dl4jmeta.algorithm.Maml.Progress(12)));
        assertEquals(new org.dl4jmeta.algorithm.Maml.Progress(12), maml.restoreState(Map.of("iterations", 12)));
        e = assertThrows(IllegalArgumentException.class, () -> maml.restoreState(Map.of("phase", 2)));
        assertTrue(e.getMessage().contains("invalid maml learner state {phase=2}"), e.getMessage());
    }
}
