package org.dl4jmeta.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.provenance.BuildInfo;
import org.dl4jmeta.provenance.Provenance;
import org.dl4jmeta.provenance.Sha256;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.shade.jackson.core.type.TypeReference;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * Reads and writes model files: one versioned zip per model, meta-model, adapted model or checkpoint.
 *
 * <pre>
 * manifest.json     format "dl4j-meta-model", formatVersion, kind, and every other entry's size and SHA-256
 * network.json      {@link NetworkSpec}: input shape, layers, loss
 * algorithm.json    {@link AlgorithmSpec}: meta-learner type and configuration
 * parameters.json   data type, byte order and the name and shape of every tensor
 * parameters.bin    the flat parameter vector, little-endian IEEE 754 (float32 or float64)
 * config.json       the job's configuration
 * provenance.json   {@link Provenance}: commit, versions, backend, data type, config, seed, data checksums, times
 * classes.json      adapted models: the class name of each output
 * optimizer.json    checkpoints: ND4J updater configuration, state length and data type
 * optimizer.bin     checkpoints: the updater state, little-endian
 * training.json     checkpoints: iteration, meta-batch size, seed, learner state, job extras
 * </pre>
 *
 * <p>Writing goes to a temporary file that is read back and verified before it atomically replaces the target, so a
 * crash or a full disk never leaves a partial model where a good one was. Reading checks the manifest's format and
 * version and every entry's size and SHA-256, so truncated, corrupted and newer-version files give an error naming
 * the file and the entry instead of wrong parameters. Stateless; thread-safe.
 */
public final class ModelFile {

    /** Value of the manifest's {@code format} field. */
    public static final String FORMAT = "dl4j-meta-model";
    /** The format version this build writes and the newest it reads. */
    public static final int FORMAT_VERSION = 1;

    static final String MANIFEST = "manifest.json";
    static final String NETWORK = "network.json";
    static final String ALGORITHM = "algorithm.json";
    static final String PARAMETERS_JSON = "parameters.json";
    static final String PARAMETERS_BIN = "parameters.bin";
    static final String CONFIG = "config.json";
    static final String PROVENANCE = "provenance.json";
    static final String CLASSES = "classes.json";
    static final String OPTIMIZER_JSON = "optimizer.json";
    static final String OPTIMIZER_BIN = "optimizer.bin";
    static final String TRAINING = "training.json";

    private static final List<String> REQUIRED = List.of(NETWORK, ALGORITHM, PARAMETERS_JSON, PARAMETERS_BIN, CONFIG,
            PROVENANCE);
    private static final String UPDATER_PACKAGE = "org.nd4j.linalg.learning.config.";
    /** Fixed entry time (2000-01-01), so equal content gives equal files. */
    private static final long ENTRY_TIME = 946_684_800_000L;

    private ModelFile() {
    }

    /** The manifest: what the file is and a checksum of every other entry. */
    record Manifest(String format, int formatVersion, String kind, String createdBy, List<Entry> entries) {
    }

    /**
     * One manifest entry.
     *
     * @param name entry name
     * @param bytes uncompressed size
     * @param sha256 SHA-256 of the uncompressed bytes
     */
    record Entry(String name, long bytes, String sha256) {
    }

    /** Layout of a flat tensor blob. */
    record BlobLayout(String dataType, String byteOrder, long length, List<TensorSpec> tensors) {
    }

    /** A named tensor of a blob. */
    record TensorSpec(String name, long[] shape) {
    }

    /** The optimiser entry. */
    record OptimizerEntry(JsonNode updater, long stateLength, String dataType) {
    }

    /**
     * Writes a model file atomically: the target is replaced only by a complete file that reads back equal.
     *
     * @param file the target (its folder is created if missing)
     * @param model the content
     * @throws IOException if writing fails (the previous file, if any, is untouched)
     * @throws IllegalArgumentException if the model cannot be described (e.g. an unsupported layer)
     */
    public static void write(Path file, SavedModel model) throws IOException {
        Map<String, byte[]> entries = encode(model);
        List<Entry> list = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            list.add(new Entry(e.getKey(), e.getValue().length, Sha256.of(e.getValue())));
        }
        Manifest manifest = new Manifest(FORMAT, FORMAT_VERSION, model.kind().id(),
                "dl4j-meta " + BuildInfo.projectVersion(), list);
        byte[] manifestBytes = utf8(Json.write(manifest));
        AtomicFiles.write(file, out -> zip(out, manifestBytes, entries), ModelFile::read);
    }

    private static void zip(OutputStream out, byte[] manifest, Map<String, byte[]> entries) throws IOException {
        ZipOutputStream z = new ZipOutputStream(out);
        put(z, MANIFEST, manifest);
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            put(z, e.getKey(), e.getValue());
        }
        z.finish();
    }

    private static void put(ZipOutputStream z, String name, byte[] bytes) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setTime(ENTRY_TIME);
        z.putNextEntry(e);
        z.write(bytes);
        z.closeEntry();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, byte[]> encode(SavedModel m) {
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put(NETWORK, utf8(Json.write(m.network())));
        e.put(ALGORITHM, utf8(Json.write(m.algorithm())));
        ParamSet p = m.parameters();
        List<TensorSpec> tensors = new ArrayList<>();
        for (String n : p.names()) {
            tensors.add(new TensorSpec(n, p.shape(n)));
        }
        e.put(PARAMETERS_JSON, utf8(Json.write(new BlobLayout(p.dataType().name(), "little-endian", p.length(),
                tensors))));
        e.put(PARAMETERS_BIN, blob(p.flat()));
        e.put(CONFIG, utf8(Json.write(m.config())));
        e.put(PROVENANCE, utf8(Json.write(m.provenance())));
        if (!m.classNames().isEmpty()) {
            e.put(CLASSES, utf8(Json.write(m.classNames())));
        }
        if (m.optimizer() != null) {
            INDArray s = m.optimizer().state();
            e.put(OPTIMIZER_JSON, utf8(Json.write(new OptimizerEntry(Json.tree(m.optimizer().updater()),
                    s == null ? 0 : s.length(), s == null ? p.dataType().name() : s.dataType().name()))));
            if (s != null) {
                e.put(OPTIMIZER_BIN, blob(s));
            }
        }
        if (m.progress() != null) {
            e.put(TRAINING, utf8(Json.write(m.progress())));
        }
        return e;
    }

    private static byte[] blob(INDArray a) {
        INDArray flat = Nd4j.toFlattened('c', a);
        ByteBuffer buf;
        if (a.dataType() == DataType.DOUBLE) {
            double[] v = flat.toDoubleVector();
            buf = ByteBuffer.allocate(v.length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            buf.asDoubleBuffer().put(v);
        } else if (a.dataType() == DataType.FLOAT) {
            float[] v = flat.toFloatVector();
            buf = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(v);
        } else {
            throw new IllegalArgumentException("model files store FLOAT or DOUBLE tensors, got " + a.dataType());
        }
        return buf.array();
    }

    /**
     * Reads and verifies a model file.
     *
     * @param file the model file
     * @return its content
     * @throws ModelFileException if the file is missing, not a dl4j-meta model file, truncated, corrupted (an entry's
     *     size or SHA-256 differs from the manifest), of a newer format version, or inconsistent (e.g. parameters
     *     that do not fit the network); the message names the file and the entry
     */
    public static SavedModel read(Path file) throws ModelFileException {
        if (!Files.exists(file)) {
            throw new ModelFileException(file, "no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new ModelFileException(file, "is not a regular file (a model file is a .zip written by train, "
                    + "adapt or a checkpoint)");
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            return decode(file, zip);
        } catch (ZipException e) {
            throw new ModelFileException(file, "is not a dl4j-meta model file or is truncated (not a readable zip: "
                    + e.getMessage() + "); use an intact copy, e.g. the previous checkpoint", e);
        } catch (ModelFileException e) {
            throw e;
        } catch (IOException e) {
            throw new ModelFileException(file, "cannot be read: " + e.getMessage(), e);
        }
    }

    private static SavedModel decode(Path file, ZipFile zip) throws IOException {
        ZipEntry me = zip.getEntry(MANIFEST);
        if (me == null) {
            if (zip.getEntry("configuration.json") != null && zip.getEntry("coefficients.bin") != null) {
                throw new ModelFileException(file, "is a DL4J ModelSerializer zip, not a dl4j-meta model file; load "
                        + "it with DL4J, or give a model written by dl4j-meta's train or adapt");
            }
            throw new ModelFileException(file, "is not a dl4j-meta model file: it has no " + MANIFEST
                    + " (give a model written by train, adapt or a checkpoint)");
        }
        byte[] manifestBytes = entry(file, zip, me);
        JsonNode mt;
        try {
            mt = Json.parse(new String(manifestBytes, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ModelFileException(file, MANIFEST + " is not valid JSON: " + e.getMessage(), e);
        }
        if (mt == null || !FORMAT.equals(mt.path("format").asText())) {
            throw new ModelFileException(file, "is not a dl4j-meta model file: " + MANIFEST + " has format '"
                    + (mt == null ? null : mt.path("format").asText()) + "', expected '" + FORMAT + "'");
        }
        int version = mt.path("formatVersion").asInt(-1);
        if (version > FORMAT_VERSION) {
            throw new ModelFileException(file, "was written by a newer dl4j-meta (model format version " + version
                    + ", created by " + mt.path("createdBy").asText("?") + "); this build reads format versions up to "
                    + FORMAT_VERSION + ": upgrade dl4j-meta to read it");
        }
        if (version < 1) {
            throw new ModelFileException(file, MANIFEST + " has an invalid formatVersion "
                    + mt.path("formatVersion") + ", expected 1.." + FORMAT_VERSION);
        }
        Manifest manifest = bind(file, MANIFEST, mt, Manifest.class);
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        for (Entry en : manifest.entries()) {
            ZipEntry ze = zip.getEntry(en.name());
            if (ze == null) {
                throw new ModelFileException(file, "entry " + en.name() + " listed in the manifest is missing: the "
                        + "file is truncated or was edited; use an intact copy");
            }
            byte[] b = entry(file, zip, ze);
            if (b.length != en.bytes()) {
                throw new ModelFileException(file, "entry " + en.name() + " is corrupted: " + b.length
                        + " bytes, the manifest says " + en.bytes() + "; use an intact copy");
            }
            String sha = Sha256.of(b);
            if (!sha.equals(en.sha256())) {
                throw new ModelFileException(file, "entry " + en.name() + " is corrupted: sha256 expected "
                        + en.sha256() + ", got " + sha + "; use an intact copy");
            }
            bytes.put(en.name(), b);
        }
        for (String r : REQUIRED) {
            if (!bytes.containsKey(r)) {
                throw new ModelFileException(file, "lacks the required entry " + r);
            }
        }
        SavedModel.Kind kind;
        try {
            kind = SavedModel.Kind.fromId(manifest.kind());
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, MANIFEST + ": " + e.getMessage(), e);
        }
        NetworkSpec netSpec = bind(file, NETWORK, json(file, NETWORK, bytes), NetworkSpec.class);
        AlgorithmSpec algo = bind(file, ALGORITHM, json(file, ALGORITHM, bytes), AlgorithmSpec.class);
        BlobLayout layout = bind(file, PARAMETERS_JSON, json(file, PARAMETERS_JSON, bytes), BlobLayout.class);
        ParamSet params = params(file, layout, bytes.get(PARAMETERS_BIN));
        Map<String, Object> config = bind(file, CONFIG, json(file, CONFIG, bytes), new TypeReference<>() { });
        Provenance prov = bind(file, PROVENANCE, json(file, PROVENANCE, bytes), Provenance.class);
        List<String> classes = bytes.containsKey(CLASSES)
                ? bind(file, CLASSES, json(file, CLASSES, bytes), new TypeReference<List<String>>() { }) : List.of();
        SavedModel.OptimizerSnapshot opt = bytes.containsKey(OPTIMIZER_JSON) ? optimizer(file, bytes) : null;
        SavedModel.TrainingProgress progress = bytes.containsKey(TRAINING)
                ? bind(file, TRAINING, json(file, TRAINING, bytes), SavedModel.TrainingProgress.class) : null;
        try {
            Network network = netSpec.toNetwork();
            network.requireParams(params, "parameters");
            algo.configRecord();
            if (progress != null) {
                algo.restoreState(progress.learnerState());
            }
            return new SavedModel(kind, netSpec, algo, params, config, prov, classes, opt, progress);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, "is inconsistent: " + e.getMessage(), e);
        }
    }

    private static byte[] entry(Path file, ZipFile zip, ZipEntry e) throws ModelFileException {
        try (var in = zip.getInputStream(e)) {
            return in.readAllBytes();
        } catch (IOException ex) {
            throw new ModelFileException(file, "entry " + e.getName() + " is corrupted or truncated ("
                    + ex.getMessage() + "); use an intact copy", ex);
        }
    }

    private static JsonNode json(Path file, String name, Map<String, byte[]> bytes) throws ModelFileException {
        try {
            return Json.parse(new String(bytes.get(name), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ModelFileException(file, "entry " + name + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    private static <T> T bind(Path file, String name, JsonNode node, Class<T> type) throws ModelFileException {
        try {
            return Json.mapper().treeToValue(node, type);
        } catch (IOException | IllegalArgumentException e) {
            throw new ModelFileException(file, "entry " + name + " is invalid: " + rootMessage(e), e);
        }
    }

    private static <T> T bind(Path file, String name, JsonNode node, TypeReference<T> type) throws ModelFileException {
        try {
            return Json.mapper().readerFor(type).readValue(node);
        } catch (IOException | IllegalArgumentException e) {
            throw new ModelFileException(file, "entry " + name + " is invalid: " + rootMessage(e), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable r = e;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        String m = r.getMessage();
        return m == null ? r.toString() : m.lines().findFirst().orElse(m);
    }

    private static DataType dataType(Path file, String name, String dt) throws ModelFileException {
        if ("FLOAT".equals(dt)) {
            return DataType.FLOAT;
        }
        if ("DOUBLE".equals(dt)) {
            return DataType.DOUBLE;
        }
        throw new ModelFileException(file, "entry " + name + " has data type '" + dt + "', expected FLOAT or DOUBLE");
    }

    private static ParamSet params(Path file, BlobLayout layout, byte[] bin) throws ModelFileException {
        DataType dt = dataType(file, PARAMETERS_JSON, layout.dataType());
        if (!"little-endian".equals(layout.byteOrder())) {
            throw new ModelFileException(file, PARAMETERS_JSON + " has byte order '" + layout.byteOrder()
                    + "', expected little-endian");
        }
        Map<String, long[]> specs = new LinkedHashMap<>();
        long total = 0;
        for (TensorSpec t : layout.tensors()) {
            if (t.name() == null || t.shape() == null || specs.containsKey(t.name())) {
                throw new ModelFileException(file, PARAMETERS_JSON + " has an unnamed, shapeless or repeated tensor "
                        + t.name());
            }
            specs.put(t.name(), t.shape());
            long n = 1;
            for (long d : t.shape()) {
                n *= d;
            }
            total += n;
        }
        if (total != layout.length()) {
            throw new ModelFileException(file, PARAMETERS_JSON + " lists tensors of " + total
                    + " values in all but a length of " + layout.length());
        }
        INDArray flat = unblob(file, PARAMETERS_BIN, bin, dt, total);
        try {
            ParamSet p = ParamSet.zeros(specs, dt);
            p.flat().assign(flat);
            return p;
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, PARAMETERS_JSON + " is invalid: " + e.getMessage(), e);
        }
    }

    private static INDArray unblob(Path file, String name, byte[] bin, DataType dt, long length)
            throws ModelFileException {
        int width = dt == DataType.DOUBLE ? Double.BYTES : Float.BYTES;
        if (bin == null || bin.length != length * width) {
            throw new ModelFileException(file, "entry " + name + " must hold " + length + " " + dt + " values ("
                    + length * width + " bytes), got " + (bin == null ? 0 : bin.length) + " bytes");
        }
        ByteBuffer buf = ByteBuffer.wrap(bin).order(ByteOrder.LITTLE_ENDIAN);
        if (dt == DataType.DOUBLE) {
            double[] v = new double[(int) length];
            buf.asDoubleBuffer().get(v);
            return Nd4j.createFromArray(v);
        }
        float[] v = new float[(int) length];
        buf.asFloatBuffer().get(v);
        return Nd4j.createFromArray(v);
    }

    private static SavedModel.OptimizerSnapshot optimizer(Path file, Map<String, byte[]> bytes)
            throws ModelFileException {
        OptimizerEntry oe = bind(file, OPTIMIZER_JSON, json(file, OPTIMIZER_JSON, bytes), OptimizerEntry.class);
        JsonNode u = oe.updater();
        String cls = u == null ? "" : u.path("@class").asText();
        if (!cls.startsWith(UPDATER_PACKAGE)) {
            throw new ModelFileException(file, OPTIMIZER_JSON + " names updater class '" + cls + "'; only ND4J's "
                    + UPDATER_PACKAGE + "* updaters are read");
        }
        IUpdater updater;
        try {
            updater = Json.mapper().treeToValue((ObjectNode) u, IUpdater.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new ModelFileException(file, OPTIMIZER_JSON + " is invalid: " + rootMessage(e), e);
        }
        INDArray state = null;
        if (oe.stateLength() > 0) {
            DataType dt = dataType(file, OPTIMIZER_JSON, oe.dataType());
            state = unblob(file, OPTIMIZER_BIN, bytes.get(OPTIMIZER_BIN), dt, oe.stateLength()).reshape(1,
                    oe.stateLength());
        }
        return new SavedModel.OptimizerSnapshot(updater, state);
    }
}
