package org.dl4jmeta.app.jobs;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.dl4jmeta.io.NetworkSpec;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ResNet12;

/**
 * The network a command meta-learns, as {@code --network} names it: {@code conv4} (the Conv-4 of Vinyals et al.
 * 2016 and Finn et al. 2017, shaped by the data set and {@code --filters}, {@code --blocks}) or {@code resnet12}
 * (MetaOptNet's ResNet-12, {@link ResNet12}, widths {@code --resnet-widths}). {@link #of} is the one place that
 * turns the flag's value into a network, for {@code train}, {@code eval}, {@code bench} and {@code gradcheck}
 * alike; a DL4J configuration file ({@code --network FILE}, issue 17 item 1) is to be resolved there too, so that
 * every command takes it at once. Immutable.
 */
public final class NetworkChoice {

    /** The built-in networks, as {@code --network} names them. */
    public static final List<String> NAMES = List.of("conv4", "resnet12");

    private final String value;
    private final List<Integer> resnetWidths;
    private final Function<Target, Network> builder;

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

    private NetworkChoice(String value, List<Integer> resnetWidths, Function<Target, Network> builder) {
        this.value = value;
        this.resnetWidths = resnetWidths;
        this.builder = builder;
    }

    /**
     * Resolves {@code --network}.
     *
     * @param value {@code conv4} or {@code resnet12}
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
                    t.conv4Downsampling(), t.conv4Blocks(), t.ways()));
        }
        if ("resnet12".equals(value)) {
            return new NetworkChoice(value, widths, t -> ResNet12.build(t.inputShape(), widths, t.ways()));
        }
        // --network FILE (a DL4J configuration JSON or ModelSerializer zip) is resolved here once
        // org.dl4jmeta.dl4j exists (issue 17 item 1), checked against the target's input shape and ways
        throw new IllegalArgumentException("--network must be one of " + String.join(", ", NAMES) + ", got '" + value
                + "'");
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
