package dev.stride.nn;

/**
 * The hyperparameters of a 2-D convolution: {@code outChannels} filters of {@code kernelH x kernelW
 * x inChannels}, slid with one stride and zero padding on both axes.
 *
 * @param inChannels  depth of the input (D1 in the lecture)
 * @param outChannels number of filters (K)
 * @param kernelH     filter height (F)
 * @param kernelW     filter width (F for square filters)
 * @param stride      step between window positions (S), the same on both axes
 * @param padding     zeros added on every side (P), the same on both axes
 * @param bias        whether each filter has a bias
 * @param floor       whether a geometry whose windows do not tile the input drops the remainder
 *                    (PyTorch's behaviour) instead of being rejected
 */
public record Conv2dSpec(int inChannels, int outChannels, int kernelH, int kernelW,
                         int stride, int padding, boolean bias, boolean floor) {

    public Conv2dSpec {
        if (inChannels < 1 || outChannels < 1) {
            throw new IllegalArgumentException("Conv2d needs at least one input and one output channel, got "
                    + inChannels + " -> " + outChannels);
        }
        if (kernelH < 1 || kernelW < 1) {
            throw new IllegalArgumentException("Conv2d kernel must be at least 1x1, got " + kernelH + "x" + kernelW);
        }
        if (stride < 1) {
            throw new IllegalArgumentException("Conv2d stride must be at least 1, got " + stride);
        }
        if (padding < 0) {
            throw new IllegalArgumentException("Conv2d padding must be 0 or more, got " + padding);
        }
    }

    /** A square {@code kernel x kernel} convolution with bias that rejects geometries that do not tile. */
    public static Conv2dSpec of(int in, int out, int kernel, int stride, int padding) {
        return new Conv2dSpec(in, out, kernel, kernel, stride, padding, true, false);
    }

    public Conv2dSpec withBias(boolean bias) {
        return new Conv2dSpec(inChannels, outChannels, kernelH, kernelW, stride, padding, bias, floor);
    }

    public Conv2dSpec withFloor(boolean floor) {
        return new Conv2dSpec(inChannels, outChannels, kernelH, kernelW, stride, padding, bias, floor);
    }

    /** Weights in one filter: {@code kernelH * kernelW * inChannels}. */
    public int filterSize() {
        return Math.multiplyExact(Math.multiplyExact(kernelH, kernelW), inChannels);
    }

    /** {@code (FH*FW*C)*K + K} (without the {@code + K} when there is no bias). */
    public long parameterCount() {
        return (long) filterSize() * outChannels + (bias ? outChannels : 0);
    }

    /** The count with the numbers put in, e.g. "(5*5*3)*10 + 10 = 760". */
    public String explainParameters() {
        return "(" + kernelH + "*" + kernelW + "*" + inChannels + ")*" + outChannels
                + (bias ? " + " + outChannels : "") + " = " + parameterCount();
    }
}
