package org.dl4jmeta.app.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.dl4jmeta.dl4j.Dl4jImport;
import org.dl4jmeta.dl4j.ImportedNetwork;
import org.dl4jmeta.io.NetworkSpec;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ResNet12;

/**
 * The network a command meta-learns, as {@code --network} names it: {@code conv4} (the Conv-4 of Vinyals et al.
 * 2016 and Finn et al. 2017, shaped by the data set and {@code --filters}, {@code --blocks}) or {@code resnet12}
 * (MetaOptNet's ResNet-12, {@link ResNet12}, widths {@code --resnet-widths}). {@link #of} is the one place that
 * turns the flag's value into a network, for {@code train}, {@code eval}, {@code bench} and {@code gradcheck}
 * alike. Any other value is a file: a DL4J configuration JSON ({@code MultiLayerConfiguration} or
 * {@code ComputationGraphConfiguration}) or a {@code ModelSerializer} zip, imported by
 * {@link Dl4jImport#load(Path, long[])} with the episodes' input shape; a zip's trained parameters are the
 * initialisation of meta-training ({@link #pretrained}). Immutable.
 */
public final class NetworkChoice {

    /** The built-in networks, as {@code --network} names them. */
    public static final List<String> NAMES = List.of("conv4", "resnet12");

    private final String value;
    private final List<Integer> resnetWidths;
    private final Function<Target, Network> builder;
    private final Path file;

    /**
     * What a command knows about the network it needs: the episodes' input and ways, and the Conv-4 settings of
     * its data set.
     *
     * @param inputShape per-example input [c, h, w]
     * @param ways classes N (the head's outputs)
     * @param conv4Filters Conv-4 filters per block
     * @param conv4Blocks Conv-4 blocks
     * @param conv4Downsampling Conv-4 down-sampling (stride on Omniglot, max-pool on Mini-ImageNet)
     */
    public record Target(long[] inputShape, int ways, int conv4Filters, int conv4Blocks,
                         Conv4.Downsampling conv4Downsampling) {

        /** @throws NullPointerException if the input shape or down-sampling is null */
        public Target {
            inputShape = Objects.requireNonNull(inputShape, "inputShape").clone();
            Objects.requireNonNull(conv4Downsampling, "conv4Downsampling");
        }

        @Override
        public long[] inputShape() {
            return inputShape.clone();
        }
    }

    private NetworkChoice(String value, List<Integer> resnetWidths, Function<Target, Network> builder, Path file) {
        this.value = value;
        this.resnetWidths = resnetWidths;
        this.builder = builder;
        this.file = file;
    }

    /**
     * Resolves {@code --network}.
     *
     * @param value {@code conv4}, {@code resnet12} or the path of a DL4J configuration JSON or model zip
     * @param resnetWidths ResNet-12's four block widths (used by {@code resnet12})
     * @return the choice
     * @throws IllegalArgumentException naming the value and the choices, or bad widths
     */
    public static NetworkChoice of(String value, List<Integer> resnetWidths) {
        List<Integer> widths = resnetWidths == null ? ResNet12.WIDTHS : List.copyOf(resnetWidths);
        if (widths.size() != 4 || widths.stream().anyMatch(w -> w == null || w < 1)) {
            throw new IllegalArgumentException("--resnet-widths must be four widths >= 1, e.g. 64,160,320,640, got "
                    + widths);
        }
        if ("conv4".equals(value)) {
            return new NetworkChoice(value, widths, t -> Conv4.build(t.inputShape(), t.conv4Filters(),
                    t.conv4Downsampling(), t.conv4Blocks(), t.ways()), null);
        }
        if ("resnet12".equals(value)) {
            return new NetworkChoice(value, widths, t -> ResNet12.build(t.inputShape(), widths, t.ways()), null);
        }
        Path f = value == null ? null : Path.of(value);
        if (f == null || !Files.isRegularFile(f)) {
            throw new IllegalArgumentException("--network must be one of " + String.join(", ", NAMES) + " or a DL4J "
                    + "configuration JSON or ModelSerializer zip that exists, got '" + value + "'");
        }
        return new NetworkChoice(value, widths, t -> imported(f, t).network(), f);
    }

    /** Imports the file for the target's input and checks that its outputs are the target's ways. */
    private static ImportedNetwork imported(Path f, Target t) {
        ImportedNetwork n;
        try {
            n = Dl4jImport.load(f, t.inputShape());
        } catch (IOException e) {
            throw new IllegalArgumentException("--network " + f + " cannot be read: " + e.getMessage(), e);
        }
        if (n.network().outputs() != t.ways()) {
            throw new IllegalArgumentException("--network " + f + " has " + n.network().outputs() + " outputs but "
                    + "the episodes are " + t.ways() + "-way; give --ways " + n.network().outputs() + " or a network "
                    + "with " + t.ways() + " outputs");
        }
        return n;
    }

    /**
     * @param target the command's input and ways
     * @return the trained parameters of a {@code ModelSerializer} zip given as {@code --network}, the
     *     initialisation of meta-training; empty for the built-in networks and configuration files
     */
    public Optional<ParamSet> pretrained(Target target) {
        return file == null ? Optional.empty() : Optional.ofNullable(imported(file, target).parameters());
    }

    /**
     * For commands whose input is theirs to choose ({@code gradcheck}, {@code bench}): a DL4J file's network at its
     * own input shape and outputs (its configuration must tell the input: {@code setInputType}), a built-in network
     * at the target.
     *
     * @param target the command's default input, ways and Conv-4 settings
     * @return the network
     * @throws IllegalArgumentException if the file cannot be imported (named)
     */
    public Network buildAtOwnInput(Target target) {
        if (file == null) {
            return build(target);
        }
        try {
            return Dl4jImport.load(file).network();
        } catch (IOException e) {
            throw new IllegalArgumentException("--network " + file + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** @return the DL4J file given as {@code --network}, if one was */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /** @return the value {@code --network} was given, e.g. {@code resnet12} */
    public String value() {
        return value;
    }

    /** @return ResNet-12's block widths */
    public List<Integer> resnetWidths() {
        return resnetWidths;
    }

    /**
     * @param target the input, ways and Conv-4 settings of the command's episodes
     * @return the network
     * @throws IllegalArgumentException if the network cannot take that input (named)
     */
    public Network build(Target target) {
        return builder.apply(target);
    }

    /**
     * Checks that a network (e.g. a model file's) is the one this choice builds for the target.
     *
     * @param network the network to check
     * @param target the target, e.g. from the model's recorded settings
     * @param what how to name the network in the message, e.g. the model file
     * @throws IllegalArgumentException naming both architectures where they differ
     */
    public void requireSame(Network network, Target target, String what) {
        NetworkSpec want = NetworkSpec.of(build(target));
        NetworkSpec got = NetworkSpec.of(network);
        if (!Arrays.equals(want.inputShape(), got.inputShape()) || !want.layers().equals(got.layers())) {
            throw new IllegalArgumentException(what + " does not hold the network --network " + value
                    + (value.equals("resnet12") ? " --resnet-widths " + widthsText(resnetWidths) : "")
                    + " builds: it has " + summary(got) + ", that would be " + summary(want)
                    + "; leave --network out to use the file's own network");
        }
    }

    private static String summary(NetworkSpec s) {
        return s.layers().size() + " nodes on input " + Arrays.toString(s.inputShape()) + " ("
                + s.layers().stream().limit(3).map(l -> l.type() + " " + l.name()).toList() + "...)";
    }

    /**
     * @param widths widths
     * @return them as the flag takes them, e.g. {@code 64,160,320,640}
     */
    public static String widthsText(List<Integer> widths) {
        return String.join(",", widths.stream().map(String::valueOf).toList());
    }
}
