package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.tensor.Workspace;

import java.lang.foreign.Arena;

/**
 * The life cycle the parameter-free layers and PReLU share: an output buffer and an input-gradient
 * buffer allocated at build, first-rows views of them for smaller batches, and the checks that
 * forward follows build and backward follows forward. Keeps the last input (a reference: by the
 * Layer contract it is the previous layer's output, valid until the next forward) and the last
 * output, for the subclass's backward.
 */
abstract class BufferedLayer extends Layer {
    private Shape built;
    private Tensor out; // outputShape(built)
    private Tensor dx; // built
    private Tensor lastX;
    private Tensor lastY;

    /** Subclasses that allocate more call this first. */
    @Override
    public void build(Shape input, Arena arena, Workspace workspace) {
        out = Tensor.zeros(arena, outputShape(input));
        dx = Tensor.zeros(arena, input);
        built = input;
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
        Tensor d = needInputGrad ? dx.firstBatch(dy.dim(0)) : null;
        if (d != null || hasParameters()) {
            backward(lastX, lastY, dy, d);
        }
        return d;
    }

    /** Overwrites y, a view of the output buffer for x's batch. */
    abstract void forward(Tensor x, Tensor y);

    /**
     * Overwrites dx from dy, given the last forward's input x and output y, and accumulates any
     * parameter gradients; dx is null when the input gradient is not wanted (only layers with
     * parameters are called then).
     */
    abstract void backward(Tensor x, Tensor y, Tensor dy, Tensor dx);

    /** Whether backward has work to do even without an input gradient. */
    boolean hasParameters() {
        return false;
    }
}
