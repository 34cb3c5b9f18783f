package dev.stride.ops;

import dev.stride.tensor.ShapeException;

/**
 * The sliding-window output size {@code (W - F + 2P)/S + 1} shared by convolution and pooling,
 * with the lecture's rule that a window that does not tile its input is an error unless the user
 * asked for flooring (what PyTorch does silently).
 */
public final class OutputSize {
    private OutputSize() {
    }

    /**
     * The number of window positions along one axis.
     *
     * @param layer  how the error names the layer, e.g. "layer 0 (Conv2d)"
     * @param axis   "height" or "width"
     * @param floor  when true, a remainder is dropped (the last rows/columns no window reaches)
     */
    public static int of(String layer, String axis, int in, int window, int stride, int pad, boolean floor) {
        if (window < 1 || stride < 1 || pad < 0) {
            throw new ShapeException(layer + ": window " + window + ", stride " + stride + " and padding " + pad
                    + " must be positive (padding may be 0)");
        }
        int span = in - window + 2 * pad;
        if (span < 0) {
            throw new ShapeException(layer + ": the " + axis + " " + in + " with padding " + pad + " is smaller than the "
                    + window + "-wide window: " + formula(in, window, stride, pad) + " has no positions");
        }
        if (span % stride != 0 && !floor) {
            throw new ShapeException(layer + ": " + axis + " " + in + " does not fit a " + window + "-wide window at stride "
                    + stride + " with padding " + pad + ": " + formula(in, window, stride, pad) + " = "
                    + String.format("%.2f", (double) span / stride + 1) + " is not a whole number; change the stride or "
                    + "padding so (" + axis + " - window + 2*padding) is a multiple of the stride, or enable flooring");
        }
        return span / stride + 1;
    }

    /**
     * PyTorch's {@code ceil_mode}: {@code ceil((W - F + 2P)/S) + 1}, less one when the last window
     * would start in the right padding or beyond, so every window covers some input.
     */
    public static int ceil(String layer, String axis, int in, int window, int stride, int pad) {
        int floored = of(layer, axis, in, window, stride, pad, true);
        int span = in - window + 2 * pad;
        int out = Math.ceilDiv(span, stride) + 1;
        return (out - 1) * stride >= in + pad ? out - 1 : Math.max(out, floored);
    }

    /** The formula with the numbers put in, e.g. "(32 - 5 + 2*2)/1 + 1". */
    public static String formula(int in, int window, int stride, int pad) {
        return "(" + in + " - " + window + " + 2*" + pad + ")/" + stride + " + 1";
    }

    /** The formula and its value, e.g. "(32 - 5 + 2*2)/1 + 1 = 32" (floored values say so). */
    public static String explain(int in, int window, int stride, int pad) {
        int span = in - window + 2 * pad;
        return formula(in, window, stride, pad) + " = " + (span / stride + 1) + (span % stride != 0 ? " (floored)" : "");
    }
}
