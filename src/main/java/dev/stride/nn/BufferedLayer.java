package dev.stride.nn;

import dev.stride.tensor.Parallel;
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
 *
 * <p>With a workspace of several threads the batch is cut into the workspace's fixed parts and the
 * subclass's hooks run once per part on views of those samples, unless {@link #splitsBatch()} says
 * the layer must see the whole batch at once. The views are made again only when the tensors
 * change, so steady-state steps allocate nothing.
 */
abstract class BufferedLayer extends Layer {
    /**
     * Inputs smaller than this (floats) run on the calling thread: waking the workers costs more
     * than the pass. Measured on LeNet with 2 threads: the ReLUs after the fully connected layers
     * (64 x 120 floats) took 0.03-0.04 ms split against 0.004 ms on one thread.
     */
    static final long MIN_PARALLEL_FLOATS = 1 << 14;

    private Shape built;
    private Tensor out; // outputShape(built)
    private Tensor dx; // built
    private Tensor lastX;
    private Tensor lastY;
    private Parallel parallel;
    private Tensor lastDy;
    private Tensor lastDx;
    private PartViews xParts;
    private PartViews yParts;
    private PartViews dyParts;
    private PartViews dxParts;
    // Made once so that a parallel call allocates nothing.
    private final Parallel.Body forwardParts = this::forwardPart;
    private final Parallel.Body backwardParts = this::backwardPart;

    /** Subclasses that allocate more call this first. */
    @Override
    public void build(Shape input, Arena arena, Workspace workspace) {
        out = Tensor.zeros(arena, outputShape(input));
        dx = Tensor.zeros(arena, input);
        built = input;
        parallel = splitsBatch() && input.size() >= MIN_PARALLEL_FLOATS ? workspace.parallel() : Parallel.of(1);
        xParts = new PartViews(parallel.parts());
        yParts = new PartViews(parallel.parts());
        dyParts = new PartViews(parallel.parts());
        dxParts = new PartViews(parallel.parts());
    }

    @Override
    public final Tensor forward(Tensor x) {
        if (built == null) {
            throw new IllegalStateException(label() + ": forward before build");
        }
        checkInput(x, built);
        Tensor y = out.firstBatch(x.dim(0));
        lastX = x;
        lastY = y;
        if (parallel.parts() == 1) {
            forward(x, y);
        } else {
            parallel.forEach(x.dim(0), forwardParts);
        }
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
            if (parallel.parts() == 1) {
                backward(lastX, lastY, dy, d);
            } else {
                lastDy = dy;
                lastDx = d;
                parallel.forEach(dy.dim(0), backwardParts);
            }
        }
        return d;
    }

    private void forwardPart(int from, int to, int part) {
        if (from < to) {
            forward(xParts.part(lastX, from, to, part), yParts.part(lastY, from, to, part));
        }
    }

    private void backwardPart(int from, int to, int part) {
        if (from < to) {
            backward(xParts.part(lastX, from, to, part), yParts.part(lastY, from, to, part),
                    dyParts.part(lastDy, from, to, part), dxParts.part(lastDx, from, to, part));
        }
    }

    /** Overwrites y, a view of the output buffer for x's batch. */
    abstract void forward(Tensor x, Tensor y);

    /**
     * Overwrites dx from dy, given the last forward's input x and output y, and accumulates any
     * parameter gradients; dx is null when the input gradient is not wanted (only layers with
     * parameters are called then).
     */
    abstract void backward(Tensor x, Tensor y, Tensor dy, Tensor dx);

    /**
     * Where {@code y}, the output view a hook was given (a whole batch or one part of it), starts
     * in the layer's output buffer, in elements: the index for side buffers laid out like the output.
     */
    final long outputIndex(Tensor y) {
        return y.offset() - out.offset();
    }

    /** Whether backward has work to do even without an input gradient. */
    boolean hasParameters() {
        return false;
    }

    /**
     * Whether the hooks may run on parts of the batch at once: true unless the layer accumulates
     * parameter gradients or draws random numbers in sample order.
     */
    boolean splitsBatch() {
        return !hasParameters();
    }
}
