package org.dl4jmeta.app.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.dl4jmeta.algorithm.BiMaml;
import org.dl4jmeta.algorithm.LearnerTypes;
import org.dl4jmeta.app.CliRun;
import org.dl4jmeta.io.Json;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SavedModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * The app finds learners through the registry: {@code --algo} lists the registered ones, a learner it does not know
 * trains, resumes and evaluates with {@code --algo-config} for its own settings, built-in flags stay shortcuts, and
 * a run folder written before learners were registered (BI-MAML in phase 2, test resources {@code legacy/}) resumes,
 * to rounding, as the current code's uninterrupted run (whose own resumption is exact).
 */
class RegisteredLearnersTest {

    static final String[] LEGACY_FLAGS = {"train", "--dataset", "synthetic", "--ways", "3", "--shots", "1",
        "--queries", "2", "--filters", "2", "--blocks", "1", "--meta-batch-size", "2", "--algo", "bimaml",
        "--bimaml-epsilon0", "1e6", "--meta-lr", "0.01", "--val-every", "0", "--checkpoint-every", "0",
        "--log-every", "1", "--dtype", "double", "--threads", "1"};

    @BeforeAll
    static void register() {
        LearnerTypes.register(new DampedReptile.Type());
    }

    static String[] with(String[] base, String... more) {
        return Stream.concat(Stream.of(base), Stream.of(more)).toArray(String[]::new);
    }

    static double[] theta(Path model) throws Exception {
        return ModelFile.read(model).parameters().flat().toDoubleVector();
    }

    /** Equal to within 1e-10 of the largest magnitude: rounding (amplified by Adam), not another computation. */
    static void assertClose(double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length);
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(scale > 0 && worst <= 1e-10 * scale, "differs by " + worst + " (largest " + scale + ")");
    }

    @Test
    void aRunFolderWrittenBeforeRegistrationResumesExactly(@TempDir Path dir) throws Exception {
        Path legacy = Path.of(RegisteredLearnersTest.class.getResource("/legacy/v1-train-bimaml").toURI());
        Path run = dir.resolve("run");
        Files.createDirectories(run);
        for (String f : List.of("config.json", "checkpoint.zip", "model.zip")) {
            Files.copy(legacy.resolve(f), run.resolve(f));
        }
        CliRun three = Jobs.run(with(LEGACY_FLAGS, "--iterations", "3", "--run-dir", dir.resolve("three").toString()));
        assertEquals(0, three.code(), three.all());
        // the current code's three iterations give the old checkpoint's parameters, to rounding: since 3ba869b batch
        // norm sums per channel in another order (bit for bit before)
        assertClose(theta(legacy.resolve("checkpoint.zip")), theta(dir.resolve("three/checkpoint.zip")));

        CliRun resumed = Jobs.run("train", "--resume", "--run-dir", run.toString(), "--iterations", "5");
        assertEquals(0, resumed.code(), resumed.all());
        CliRun straight = Jobs.run(with(LEGACY_FLAGS, "--iterations", "5", "--run-dir",
                dir.resolve("straight").toString()));
        assertEquals(0, straight.code(), straight.all());
        assertClose(theta(dir.resolve("straight/model.zip")), theta(run.resolve("model.zip")));
        // and the current code's own three iterations, resumed, continue bit for bit as the straight run
        CliRun again = Jobs.run("train", "--resume", "--run-dir", dir.resolve("three").toString(), "--iterations", "5");
        assertEquals(0, again.code(), again.all());
        assertArrayEquals(theta(dir.resolve("straight/model.zip")), theta(dir.resolve("three/model.zip")), 0.0);
        SavedModel ckpt = ModelFile.read(run.resolve("checkpoint.zip"));
        assertEquals(new BiMaml.State(2, 1), ckpt.restoreTrainingState().learnerState());
        JsonNode config = Json.parse(Files.readString(run.resolve("config.json")));
        assertTrue(config.get("algorithmConfig").isObject() && config.get("algorithmConfig").isEmpty(),
                config.toString());
    }

    @Test
    void theHelpListsTheRegisteredLearners() {
        CliRun help = Jobs.run("train", "--help");
        for (String name : List.of("maml", "fomaml", "reptile", "imaml", "hfmaml", "bimaml", "damped-reptile")) {
            assertTrue(help.out().contains(name), name + " missing from: " + help.out());
        }
    }

    @Test
    void aLearnerTheAppDoesNotKnowTrainsResumesAndEvaluates(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("user");
        CliRun r = Jobs.run(Jobs.args(Jobs.tiny(run, "--algo", "damped-reptile", "--iterations", "2",
                "--dtype", "double", "--threads", "2")));
        assertEquals(0, r.code(), r.all());
        CliRun damped = Jobs.run(with(Jobs.args(Jobs.tiny(dir.resolve("damped"), "--algo", "damped-reptile",
                "--iterations", "2", "--dtype", "double")), "--algo-config", "damping=0.5"));
        assertEquals(0, damped.code(), damped.all());
        SavedModel m = ModelFile.read(dir.resolve("damped/model.zip"));
        assertEquals("damped-reptile", m.algorithm().type());
        assertEquals(0.5, ((Number) m.algorithm().config().get("damping")).doubleValue(), 0.0);
        assertEquals(Map.of("damping", 0.5), Json.mapper().convertValue(
                Json.parse(Files.readString(dir.resolve("damped/config.json"))).get("algorithmConfig"), Map.class));

        CliRun more = Jobs.run("train", "--resume", "--run-dir", dir.resolve("damped").toString(), "--iterations",
                "3");
        assertEquals(0, more.code(), more.all());
        CliRun straight = Jobs.run(with(Jobs.args(Jobs.tiny(dir.resolve("straight"), "--algo", "damped-reptile",
                "--iterations", "3", "--dtype", "double")), "--algo-config", "damping=0.5"));
        assertEquals(0, straight.code(), straight.all());
        assertArrayEquals(theta(dir.resolve("straight/model.zip")), theta(dir.resolve("damped/model.zip")), 0.0);

        CliRun eval = Jobs.run("eval", "--model", dir.resolve("damped/model.zip").toString(), "--episodes", "4");
        assertEquals(0, eval.code(), eval.all());
        assertTrue(eval.lastLine().matches("accuracy=\\d\\.\\d{4} ci95=\\d\\.\\d{4} episodes=4"), eval.lastLine());
    }

    @Test
    void builtInFlagsAreShortcutsAndAlgoConfigSetsAnyField(@TempDir Path dir) throws Exception {
        CliRun r = Jobs.run(with(Jobs.args(Jobs.tiny(dir.resolve("i"), "--algo", "imaml", "--iterations", "1",
                "--inner-steps", "2", "--imaml-lambda", "3")), "--algo-config", "cgIterations=2,cgDamping=0.1"));
        assertEquals(0, r.code(), r.all());
        Map<String, Object> c = ModelFile.read(dir.resolve("i/model.zip")).algorithm().config();
        assertEquals(3.0, ((Number) c.get("lambda")).doubleValue(), 0.0);
        assertEquals(2, ((Number) c.get("cgIterations")).intValue());
        assertEquals(0.1, ((Number) c.get("cgDamping")).doubleValue(), 0.0);
        assertEquals(2, ((Number) c.get("innerSteps")).intValue());

        CliRun typo = Jobs.run(with(Jobs.args(Jobs.tiny(dir.resolve("t"), "--algo", "imaml")), "--algo-config",
                "lamda=3"));
        assertEquals(2, typo.code(), typo.all());
        assertTrue(typo.err().contains("lamda"), typo.err());
        CliRun misplaced = Jobs.run(Jobs.args(Jobs.tiny(dir.resolve("m"), "--algo", "reptile", "--imaml-lambda",
                "3")));
        assertEquals(2, misplaced.code(), misplaced.all());
        assertTrue(misplaced.err().contains("imamlLambda sets imaml's lambda, but algorithm is reptile"),
                misplaced.err());
        CliRun unknown = Jobs.run(Jobs.args(Jobs.tiny(dir.resolve("u"), "--algo", "protonet")));
        assertEquals(2, unknown.code(), unknown.all());
        assertTrue(unknown.err().contains("'protonet'") && unknown.err().contains("damped-reptile"), unknown.err());
    }
}
