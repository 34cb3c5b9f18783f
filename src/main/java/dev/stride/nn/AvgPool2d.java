package dev.stride.nn;

import dev.stride.ops.AvgPooling;
import dev.stride.tensor.Tensor;

/**
 * Average pooling: each output is its window's sum divided by kernelH*kernelW, padded zeros
 * included (PyTorch's count_include_pad), so backward spreads dy/(kernelH*kernelW) evenly.
 */
public final class AvgPool2d extends Pool2d {

    /**
     * An average pool with this window.
     *
     * @param spec the window, stride and padding
     */
    public AvgPool2d(PoolSpec spec) {
        super(spec);
        if (spec.ceil()) {
            // PyTorch divides a window that reaches past the input by its clipped size; nothing here needs that.
            throw new IllegalArgumentException("AvgPool2d(" + spec + "): rounding the output size up (ceil) is for max pooling only; "
                    + "use floor, or padding that tiles the input");
        }
    }

    @Override
    void forwardPlanes(Tensor x, Tensor y, long first, int planes) {
        AvgPooling.forward(geometry, planes, x.segment(), x.offset() + first * x.dim(2) * x.dim(3), y.segment(),
                y.offset() + first * y.dim(2) * y.dim(3));
    }

    @Override
    void backward(Tensor x, Tensor y, Tensor dy, Tensor dx) {
        int planes = dy.dim(0) * dy.dim(1);
        AvgPooling.backward(geometry, planes, dy.segment(), dy.offset(), dx.segment(), dx.offset());
    }
}
