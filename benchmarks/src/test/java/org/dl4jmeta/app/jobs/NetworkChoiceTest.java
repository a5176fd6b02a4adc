package org.dl4jmeta.app.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.dl4jmeta.app.CliRun;
import org.dl4jmeta.app.SharedData;
import org.dl4jmeta.io.Json;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.NetworkSpec;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.ResNet12;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * {@code --network}: the resolver builds Conv-4 as before and ResNet-12 at the given widths and refuses anything
 * else listing the choices; {@code train --network resnet12} meta-trains a narrow ResNet-12 on a few Omniglot
 * characters and saves it, {@code eval} checks a model's network against {@code --network} and evaluates it with
 * batch norm from the query batch or from the support set, recording the mode.
 */
class NetworkChoiceTest {

    @Test
    void builtInChoicesBuildTheirNetworksAndOthersAreRefused() {
        NetworkChoice.Target omniglot = new NetworkChoice.Target(new long[] {1, 28, 28}, 5, 64, 4,
                DataSets.downsampling("omniglot", 28));
        assertEquals(NetworkSpec.of(Conv4.omniglot(5)).layers(),
                NetworkSpec.of(NetworkChoice.of("conv4", null).build(omniglot)).layers());
        NetworkChoice.Target mini = new NetworkChoice.Target(new long[] {3, 84, 84}, 5, 32, 4,
                DataSets.downsampling("miniimagenet", 84));
        assertEquals(NetworkSpec.of(Conv4.miniImageNet(5)).layers(),
                NetworkSpec.of(NetworkChoice.of("conv4", null).build(mini)).layers());
        assertEquals(NetworkSpec.of(ResNet12.miniImageNet(5)).layers(),
                NetworkSpec.of(NetworkChoice.of("resnet12", null).build(mini)).layers());
        assertEquals(List.of(2, 3, 4, 5), NetworkChoice.of("resnet12", List.of(2, 3, 4, 5)).resnetWidths());
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
                () -> NetworkChoice.of("resnet18", null));
        assertTrue(other.getMessage().contains("'resnet18'") && other.getMessage().contains("conv4, resnet12"),
                other.getMessage());
        IllegalArgumentException widths = assertThrows(IllegalArgumentException.class,
                () -> NetworkChoice.of("resnet12", List.of(64, 160)));
        assertTrue(widths.getMessage().contains("[64, 160]"), widths.getMessage());
        CliRun bad = Jobs.run(Jobs.args(Jobs.tiny(Path.of("runs/never"), "--network", "wide-resnet")));
        assertEquals(2, bad.code(), bad.all());
        assertTrue(bad.err().contains("'wide-resnet'") && bad.err().contains("conv4, resnet12"), bad.err());
    }

    /** A data folder with the official zips (linked) and split files of a few characters each. */
    static Path fewCharacters(Path dir) throws IOException {
        Path data = Files.createDirectories(dir.resolve("omniglot"));
        Path shared = SharedData.omniglot();
        for (String zip : List.of("images_background.zip", "images_evaluation.zip")) {
            Files.createSymbolicLink(data.resolve(zip), shared.resolve(zip));
        }
        Files.createDirectories(data.resolve("splits/vinyals"));
        for (String split : List.of("train", "val", "test")) {
            List<String> lines = Files.readAllLines(shared.resolve("splits/vinyals/" + split + ".txt"));
            Files.write(data.resolve("splits/vinyals/" + split + ".txt"), lines.subList(0, 8));
        }
        return data;
    }

    @Test
    void trainAndEvalTakeResNet12(@TempDir Path dir) throws IOException {
        Path data = fewCharacters(dir);
        Path run = dir.resolve("run");
        CliRun t = Jobs.run("train", "--dataset", "omniglot", "--data-dir", data.toString(), "--network", "resnet12",
                "--resnet-widths", "2,3,4,5", "--ways", "3", "--shots", "1", "--queries", "1", "--algo", "maml",
                "--inner-steps", "1", "--test-inner-steps", "1", "--meta-batch-size", "2", "--iterations", "3",
                "--val-every", "0", "--checkpoint-every", "0", "--log-every", "1", "--threads", "1",
                "--run-dir", run.toString());
        assertEquals(0, t.code(), t.all());
        JsonNode cfg = Json.parse(Files.readString(run.resolve("config.json")));
        assertEquals("resnet12", cfg.get("network").asText());
        assertEquals("[2,3,4,5]", cfg.get("resnetWidths").toString());
        SavedModel m = ModelFile.read(run.resolve("model.zip"));
        assertEquals(NetworkSpec.of(ResNet12.build(new long[] {1, 28, 28}, List.of(2, 3, 4, 5), 3)).layers(),
                NetworkSpec.of(m.buildNetwork()).layers());
        assertEquals(3, ModelFile.read(run.resolve("checkpoint.zip")).progress().iteration());

        String model = run.resolve("model.zip").toString();
        CliRun trans = Jobs.run("eval", "--model", model, "--episodes", "4", "--network", "resnet12", "--threads", "1");
        assertEquals(0, trans.code(), trans.all());
        CliRun support = Jobs.run("eval", "--model", model, "--episodes", "4", "--batch-norm", "support",
                "--threads", "1");
        assertEquals(0, support.code(), support.all());
        assertTrue(support.out().contains("batch_norm=support"), support.out());
        JsonNode s = Json.parse(Files.readString(run.resolve("model.eval-omniglot-test-seed1-bn-support.json")));
        assertEquals("support", s.get("batchNorm").asText());
        assertEquals("support", s.get("config").get("batchNorm").asText());
        assertEquals("support", s.get("provenance").get("config").get("batchNorm").asText());
        JsonNode tr = Json.parse(Files.readString(run.resolve("model.eval-omniglot-test-seed1.json")));
        assertEquals("transductive", tr.get("batchNorm").asText());
        assertEquals(tr.get("perEpisode").size(), s.get("perEpisode").size());

        CliRun conv4 = Jobs.run("eval", "--model", model, "--episodes", "1", "--network", "conv4", "--out",
                dir.resolve("x.json").toString());
        assertEquals(2, conv4.code(), conv4.all());
        assertTrue(conv4.err().contains("--network conv4"), conv4.err());
        CliRun wider = Jobs.run("eval", "--model", model, "--episodes", "1", "--network", "resnet12",
                "--resnet-widths", "64,160,320,640", "--out", dir.resolve("y.json").toString());
        assertEquals(2, wider.code(), wider.all());
        assertTrue(wider.err().contains("--resnet-widths 64,160,320,640"), wider.err());
        CliRun mode = Jobs.run("eval", "--model", model, "--episodes", "1", "--batch-norm", "running");
        assertEquals(2, mode.code(), mode.all());
        assertTrue(mode.err().contains("'running'") && mode.err().contains("transductive, support"), mode.err());
    }
}
