package org.dl4jmeta.app.reproduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.app.CliRun;
import org.dl4jmeta.io.Json;
import org.dl4jmeta.io.ModelFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * reproduce: a cell trains on real Omniglot within its budget, is evaluated, and leaves a result file whose numbers
 * the table shows beside the papers'; re-running skips it, a larger budget continues its training; bad input is
 * named. Budgets and settings parse strictly.
 */
class ReproduceCommandTest {

    @Test
    void budgetsAndSettingsParseStrictly() {
        assertEquals(1.5, Budget.parse("90s").minutes(), 1e-12);
        assertEquals(12, Budget.parse("12m").minutes(), 0);
        assertEquals(90, Budget.parse("1.5h").minutes(), 0);
        Budget it = Budget.parse("500it");
        assertEquals(500, it.iterations());
        assertFalse(it.timed());
        for (String bad : List.of("12", "m", "0m", "1.5it", "-3m", "10 min")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Budget.parse(bad));
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
        assertEquals(new Setting(20, 1), Setting.parse("20w1s"));
        assertEquals("20-way 1-shot", Setting.parse("20w1s").title());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Setting.parse("5way"));
        assertTrue(e.getMessage().contains("'5way'") && e.getMessage().contains("5w1s"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Setting.parse("1w1s"));
        e = assertThrows(IllegalArgumentException.class, () -> OmniglotAlgorithm.parse("maml2"));
        assertTrue(e.getMessage().contains("'maml2'") && e.getMessage().contains("imaml-hf"), e.getMessage());
    }

    @Test
    void recipesFollowThePapers() {
        assertEquals(1, OmniglotAlgorithm.parse("maml").recipe(new Setting(5, 1)).get("innerSteps"));
        assertEquals(5, OmniglotAlgorithm.parse("maml").recipe(new Setting(20, 1)).get("innerSteps"));
        assertEquals(16, OmniglotAlgorithm.parse("maml").recipe(new Setting(20, 5)).get("metaBatchSize"));
        assertEquals(5, OmniglotAlgorithm.parse("fomaml").recipe(new Setting(5, 5)).get("queries"));
        assertEquals("newton-cg", OmniglotAlgorithm.parse("imaml-hf").recipe(new Setting(5, 1)).get("imamlSolver"));
        // issue 20: the released code's damped CG system and unregularised test-time adaptation; 25 steps at 20-way
        Map<?, ?> gd = (Map<?, ?>) OmniglotAlgorithm.parse("imaml-gd").recipe(new Setting(5, 1)).get("algorithmConfig");
        assertEquals(Map.of("cgDamping", 1.0, "cgLambdaDamping", 10.0, "adaptLambda", 0.0), gd);
        assertEquals(25, OmniglotAlgorithm.parse("imaml-gd").recipe(new Setting(20, 1)).get("testInnerSteps"));
        assertEquals(16, OmniglotAlgorithm.parse("imaml-gd").recipe(new Setting(5, 5)).get("innerSteps"));
        assertEquals(95.8, OmniglotAlgorithm.parse("maml").paperAccuracy(new Setting(20, 1)), 0);
        assertTrue(Double.isNaN(OmniglotAlgorithm.parse("maml").paperAccuracy(new Setting(10, 1))));
    }

    @Test
    void theNewLearnersRecipesAreValidTrainConfigurations() {
        // every new row's recipe, in every setting, resolves as a train configuration and builds its learner
        for (String id : List.of("anil", "metasgd", "maml++")) {
            OmniglotAlgorithm a = OmniglotAlgorithm.parse(id);
            assertEquals(id, a.id());
            for (Setting s : Setting.OMNIGLOT) {
                org.nd4j.shade.jackson.databind.node.ObjectNode tree = Json.mapper().valueToTree(a.recipe(s));
                tree.put("dataset", "synthetic").put("runDir", "unused");
                org.dl4jmeta.app.jobs.TrainConfig c = org.dl4jmeta.app.jobs.TrainConfig.resolve(
                        List.of(Map.entry(id, tree)));
                assertEquals(id, c.algorithm());
                c.algorithmSpec();
            }
        }
        Map<String, Object> pp = OmniglotAlgorithm.parse("maml++").recipe(new Setting(5, 1));
        assertEquals(5, pp.get("innerSteps"));
        assertEquals("cosine", pp.get("metaLrSchedule"));
        Map<String, Object> c = org.dl4jmeta.app.jobs.TrainConfig.resolve(List.of(Map.entry("maml++",
                ((org.nd4j.shade.jackson.databind.node.ObjectNode) Json.mapper().valueToTree(pp))
                        .put("dataset", "synthetic")))).algorithmSpec().config();
        // the preset's options stay on, the epochs shortened by the recipe
        assertEquals(true, c.get("learnInnerStepSizes"));
        assertEquals(true, c.get("perStepBatchNorm"));
        assertEquals(10, c.get("multiStepLossEpochs"));
        assertEquals(20, c.get("epochIterations"));
        assertEquals(1000, c.get("firstOrderIterations"));
        assertEquals(99.47, OmniglotAlgorithm.parse("maml++").paperAccuracy(new Setting(5, 1)), 0);
        assertEquals(95.93, OmniglotAlgorithm.parse("metasgd").paperAccuracy(new Setting(20, 1)), 0);
        assertTrue(Double.isNaN(OmniglotAlgorithm.parse("anil").paperAccuracy(new Setting(5, 1))));
        assertEquals(96.2, OmniglotAlgorithm.parse("anil").paperAccuracy(new Setting(20, 1)), 0);
    }

    @Test
    void aCellTrainsEvaluatesAndIsReportedThenSkippedThenContinued(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("omniglot");
        String[] args = {"reproduce", "--table", "omniglot", "--budget", "2it", "--algorithms", "fomaml",
            "--settings", "5w1s", "--episodes", "3", "--eval-queries", "2", "--meta-batch-size", "2", "--threads",
            "1", "--data-dir", org.dl4jmeta.app.SharedData.omniglot().toString(), "--out", out.toString()};
        CliRun r = CliRun.run(args);
        assertEquals(0, r.code(), r.all());
        Path result = out.resolve("omniglot-5w1s-fomaml-seed1.json");
        JsonNode j = Json.parse(Files.readString(result));
        assertEquals("done", j.get("status").asText());
        assertEquals(2, j.get("training").get("iterations").asInt());
        assertEquals("iterations", j.get("training").get("endedBy").asText());
        assertEquals(2, j.get("trainConfig").get("metaBatchSize").asInt());
        assertEquals(1, j.get("trainConfig").get("queries").asInt(), "Finn et al.: K queries per class in training");
        assertEquals(3, j.get("episodes").asInt());
        assertEquals(3, j.get("testInnerSteps").asInt());
        assertEquals(98.3, j.get("paperAccuracy").asDouble(), 0);
        assertFalse(j.get("provenance").get("commit").asText().isEmpty());
        // the result's own provenance spans the cell: from training's first start to the end of its evaluation,
        // and checksums the data files that training and evaluation read
        JsonNode prov = j.get("provenance");
        String firstStart = j.get("training").get("firstStart").asText();
        assertEquals(firstStart, prov.get("start").asText());
        assertTrue(java.time.Instant.parse(prov.get("end").asText()).isAfter(java.time.Instant.parse(firstStart)),
                prov.toString());
        assertTrue(java.time.Instant.parse(prov.get("end").asText()).compareTo(java.time.Instant.parse(
                j.get("evalProvenance").get("end").asText())) >= 0, "ends after the evaluation: " + prov);
        assertEquals("aa3dd606ba74354a2afbacbb89a457bcb60b4848bf22a23cbd3965ea49117fb9",
                prov.get("dataChecksums").get("images_background.zip").asText(), prov.toString());
        for (String split : new String[] {"train", "test"}) {
            assertTrue(prov.get("dataChecksums").path("splits/vinyals/" + split + ".txt").asText()
                    .matches("[0-9a-f]{64}"), prov.toString());
        }
        double acc = j.get("accuracy").asDouble();
        assertTrue(acc >= 0 && acc <= 1, "accuracy " + acc);
        JsonNode ev = Json.parse(Files.readString(Path.of(j.get("evalFile").asText())));
        assertEquals(acc, ev.get("accuracy").asDouble(), 0, "the result carries the evaluation's number");

        // the untrained baseline: the seeded initialisation training started from, on the same test episodes
        JsonNode base = j.get("baseline");
        JsonNode baseEval = Json.parse(Files.readString(Path.of(base.get("evalFile").asText())));
        assertEquals(base.get("accuracy").asDouble(), baseEval.get("accuracy").asDouble(), 0);
        assertEquals(ev.get("config").get("seed"), baseEval.get("config").get("seed"));
        assertEquals(3, baseEval.get("episodes").asInt());
        assertEquals(3, base.get("testInnerSteps").asInt());
        org.dl4jmeta.io.SavedModel init = ModelFile.read(out.resolve("runs/5w1s-fomaml-seed1/init.zip"));
        org.dl4jmeta.model.ParamSet theta0 = init.createLearner().initialise(1, init.parameters().dataType());
        assertEquals(theta0.flat(), init.parameters().flat(), "the learner's initialisation with the cell's seed");
        assertTrue(!init.parameters().flat().equals(ModelFile.read(out.resolve("runs/5w1s-fomaml-seed1/model.zip"))
                .parameters().flat()), "training moved the parameters");

        String table = Files.readString(out.resolve(ReproduceCommand.TABLE_FILE));
        String cell = OmniglotTable.fmt(100 * acc, 2) + " ± " + OmniglotTable.fmt(100 * j.get("ci95").asDouble(), 2)
                + " (2it, 2 it.; untrained " + OmniglotTable.fmt(100 * base.get("accuracy").asDouble(), 2) + " ± "
                + OmniglotTable.fmt(100 * base.get("ci95").asDouble(), 2) + ")";
        assertTrue(table.contains("| first-order MAML, dl4j-meta | " + cell + " | not run |"), table);
        assertTrue(table.contains("| first-order MAML, paper | 98.30 | 99.20 | 89.40 | 97.90 |"), table);
        assertTrue(table.contains("| MAML, dl4j-meta | not run | not run | not run | not run |"), table);

        // the same command again: nothing retrained
        Path ckpt = out.resolve("runs/5w1s-fomaml-seed1/checkpoint.zip");
        FileTime before = Files.getLastModifiedTime(ckpt);
        CliRun again = CliRun.run(args);
        assertEquals(0, again.code(), again.all());
        assertTrue(again.err().contains("already done"), again.err());
        assertEquals(before, Files.getLastModifiedTime(ckpt));

        // a larger budget continues the same run from its checkpoint
        args[4] = "3it";
        CliRun more = CliRun.run(args);
        assertEquals(0, more.code(), more.all());
        JsonNode k = Json.parse(Files.readString(result));
        assertEquals("3it", k.get("budget").asText());
        assertEquals(3, k.get("training").get("iterations").asInt());
        assertEquals(3, ModelFile.read(ckpt).progress().iteration());
        assertEquals(firstStart, k.get("provenance").get("start").asText(), "the start of the first session");
    }

    @Test
    void badInputIsNamed(@TempDir Path dir) {
        CliRun table = CliRun.run("reproduce", "--table", "mnist", "--budget", "1m", "--out", dir.toString());
        assertEquals(2, table.code(), table.all());
        assertTrue(table.err().contains("--table must be omniglot") && table.err().contains("'mnist'"), table.err());
        CliRun budget = CliRun.run("reproduce", "--table", "omniglot", "--budget", "ten", "--out", dir.toString());
        assertEquals(2, budget.code(), budget.all());
        assertTrue(budget.err().contains("'ten'"), budget.err());
        CliRun data = CliRun.run("reproduce", "--table", "omniglot", "--budget", "1m", "--data-dir",
                dir.resolve("nowhere").toString(), "--out", dir.toString());
        assertEquals(2, data.code(), data.all());
        assertTrue(data.err().contains("nowhere") && data.err().contains("is not a folder"), data.err());
        CliRun algo = CliRun.run("reproduce", "--table", "omniglot", "--budget", "1m", "--algorithms", "maml,sgd",
                "--out", dir.toString());
        assertEquals(2, algo.code(), algo.all());
        assertTrue(algo.err().contains("'sgd'"), algo.err());
    }
}
