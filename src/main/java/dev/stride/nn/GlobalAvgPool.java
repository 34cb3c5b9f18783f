package dev.stride.nn;

import dev.stride.ops.Pooling;
import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;
import dev.stride.tensor.Workspace;

import java.lang.foreign.Arena;

/** The mean of each channel: [N, C, H, W] -> [N, C, 1, 1]. */
public final class GlobalAvgPool extends Layer {
    private Shape built;
    private Tensor out; // (N, C, 1, 1)
    private Tensor dx; // (N, C, H, W)
    private Tensor lastOut;

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() != 4) {
            throw new ShapeException(label() + ": expects input [N, C, H, W], got " + input);
        }
        return Shape.of(input.dim(0), input.dim(1), 1, 1);
    }

    @Override
    public void build(Shape input, Arena arena, Workspace workspace) {
        out = Tensor.zeros(arena, outputShape(input));
        dx = Tensor.zeros(arena, input);
        built = input;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (built == null) {
            throw new IllegalStateException(label() + ": forward before build");
        }
        checkInput(x, built);
        Tensor y = out.firstBatch(x.dim(0));
        Pooling.globalAvgForward(x.dim(0) * x.dim(1), x.dim(2) * x.dim(3), x.segment(), x.offset(), y.segment(), y.offset());
        lastOut = y;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGrad) {
        if (lastOut == null) {
            throw new IllegalStateException(label() + ": backward before forward");
        }
        checkGradient(dy, lastOut.shape());
        if (!needInputGrad) {
            return null;
        }
        Tensor d = dx.firstBatch(dy.dim(0));
        Pooling.globalAvgBackward(dy.dim(0) * dy.dim(1), built.dim(2) * built.dim(3), dy.segment(), dy.offset(),
                d.segment(), d.offset());
        return d;
    }

    @Override
    public String describe() {
        return "GlobalAvgPool";
    }
}
