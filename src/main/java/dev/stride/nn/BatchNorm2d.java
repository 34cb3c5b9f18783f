package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;

/**
 * Batch normalisation of images [N, C, H, W], PyTorch's {@code BatchNorm2d}: per channel,
 * {@code y = (x - mean) / sqrt(var + eps) * weight + bias}, with the batch's statistics over N*H*W
 * in training mode and the running ones in evaluation mode. Defaults eps 1e-5, momentum 0.1. What
 * it keeps, how it splits across threads and how it stays accurate: {@link BatchNormBase} and
 * {@link dev.stride.ops.BatchNorm}.
 */
public final class BatchNorm2d extends BatchNormBase {

    /**
     * With PyTorch's defaults, eps 1e-5 and momentum 0.1.
     *
     * @param channels C, the channels normalised
     */
    public BatchNorm2d(int channels) {
        this(channels, 1e-5, 0.1);
    }

    /**
     * A batch norm with these settings.
     *
     * @param channels C, the channels normalised
     * @param eps added to the variance, positive
     * @param momentum the running statistics' update weight, in [0, 1]
     */
    public BatchNorm2d(int channels, double eps, double momentum) {
        super(channels, eps, momentum);
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() != 4) {
            throw new ShapeException(label() + ": expects input [N, C, H, W], got " + input
                    + (input.rank() == 2 ? "; use BatchNorm1d after a Linear" : ""));
        }
        checkChannels(input, "[N, C, H, W]");
        return input;
    }

    @Override
    public String describe() {
        return "BatchNorm2d(" + hyperparameters() + ")";
    }

    /**
     * Folds {@code bn}, in evaluation mode, into the convolution it follows, for inference: writes
     * into {@code into} the conv whose output equals bn(conv(x)) with bn's running statistics,
     * {@code W'[k] = W[k] * s[k]} and {@code b'[k] = (b[k] - running_mean[k]) * s[k] + beta[k]} with
     * {@code s = gamma / sqrt(running_var + eps)} (b = 0 when conv has no bias), computed in double.
     *
     * <p>{@code into} needs a bias, and a built layer cannot grow one, so it is either {@code conv}
     * itself (when conv has a bias: then conv's values are overwritten) or another built Conv2d of
     * the same spec with a bias, e.g. in a copy of the model without the BN layers; a conv without
     * bias (ResNet's) folds into such a copy. The BN is left as it was: drop it from the model that
     * runs the folded conv.
     *
     * @param conv a built convolution
     * @param bn the built batch norm that follows it
     * @param into the convolution that gets the folded weights and bias
     */
    public static void foldInto(Conv2d conv, BatchNorm2d bn, Conv2d into) {
        Tensor w = conv.weight().value();
        Tensor wInto = into.weight().value();
        int k = conv.spec().outChannels();
        if (bn.channels() != k) {
            throw new IllegalArgumentException("cannot fold " + bn.label() + " (" + bn.channels() + " channels) into "
                    + conv.label() + ", which has " + k + " output channels");
        }
        if (into.bias() == null) {
            throw new IllegalArgumentException("cannot fold " + bn.label() + " into " + into.label()
                    + ": it has no bias to take BN's shift; fold into a Conv2d built with spec.withBias(true)");
        }
        if (!wInto.shape().equals(w.shape())) {
            throw new IllegalArgumentException("cannot fold " + conv.label() + " into " + into.label() + ": weights "
                    + w.shape() + " and " + wInto.shape() + " differ");
        }
        float[] folded = new float[Math.toIntExact(w.size())];
        float[] shift = new float[k];
        fold(conv, bn, folded, shift);
        wInto.copyFrom(folded);
        into.bias().value().copyFrom(shift);
    }

    /**
     * The arithmetic of {@link #foldInto} into arrays: {@code weight} (K*C/groups*kH*kW) gets W',
     * {@code bias} (K) gets b'; the ONNX export writes them as one Conv without building a layer.
     *
     * @param conv a built convolution
     * @param bn the built batch norm that follows it
     * @param weight receives W'
     * @param bias receives b'
     */
    public static void fold(Conv2d conv, BatchNorm2d bn, float[] weight, float[] bias) {
        Tensor w = conv.weight().value();
        int k = conv.spec().outChannels();
        if (bn.channels() != k || weight.length != w.size() || bias.length != k) {
            throw new IllegalArgumentException("cannot fold " + bn.label() + " (" + bn.channels() + " channels) into "
                    + conv.label() + ", which has " + k + " output channels and weights " + w.shape());
        }
        Tensor b = conv.bias() == null ? null : conv.bias().value();
        long row = w.size() / k; // C*kH*kW weights per output channel
        for (int c = 0; c < k; c++) {
            double s = bn.weight().value().getFlat(c) / Math.sqrt(bn.runningVar().getFlat(c) + bn.eps());
            for (long i = c * row; i < (c + 1) * row; i++) {
                weight[(int) i] = (float) (w.getFlat(i) * s);
            }
            double shift = (b == null ? 0 : b.getFlat(c)) - (double) bn.runningMean().getFlat(c);
            bias[c] = (float) (shift * s + bn.bias().value().getFlat(c));
        }
    }
}
