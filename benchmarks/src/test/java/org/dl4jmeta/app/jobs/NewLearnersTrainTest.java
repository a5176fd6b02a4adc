package org.dl4jmeta.app.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.app.CliRun;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.optim.CosineSchedule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.learning.config.Adam;

/**
 * {@code train --algo anil|metasgd|maml++} each train a few iterations on synthetic tasks, save a model whose learner
 * and learned tensors load back and evaluate; MAML++'s options are flags one by one; a maml++ run with every option
 * and the cosine schedule resumes bit for bit; a MAML++ flag on another learner is refused, naming it.
 */
class NewLearnersTrainTest {

    static List<String> run(Path dir, String... more) {
        return Jobs.tiny(dir, more);
    }

    static String[] with(String[] a, String... b) {
        return java.util.stream.Stream.concat(java.util.Arrays.stream(a), java.util.Arrays.stream(b))
                .toArray(String[]::new);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"anil", "metasgd", "maml++"})
    void trainsSavesLoadsAndEvaluates(String algo, @TempDir Path dir) throws Exception {
        CliRun r = Jobs.run(Jobs.args(run(dir.resolve("r"), "--algo", algo, "--iterations", "3", "--inner-steps", "2",
                "--inner-step-size", "0.3", "--dtype", "double", "--threads", "1")));
        assertEquals(0, r.code(), r.all());
        SavedModel m = ModelFile.read(dir.resolve("r/model.zip"));
        assertEquals(algo.equals("maml++") ? "maml" : algo, m.algorithm().type());
        List<String> names = m.parameters().names();
        switch (algo) {
            case "metasgd" -> assertTrue(names.contains("metasgd/conv1/W"), names.toString());
            case "maml++" -> assertTrue(names.contains("alpha/step1/conv2/W") && names.contains("bn/step1/bn1/gamma"),
                    names.toString());
            default -> assertEquals(m.createLearner().network().paramNames(), names);
        }
        // the learner and its learned tensors come back from the file and adapt
        assertEquals(m.algorithm(), org.dl4jmeta.io.AlgorithmSpec.of(m.createLearner()));
        CliRun eval = Jobs.run("eval", "--model", dir.resolve("r/model.zip").toString(), "--episodes", "3");
        assertEquals(0, eval.code(), eval.all());
        assertTrue(eval.lastLine().matches("accuracy=\\d\\.\\d{4} ci95=\\d\\.\\d{4} episodes=3"), eval.lastLine());
    }

    @Test
    void mamlPlusPlusOptionsAreFlagsOneByOne(@TempDir Path dir) throws Exception {
        String[][] options = {{"--per-step-bn"}, {"--multi-step-loss-epochs", "2", "--epoch-iterations", "1"},
            {"--first-order-iterations", "1"}, {"--learned-step-sizes"}};
        String[] fields = {"perStepBatchNorm", "multiStepLossEpochs", "firstOrderIterations", "learnInnerStepSizes"};
        for (int i = 0; i < options.length; i++) {
            List<String> a = run(dir.resolve("o" + i), "--algo", "maml", "--iterations", "2", "--inner-steps", "2",
                    "--threads", "1");
            a.addAll(List.of(options[i]));
            CliRun r = Jobs.run(Jobs.args(a));
            assertEquals(0, r.code(), r.all());
            Map<String, Object> c = ModelFile.read(dir.resolve("o" + i + "/model.zip")).algorithm().config();
            assertEquals(i == 3, c.get("learnInnerStepSizes"), c.toString());
            for (int j = 0; j < 3; j++) {
                assertEquals(i == j, c.containsKey(fields[j]), fields[j] + ": " + c);
            }
        }
        CliRun cosine = Jobs.run(Jobs.args(run(dir.resolve("c"), "--algo", "fomaml", "--iterations", "2",
                "--meta-lr-schedule", "cosine", "--meta-lr-period", "4", "--meta-lr-min", "0.001", "--threads", "1")));
        assertEquals(0, cosine.code(), cosine.all());
        SavedModel ckpt = ModelFile.read(dir.resolve("c/checkpoint.zip"));
        assertEquals(new Adam(new CosineSchedule(0.01, 0.001, 4)), ckpt.optimizer().updater());

        List<String> anil = run(dir.resolve("m"), "--algo", "anil");
        anil.add("--per-step-bn");
        CliRun misplaced = Jobs.run(Jobs.args(anil));
        assertEquals(2, misplaced.code(), misplaced.all());
        assertTrue(misplaced.err().contains("perStepBatchNorm sets maml's perStepBatchNorm, but algorithm is anil"),
                misplaced.err());
        CliRun badMin = Jobs.run(Jobs.args(run(dir.resolve("b"), "--meta-lr-schedule", "cosine", "--meta-lr-min",
                "0.5")));
        assertEquals(2, badMin.code(), badMin.all());
        assertTrue(badMin.err().contains("metaLrMin must be in [0, metaLr 0.01] with the cosine schedule, got 0.5"),
                badMin.err());
    }

    @Test
    void mamlPlusPlusWithCosineResumesExactly(@TempDir Path dir) throws Exception {
        String[] flags = {"--algo", "maml++", "--inner-steps", "2", "--inner-step-size", "0.3",
            "--multi-step-loss-epochs", "2", "--epoch-iterations", "1", "--first-order-iterations", "2",
            "--meta-lr-schedule", "cosine", "--meta-lr-period", "4", "--dtype", "double", "--threads", "1"};
        List<String> first = run(dir.resolve("resumed"), with(flags, "--iterations", "2"));
        CliRun half = Jobs.run(Jobs.args(first));
        assertEquals(0, half.code(), half.all());
        CliRun more = Jobs.run("train", "--resume", "--run-dir", dir.resolve("resumed").toString(), "--iterations",
                "4");
        assertEquals(0, more.code(), more.all());
        List<String> straight = run(dir.resolve("straight"), with(flags, "--iterations", "4"));
        CliRun all = Jobs.run(Jobs.args(straight));
        assertEquals(0, all.code(), all.all());
        assertArrayEquals(ModelFile.read(dir.resolve("straight/model.zip")).parameters().flat().toDoubleVector(),
                ModelFile.read(dir.resolve("resumed/model.zip")).parameters().flat().toDoubleVector(), 0.0);
        assertEquals(new Maml.Progress(4), ModelFile.read(dir.resolve("resumed/checkpoint.zip"))
                .restoreTrainingState().learnerState());
    }
}
