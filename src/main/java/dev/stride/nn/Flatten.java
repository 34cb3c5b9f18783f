package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;

/**
 * Turns [N, C, H, W] (or any [N, ...]) into [N, C*H*W] in (C, H, W) order. NCHW is row-major, so
 * both directions are views of the same memory: nothing is copied and nothing is allocated beyond
 * the view objects, which are kept while the batch size stays the same.
 */
public final class Flatten extends Layer {
    private Tensor lastInput;     // the last forward's input
    private Tensor lastOutput;    // lastInput viewed as (n, features)
    private Tensor lastGradIn;    // the last backward's dy
    private Tensor lastGradOut;   // lastGradIn viewed as the input shape

    /** A flatten layer. */
    public Flatten() {
    }

    @Override
    public Shape outputShape(Shape x) {
        if (x.rank() < 2) {
            throw new ShapeException(label() + ": expects input [N, ...] with at least 2 dimensions, got " + x);
        }
        return Shape.of(x.dim(0), Math.toIntExact(x.sampleSize()));
    }

    @Override
    protected boolean ownsOutput() {
        return false;
    }

    @Override
    protected void allocate(Shape input, BuildContext ctx) {
        lastInput = null;
        lastGradIn = null;
    }

    /** Returns {@code x} viewed as [n, features]. */
    @Override
    protected Tensor forwardPass(Tensor x) {
        if (x != lastInput) {
            lastInput = x;
            lastOutput = x.reshape(outputShape(x.shape()));
        }
        return lastOutput;
    }

    /** Returns {@code dy} viewed in the last forward's input shape (when {@code needInputGrad}). */
    @Override
    protected Tensor backwardPass(Tensor dy, boolean needInputGrad) {
        if (!needInputGrad) {
            return null;
        }
        if (dy != lastGradIn) {
            lastGradIn = dy;
            lastGradOut = dy.reshape(lastInput.shape());
        }
        return lastGradOut;
    }

    @Override
    public String describe() {
        return "Flatten";
    }

    /** E.g. "[1, 16, 5, 5] -> [1, 400] (16*5*5 = 400)". */
    @Override
    public String explain(Shape x) {
        Shape y = outputShape(x);
        StringBuilder product = new StringBuilder();
        for (int i = 1; i < x.rank(); i++) {
            product.append(i > 1 ? "*" : "").append(x.dim(i));
        }
        return x + " -> " + y + " (" + product + " = " + y.dim(1) + ")";
    }
}
