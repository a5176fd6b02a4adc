package org.dl4jmeta.model;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.DeConv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The differentiable building blocks that {@link Convolution2d} and {@link Pooling2d} share: explicit padding,
 * im2col of the padded input, and the adjoint of im2col (a transposed convolution) cut back to the input's extent.
 * Every op here has a SameDiff gradient, so backward passes built from them can be differentiated again.
 */
final class WindowOps {

    private WindowOps() {
    }

    /** @return x [n,c,h,w] with {top,bottom,left,right} rows/columns of {@code value} added (x itself if none) */
    static SDVariable pad(SameDiff sd, SDVariable x, int[] pads, double value) {
        if (pads[0] == 0 && pads[1] == 0 && pads[2] == 0 && pads[3] == 0) {
            return x;
        }
        INDArray p = Nd4j.createFromArray(new int[][] {{0, 0}, {0, 0}, {pads[0], pads[1]}, {pads[2], pads[3]}});
        return sd.nn.pad(x, sd.constant(p), value);
    }

    /** The window's kernel and stride without padding (applied to an explicitly padded input), NCHW, YXIO. */
    static Conv2DConfig valid(Window2d w) {
        return Conv2DConfig.builder().kH(w.kernelH()).kW(w.kernelW()).sH(w.strideH()).sW(w.strideW()).pH(0).pW(0)
                .dH(1).dW(1).paddingMode(PaddingMode.VALID).dataFormat(Conv2DConfig.NCHW)
                .weightsFormat(WeightsFormat.YXIO).build();
    }

    /** The transposed convolution that is the adjoint of a valid convolution with this window. */
    static DeConv2DConfig transposed(Window2d w) {
        return DeConv2DConfig.builder().kH(w.kernelH()).kW(w.kernelW()).sH(w.strideH()).sW(w.strideW()).pH(0).pW(0)
                .dH(1).dW(1).isSameMode(false).dataFormat(DeConv2DConfig.NCHW).build();
    }

    /**
     * The gradient of the covered part of the padded input, {@code [n,c,(oh-1)s+kh,(ow-1)s+kw]}, extended with
     * zeros to the whole padded input and cut back to the unpadded input {@code [n,c,h,w]}.
     */
    static SDVariable unpad(SameDiff sd, SDVariable covered, long[] inShape, int[] pads, long oh, long ow,
                            Window2d w) {
        long h = inShape[2];
        long wd = inShape[3];
        long hp = h + pads[0] + pads[1];
        long wp = wd + pads[2] + pads[3];
        long covH = (oh - 1) * w.strideH() + w.kernelH();
        long covW = (ow - 1) * w.strideW() + w.kernelW();
        SDVariable dxp = covered;
        if (covH != hp || covW != wp) {
            INDArray extra = Nd4j.createFromArray(new int[][] {{0, 0}, {0, 0}, {0, (int) (hp - covH)},
                {0, (int) (wp - covW)}});
            dxp = sd.nn.pad(dxp, sd.constant(extra), 0.0);
        }
        if (hp == h && wp == wd) {
            return dxp;
        }
        return sd.slice(dxp, new int[] {0, 0, pads[0], pads[2]}, (int) inShape[0], (int) inShape[1], (int) h,
                (int) wd);
    }

    /**
     * col2im as ordinary ops: the adjoint of im2col, a transposed convolution of the columns (each kernel position a
     * channel) with one-hot weights, summing every window's values back onto the positions it read.
     *
     * @param cols {@code [n,c,kh*kw,oh,ow]}
     * @return {@code [n,c,(oh-1)s+kh,(ow-1)s+kw]}
     */
    static SDVariable col2im(SameDiff sd, SDVariable cols, long n, long c, long oh, long ow, Window2d w,
                             DataType dataType) {
        int kk = w.kernelH() * w.kernelW();
        INDArray oneHot = Nd4j.zeros(dataType, w.kernelH(), w.kernelW(), 1, kk);
        for (int i = 0; i < w.kernelH(); i++) {
            for (int j = 0; j < w.kernelW(); j++) {
                oneHot.putScalar(new long[] {i, j, 0, (long) i * w.kernelW() + j}, 1.0);
            }
        }
        SDVariable spread = sd.cnn.deconv2d(sd.reshape(cols, n * c, kk, oh, ow), sd.constant(oneHot), transposed(w));
        long covH = (oh - 1) * w.strideH() + w.kernelH();
        long covW = (ow - 1) * w.strideW() + w.kernelW();
        return sd.reshape(spread, n, c, covH, covW);
    }
}
