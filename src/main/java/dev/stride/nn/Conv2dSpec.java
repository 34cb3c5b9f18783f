package dev.stride.nn;

/**
 * The hyperparameters of a 2-D convolution: {@code outChannels} filters of {@code kernelH x kernelW
 * x inChannels/groups}, slid with one stride and zero padding on both axes.
 *
 * <p>With {@code groups} g the input channels form g consecutive groups of C/g and the filters g
 * groups of K/g, and filter group j sees only input group j (PyTorch's {@code groups}); g = C is a
 * depthwise convolution (K a multiple of C). g must divide both C and K: the layer checks that when
 * it is built, where its error can name the layer.
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
 * @param groups      channel groups (1: every filter sees every input channel)
 */
public record Conv2dSpec(int inChannels, int outChannels, int kernelH, int kernelW,
                         int stride, int padding, boolean bias, boolean floor, int groups) {

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException when a count, kernel side, stride or group count is below 1, or the
     *     padding negative
     */
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
        if (groups < 1) {
            throw new IllegalArgumentException("Conv2d groups must be at least 1, got " + groups);
        }
    }

    /**
     * One group: every filter sees every input channel.
     *
     * @param inChannels depth of the input
     * @param outChannels number of filters
     * @param kernelH filter height
     * @param kernelW filter width
     * @param stride step between window positions
     * @param padding zeros added on every side
     * @param bias whether each filter has a bias
     * @param floor whether a geometry that does not tile drops the remainder instead of being rejected
     */
    public Conv2dSpec(int inChannels, int outChannels, int kernelH, int kernelW, int stride, int padding,
                      boolean bias, boolean floor) {
        this(inChannels, outChannels, kernelH, kernelW, stride, padding, bias, floor, 1);
    }

    /**
     * A square {@code kernel x kernel} convolution with bias that rejects geometries that do not tile.
     *
     * @param in depth of the input
     * @param out number of filters
     * @param kernel filter side
     * @param stride step between window positions
     * @param padding zeros added on every side
     * @return the spec
     */
    public static Conv2dSpec of(int in, int out, int kernel, int stride, int padding) {
        return new Conv2dSpec(in, out, kernel, kernel, stride, padding, true, false);
    }

    /**
     * This spec with or without biases.
     *
     * @param bias whether each filter has a bias
     * @return a new spec
     */
    public Conv2dSpec withBias(boolean bias) {
        return new Conv2dSpec(inChannels, outChannels, kernelH, kernelW, stride, padding, bias, floor, groups);
    }

    /**
     * This spec flooring a geometry that does not tile, or rejecting it.
     *
     * @param floor true to floor, as PyTorch does
     * @return a new spec
     */
    public Conv2dSpec withFloor(boolean floor) {
        return new Conv2dSpec(inChannels, outChannels, kernelH, kernelW, stride, padding, bias, floor, groups);
    }

    /**
     * This spec with another number of channel groups.
     *
     * @param groups the groups, dividing both channel counts
     * @return a new spec
     */
    public Conv2dSpec withGroups(int groups) {
        return new Conv2dSpec(inChannels, outChannels, kernelH, kernelW, stride, padding, bias, floor, groups);
    }

    /**
     * True when groups divides both channel counts; {@link Conv2d} refuses to build otherwise.
     *
     * @return whether the groups divide the channels
     */
    public boolean groupsDivideChannels() {
        return inChannels % groups == 0 && outChannels % groups == 0;
    }

    /**
     * One group per input channel: each filter sees one channel.
     *
     * @return whether groups equals the input channels
     */
    public boolean depthwise() {
        return groups > 1 && groups == inChannels;
    }

    /**
     * Input channels one filter sees: {@code inChannels / groups}.
     *
     * @return the count
     */
    public int groupInChannels() {
        checkGroups();
        return inChannels / groups;
    }

    /**
     * Filters per group: {@code outChannels / groups}.
     *
     * @return the count
     */
    public int groupOutChannels() {
        checkGroups();
        return outChannels / groups;
    }

    /**
     * Weights in one filter: {@code kernelH * kernelW * inChannels/groups}.
     *
     * @return the count
     */
    public int filterSize() {
        return Math.multiplyExact(Math.multiplyExact(kernelH, kernelW), groupInChannels());
    }

    /**
     * {@code (FH*FW*C/groups)*K + K} (without the {@code + K} when there is no bias).
     *
     * @return the parameter count
     */
    public long parameterCount() {
        return (long) filterSize() * outChannels + (bias ? outChannels : 0);
    }

    /**
     * The count with the numbers put in, e.g. "(5*5*3)*10 + 10 = 760", or "(3*3*96/96)*96 + 96 = 960" with
     * groups.
     *
     * @return the text
     */
    public String explainParameters() {
        return "(" + kernelH + "*" + kernelW + "*" + inChannels + (groups == 1 ? "" : "/" + groups) + ")*" + outChannels
                + (bias ? " + " + outChannels : "") + " = " + parameterCount();
    }

    private void checkGroups() {
        if (!groupsDivideChannels()) {
            throw new IllegalStateException("Conv2d groups " + groups + " must divide both " + inChannels
                    + " input and " + outChannels + " output channels");
        }
    }
}
