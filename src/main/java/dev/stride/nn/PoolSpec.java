package dev.stride.nn;

/**
 * Hyperparameters of a 2-D pooling window: its height and width, one stride for both axes, zero
 * padding on all four sides and whether a window that does not tile its input is floored (PyTorch's
 * silent behaviour) instead of rejected (the lecture's rule, the default), or, for max pooling, the
 * output size rounded up (PyTorch's {@code ceil_mode}, which GoogLeNet uses: the last window may
 * reach past the input and covers what is there).
 *
 * <p>Padding is at most half the smaller kernel side, as in PyTorch, so every window covers at least
 * one real input element and max pooling always has a maximum to route the gradient to.
 *
 * @param kernelH the window's height
 * @param kernelW the window's width
 * @param stride the step between windows, on both axes
 * @param padding the zero padding on every side, at most half the smaller kernel side
 * @param floor whether a geometry that does not tile is floored instead of rejected
 * @param ceil whether the output size is rounded up (max pooling only; not with {@code floor})
 */
public record PoolSpec(int kernelH, int kernelW, int stride, int padding, boolean floor, boolean ceil) {

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException when both {@code floor} and {@code ceil} are set, a size is out of
     *     range, or the padding more than half the kernel
     */
    public PoolSpec {
        if (floor && ceil) {
            throw new IllegalArgumentException("pooling rounds its output size either down (floor) or up (ceil), not both");
        }
        if (kernelH < 1 || kernelW < 1 || stride < 1 || padding < 0) {
            throw new IllegalArgumentException("pooling needs a kernel and stride of at least 1 and padding of at least 0, got kernel "
                    + kernelH + "x" + kernelW + ", stride " + stride + ", padding " + padding);
        }
        if (2 * padding > Math.min(kernelH, kernelW)) {
            throw new IllegalArgumentException("pooling padding " + padding + " is more than half the " + kernelH + "x" + kernelW
                    + " kernel: some windows would hold only padding; use padding <= " + Math.min(kernelH, kernelW) / 2);
        }
    }

    /**
     * Strict fit, or flooring; not rounding up.
     *
     * @param kernelH the window's height
     * @param kernelW the window's width
     * @param stride the step between windows
     * @param padding the zero padding on every side
     * @param floor whether a geometry that does not tile is floored instead of rejected
     */
    public PoolSpec(int kernelH, int kernelW, int stride, int padding, boolean floor) {
        this(kernelH, kernelW, stride, padding, floor, false);
    }

    /**
     * A square {@code kernel} x {@code kernel} window, no padding, strict fit.
     *
     * @param kernel the window's side
     * @param stride the step between windows
     * @return the spec
     */
    public static PoolSpec of(int kernel, int stride) {
        return new PoolSpec(kernel, kernel, stride, 0, false, false);
    }

    /**
     * This spec with another padding.
     *
     * @param padding the zero padding on every side
     * @return a new spec
     */
    public PoolSpec withPadding(int padding) {
        return new PoolSpec(kernelH, kernelW, stride, padding, floor, ceil);
    }

    /**
     * This spec flooring a geometry that does not tile, or rejecting it; flooring turns rounding up off.
     *
     * @param floor true to floor
     * @return a new spec
     */
    public PoolSpec withFloor(boolean floor) {
        return new PoolSpec(kernelH, kernelW, stride, padding, floor, ceil && !floor);
    }

    /**
     * PyTorch's {@code ceil_mode}: the output size rounded up (max pooling only).
     *
     * @param ceil true to round up; turns flooring off
     * @return a new spec
     */
    public PoolSpec withCeil(boolean ceil) {
        return new PoolSpec(kernelH, kernelW, stride, padding, floor && !ceil, ceil);
    }

    /** E.g. "2x2, stride 2" or "3x3, stride 2, pad 1, floor". */
    @Override
    public String toString() {
        return kernelH + "x" + kernelW + ", stride " + stride + (padding > 0 ? ", pad " + padding : "") + (floor ? ", floor" : "") + (ceil ? ", ceil" : "");
    }
}
