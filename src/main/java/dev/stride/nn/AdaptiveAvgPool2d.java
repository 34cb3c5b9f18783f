package dev.stride.nn;

import dev.stride.ops.AdaptiveAvgPooling;
import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;

/**
 * Average pooling to a fixed output size whatever the input's (PyTorch's AdaptiveAvgPool2d), so a
 * classifier head fits inputs of several sizes: AlexNet's (6, 6), VGG's (7, 7), (1, 1) for global
 * pooling. Windows as {@link AdaptiveAvgPooling} defines them.
 */
public final class AdaptiveAvgPool2d extends PartViewLayer {
    private final int outH;
    private final int outW;

    /**
     * A pool to {@code outH x outW}.
     *
     * @param outH the output height, at least 1
     * @param outW the output width, at least 1
     */
    public AdaptiveAvgPool2d(int outH, int outW) {
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException("AdaptiveAvgPool2d: the output size must be at least 1x1, got " + outH + "x" + outW);
        }
        this.outH = outH;
        this.outW = outW;
    }

    /**
     * The output height.
     *
     * @return the height
     */
    public int outH() {
        return outH;
    }

    /**
     * The output width.
     *
     * @return the width
     */
    public int outW() {
        return outW;
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() != 4) {
            throw new ShapeException(label() + ": expects input [N, C, H, W], got " + input);
        }
        return Shape.of(input.dim(0), input.dim(1), outH, outW);
    }

    @Override
    void forward(Tensor x, Tensor y) {
        AdaptiveAvgPooling.forward(x.dim(0) * x.dim(1), x.dim(2), x.dim(3), outH, outW, x.segment(), x.offset(),
                y.segment(), y.offset());
    }

    @Override
    void backward(Tensor x, Tensor y, Tensor dy, Tensor dx) {
        AdaptiveAvgPooling.backward(dx.dim(0) * dx.dim(1), dx.dim(2), dx.dim(3), outH, outW, dy.segment(), dy.offset(),
                dx.segment(), dx.offset());
    }

    @Override
    public String describe() {
        return "AdaptiveAvgPool2d(" + outH + "x" + outW + ")";
    }
}
