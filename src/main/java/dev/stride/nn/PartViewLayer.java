package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

/**
 * A layer whose kernels take tensors of the samples they work on rather than sample ranges: each
 * part's hooks get views of that part's samples (made again only when the tensors change, so
 * steady-state steps allocate nothing); with one part they get the whole batch.
 */
abstract class PartViewLayer extends Layer {
    private PartViews xParts;
    private PartViews yParts;
    private PartViews dyParts;
    private PartViews dxParts;

    @Override
    protected final void forwardPart(Tensor x, Tensor y, int from, int to, int part) {
        if (from == 0 && to == x.dim(0)) {
            forward(x, y);
        } else if (from < to) {
            forward(xParts.part(x, from, to, part), yParts.part(y, from, to, part));
        }
    }

    @Override
    protected final void backwardPart(Tensor x, Tensor y, Tensor dy, Tensor dx, int from, int to, int part) {
        if (from == 0 && to == x.dim(0)) {
            backward(x, y, dy, dx);
        } else if (from < to) {
            backward(xParts.part(x, from, to, part), yParts.part(y, from, to, part),
                    dyParts.part(dy, from, to, part), dxParts.part(dx, from, to, part));
        }
    }

    /** Subclasses that allocate more call this first. */
    @Override
    protected void allocate(Shape input, BuildContext ctx) {
        int parts = parallel().parts();
        xParts = new PartViews(parts);
        yParts = new PartViews(parts);
        dyParts = new PartViews(parts);
        dxParts = new PartViews(parts);
    }

    /** Overwrites y, a view of the output buffer for x's samples. */
    abstract void forward(Tensor x, Tensor y);

    /**
     * Overwrites dx from dy, given the last forward's input x and output y, and accumulates any
     * parameter gradients; dx is null when the input gradient is not wanted (only layers with
     * parameters are called then).
     */
    abstract void backward(Tensor x, Tensor y, Tensor dy, Tensor dx);
}
