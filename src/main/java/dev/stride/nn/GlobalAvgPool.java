package dev.stride.nn;

import dev.stride.ops.AvgPooling;
import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;

/** The mean of each channel: [N, C, H, W] -> [N, C, 1, 1]. */
public final class GlobalAvgPool extends PartViewLayer {
    /** A global average pool. */
    public GlobalAvgPool() {
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() != 4) {
            throw new ShapeException(label() + ": expects input [N, C, H, W], got " + input);
        }
        return Shape.of(input.dim(0), input.dim(1), 1, 1);
    }

    @Override
    void forward(Tensor x, Tensor y) {
        AvgPooling.globalForward(x.dim(0) * x.dim(1), x.dim(2) * x.dim(3), x.segment(), x.offset(), y.segment(), y.offset());
    }

    @Override
    void backward(Tensor x, Tensor y, Tensor dy, Tensor dx) {
        AvgPooling.globalBackward(dx.dim(0) * dx.dim(1), dx.dim(2) * dx.dim(3), dy.segment(), dy.offset(), dx.segment(), dx.offset());
    }

    @Override
    public String describe() {
        return "GlobalAvgPool";
    }
}
