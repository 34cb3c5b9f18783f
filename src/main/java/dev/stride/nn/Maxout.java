package dev.stride.nn;

import dev.stride.ops.Activations;
import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Maxout over groups of k channels (dim 1; [N, C] or [N, C, H, W]): output channel j is the max of
 * input channels j*k .. j*k+k-1, so C = k*Cout. Forward records which of the k won (the first on
 * ties) and backward sends dy there only.
 */
public final class Maxout extends PartViewLayer {
    private final int k;
    private MemorySegment argmax; // (N, C/k, ...) ints in [0, k)

    /**
     * A maxout over groups of {@code k} channels.
     *
     * @param k the group size, at least 1
     */
    public Maxout(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("Maxout: k (channels per group) must be at least 1, got " + k);
        }
        this.k = k;
    }

    /**
     * The group size.
     *
     * @return k
     */
    public int k() {
        return k;
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() < 2 || input.dim(1) % k != 0) {
            throw new ShapeException(label() + ": expects input [N, C, ...] with C a multiple of k=" + k + ", got " + input
                    + "; give the previous layer k times the channels you want out");
        }
        int[] dims = input.dims();
        dims[1] /= k;
        return Shape.of(dims);
    }

    @Override
    protected void allocate(Shape input, BuildContext ctx) {
        super.allocate(input, ctx);
        argmax = ctx.arena().allocate(ValueLayout.JAVA_INT, outputShape(input).size());
    }

    @Override
    void forward(Tensor x, Tensor y) {
        Activations.maxoutForward(x.dim(0), y.dim(1), k, y.shape().sampleSize() / y.dim(1), x.segment(), x.offset(),
                y.segment(), y.offset(), argmax, outputIndex(y));
    }

    @Override
    void backward(Tensor x, Tensor y, Tensor dy, Tensor dx) {
        Activations.maxoutBackward(dy.dim(0), dy.dim(1), k, dy.shape().sampleSize() / dy.dim(1), dy.segment(), dy.offset(),
                argmax, outputIndex(y), dx.segment(), dx.offset());
    }

    @Override
    public String describe() {
        return "Maxout(k=" + k + ")";
    }
}
