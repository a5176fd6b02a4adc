package org.dl4jmeta.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The ResNet-12 of few-shot learning as MetaOptNet builds it (Lee et al. 2019, {@code models/ResNet12_embedding.py}
 * of kjunelee/MetaOptNet; after Oreshkin et al. 2018, TADAM): four residual blocks, then global average pooling and
 * a dense N-way head with softmax cross-entropy.
 *
 * <p>Block b with width w_b, reading x with c_{b-1} channels:
 * <pre>
 *   h1 = lrelu(bn(conv3x3(x)))       h2 = lrelu(bn(conv3x3(h1)))       h3 = bn(conv3x3(h2))
 *   s  = bn(conv1x1(x))              out = maxpool2x2(lrelu(h3 + s))
 * </pre>
 * with convolutions without bias ('same' padding, stride 1), batch norm with batch statistics ({@link BatchNorm},
 * eps 1e-5 as PyTorch's), leaky ReLU of slope 0.1, the third activation after the addition as in MetaOptNet's code,
 * and the 1x1 convolution + batch norm shortcut in every block (MetaOptNet's blocks all down-sample, so all have
 * one). The 2x2 max-pool floors odd sizes as PyTorch's {@code MaxPool2d(2)}: 84 -&gt; 42 -&gt; 21 -&gt; 10 -&gt; 5
 * (Mini-ImageNet), 28 -&gt; 14 -&gt; 7 -&gt; 3 -&gt; 1 (Omniglot); inputs need height and width of at least 16.
 *
 * <p>Head: MetaOptNet's embedding flattens the last 640 x 5 x 5 map (16,000 features) for its SVM head; with a
 * dense N-way head, the usual choice when ResNet-12 is meta-trained with MAML, that flattening would give the head
 * 16,000 N weights and tie it to the input size. This network instead averages the last map over its positions
 * ({@link GlobalAvgPool}, MetaOptNet's own {@code avg_pool=True} variant at 84 x 84), so w_4 features reach the head
 * at any input size. DropBlock and dropout (MetaOptNet's regularisers) are left out: they are random per forward
 * pass, which the deterministic, exactly differentiated inner loop of this library does not model.
 *
 * <p>Parameter count, with c_0 the input channels and N the ways:
 * <pre>
 *   sum over b of [ 9 c_{b-1} w_b + 18 w_b^2 + c_{b-1} w_b + 8 w_b ]  +  w_4 N + N
 * </pre>
 * (three 3x3 convolutions, the 1x1 shortcut, four batch norms with gamma and beta); 12,424,320 + 641 N at widths
 * 64-160-320-640 on RGB input: 12,427,525 for 5-way. Initialisation is seeded as for every {@link Network}: the
 * convolutions are Glorot uniform ({@link Conv2d}; MetaOptNet uses Kaiming normal, but each convolution feeds a
 * batch norm, which divides out its weights' scale), batch norm gamma 1 and beta 0, the head as {@link Dense}.
 */
public final class ResNet12 {

    /** MetaOptNet's widths of the four blocks. */
    public static final List<Integer> WIDTHS = List.of(64, 160, 320, 640);
    /** The slope of the leaky ReLUs (MetaOptNet's {@code nn.LeakyReLU(0.1)}). */
    public static final double LEAKY_SLOPE = 0.1;
    /** Batch norm's variance floor (PyTorch's default, which MetaOptNet uses). */
    public static final double BN_EPS = 1e-5;

    private ResNet12() {
    }

    /**
     * @param ways number of classes N, &gt;= 2
     * @return ResNet-12 for Mini-ImageNet: 3x84x84 input, widths 64-160-320-640
     */
    public static Network miniImageNet(int ways) {
        return build(new long[] {3, 84, 84}, WIDTHS, ways);
    }

    /**
     * Builds a ResNet-12 of any widths (tests use narrow ones) on any [c,h,w] input.
     *
     * @param inputShape [channels, height, width], height and width &gt;= 16
     * @param widths the four blocks' widths, each &gt;= 1
     * @param ways number of classes N, &gt;= 2
     * @return the network; nodes are named {@code b<block>_conv<1..3>}, {@code b<block>_bn<1..3>},
     *     {@code b<block>_act<1..2>}, {@code b<block>_shortcut}, {@code b<block>_shortcut_bn}, {@code b<block>_add},
     *     {@code b<block>_out}, {@code b<block>_pool}, then {@code avgpool} and {@code head}
     * @throws IllegalArgumentException naming the bad value
     */
    public static Network build(long[] inputShape, List<Integer> widths, int ways) {
        if (ways < 2) {
            throw new IllegalArgumentException("ways must be >= 2, got " + ways);
        }
        if (inputShape == null || inputShape.length != 3) {
            throw new IllegalArgumentException("input shape must be [channels,height,width], got "
                    + Arrays.toString(inputShape));
        }
        if (inputShape[1] < 16 || inputShape[2] < 16) {
            throw new IllegalArgumentException("ResNet-12 halves height and width four times and needs them >= 16, "
                    + "got input " + Arrays.toString(inputShape));
        }
        requireWidths(widths);
        List<Network.Node> n = new ArrayList<>();
        String in = Network.INPUT;
        for (int b = 1; b <= 4; b++) {
            int w = widths.get(b - 1);
            String p = "b" + b + "_";
            String prev = in;
            for (int i = 1; i <= 3; i++) {
                n.add(Network.Node.of(new Conv2d(p + "conv" + i, w, 3, 1, false), prev));
                n.add(Network.Node.of(new BatchNorm(p + "bn" + i, BN_EPS), p + "conv" + i));
                prev = p + "bn" + i;
                if (i < 3) {
                    n.add(Network.Node.of(new Activation(p + "act" + i, Activation.Function.LEAKYRELU,
                            LEAKY_SLOPE), prev));
                    prev = p + "act" + i;
                }
            }
            n.add(Network.Node.of(new Conv2d(p + "shortcut", w, 1, 1, false), in));
            n.add(Network.Node.of(new BatchNorm(p + "shortcut_bn", BN_EPS), p + "shortcut"));
            n.add(Network.Node.of(new Add(p + "add"), p + "bn3", p + "shortcut_bn"));
            n.add(Network.Node.of(new Activation(p + "out", Activation.Function.LEAKYRELU, LEAKY_SLOPE), p + "add"));
            n.add(Network.Node.of(new MaxPool2x2(p + "pool"), p + "out"));
            in = p + "pool";
        }
        n.add(Network.Node.of(new GlobalAvgPool("avgpool"), in));
        n.add(Network.Node.of(new Dense("head", ways, true), "avgpool"));
        return Network.graph(inputShape, n, Loss.softmaxCrossEntropy());
    }

    private static void requireWidths(List<Integer> widths) {
        if (widths == null || widths.size() != 4 || widths.stream().anyMatch(w -> w == null || w < 1)) {
            throw new IllegalArgumentException("ResNet-12 needs four block widths >= 1 (e.g. 64,160,320,640), got "
                    + widths);
        }
    }
}
