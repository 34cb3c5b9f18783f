package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.tensor.Workspace;

import java.lang.foreign.Arena;

/**
 * An element-wise layer of any rank (2-D after Linear, 4-D after a convolution): the output has the
 * input's shape. Keeps the last input (a reference: by the Layer contract it is the previous layer's
 * output and stays valid until the next forward) and the last output for backward.
 */
abstract class Elementwise extends Layer {
    private Shape built;
    private Tensor out; // same shape as the input
    private Tensor dx; // same shape as the input
    private Tensor lastX;
    private Tensor lastY;

    @Override
    public final Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public void build(Shape input, Arena arena, Workspace workspace) {
        built = input;
        out = Tensor.zeros(arena, input);
        dx = Tensor.zeros(arena, input);
    }

    @Override
    public final Tensor forward(Tensor x) {
        if (built == null) {
            throw new IllegalStateException(label() + ": forward before build");
        }
        checkInput(x, built);
        Tensor y = out.firstBatch(x.dim(0));
        forward(x, y);
        lastX = x;
        lastY = y;
        return y;
    }

    @Override
    public final Tensor backward(Tensor dy, boolean needInputGrad) {
        if (lastY == null) {
            throw new IllegalStateException(label() + ": backward before forward");
        }
        checkGradient(dy, lastY.shape());
        if (!needInputGrad) {
            return null;
        }
        Tensor d = dx.firstBatch(dy.dim(0));
        backward(lastX, lastY, dy, d);
        return d;
    }

    /** Overwrites y, which has x's shape. */
    abstract void forward(Tensor x, Tensor y);

    /** Overwrites dx from dy, given the last forward's input x and output y. */
    abstract void backward(Tensor x, Tensor y, Tensor dy, Tensor dx);
}
