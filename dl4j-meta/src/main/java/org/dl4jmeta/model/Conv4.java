package org.dl4jmeta.model;

import java.util.ArrayList;
import java.util.List;

/**
 * The 4-block convolutional network of few-shot learning (Vinyals et al. 2016; Finn et al. 2017, section 5.2):
 * four blocks of 3x3 convolution, batch norm and ReLU, then a dense N-way head with softmax cross-entropy.
 *
 * <ul>
 *   <li>Omniglot: input 1x28x28, 64 filters, stride-2 convolutions instead of max-pooling (Finn et al.:
 *       "we use strided convolutions instead of max-pooling"), the last 2x2 map averaged (their
 *       {@code reduce_mean}), 64 features into the head.</li>
 *   <li>Mini-ImageNet: input 3x84x84, 32 filters, stride-1 convolutions followed by 2x2 max-pooling,
 *       32 x 5 x 5 = 800 features into the head.</li>
 * </ul>
 */
public final class Conv4 {

    private Conv4() {
    }

    /** Down-sampling used by each block. */
    public enum Downsampling {
        /** stride-2 convolution (Omniglot) */
        STRIDE,
        /** stride-1 convolution, then 2x2 max-pooling (Mini-ImageNet) */
        MAX_POOL
    }

    /**
     * @param ways number of classes N, &gt;= 2
     * @return the Omniglot network: 1x28x28, 4 x 64 filters, stride 2
     */
    public static Network omniglot(int ways) {
        return build(new long[] {1, 28, 28}, 64, Downsampling.STRIDE, 4, ways);
    }

    /**
     * @param ways number of classes N, &gt;= 2
     * @return the Mini-ImageNet network: 3x84x84, 4 x 32 filters, max-pooling
     */
    public static Network miniImageNet(int ways) {
        return build(new long[] {3, 84, 84}, 32, Downsampling.MAX_POOL, 4, ways);
    }

    /**
     * Builds a Conv-k network of any size (tests use small ones).
     *
     * @param inputShape [channels, height, width]
     * @param filters filters per block, &gt;= 1
     * @param downsampling stride (then global average pooling before the head) or max-pool (then flatten)
     * @param blocks number of conv blocks, &gt;= 1
     * @param ways number of classes, &gt;= 2
     * @return the network
     * @throws IllegalArgumentException on a bad value
     */
    public static Network build(long[] inputShape, int filters, Downsampling downsampling, int blocks, int ways) {
        if (ways < 2) {
            throw new IllegalArgumentException("ways must be >= 2, got " + ways);
        }
        if (blocks < 1) {
            throw new IllegalArgumentException("blocks must be >= 1, got " + blocks);
        }
        if (inputShape == null || inputShape.length != 3) {
            throw new IllegalArgumentException("input shape must be [channels,height,width], got "
                    + java.util.Arrays.toString(inputShape));
        }
        List<Layer> layers = new ArrayList<>();
        for (int b = 1; b <= blocks; b++) {
            int stride = downsampling == Downsampling.STRIDE ? 2 : 1;
            layers.add(new Conv2d("conv" + b, filters, 3, stride, true));
            layers.add(new BatchNorm("bn" + b, 1e-5));
            layers.add(new Relu("relu" + b));
            if (downsampling == Downsampling.MAX_POOL) {
                layers.add(new MaxPool2x2("pool" + b));
            }
        }
        if (downsampling == Downsampling.STRIDE) {
            layers.add(new GlobalAvgPool("avgpool"));
        } else {
            layers.add(new Flatten("flatten"));
        }
        layers.add(new Dense("head", ways, true));
        return new Network(inputShape, layers, Loss.softmaxCrossEntropy());
    }
}
