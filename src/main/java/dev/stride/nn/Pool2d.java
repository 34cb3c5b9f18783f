package dev.stride.nn;

import dev.stride.ops.OutputSize;
import dev.stride.ops.PoolGeometry;
import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;
import dev.stride.tensor.Workspace;

import java.lang.foreign.Arena;

/**
 * What max and average pooling share: the window arithmetic, the shape checks and the output and
 * input-gradient buffers. Subclasses supply the kernels.
 */
abstract class Pool2d extends Layer {
    protected final PoolSpec spec;
    protected PoolGeometry geometry;
    private Shape built;
    private Tensor out; // (N, C, outH, outW)
    private Tensor dx; // (N, C, H, W)
    private Tensor lastOut;

    Pool2d(PoolSpec spec) {
        this.spec = spec;
    }

    public final PoolSpec spec() {
        return spec;
    }

    @Override
    public final Shape outputShape(Shape input) {
        if (input.rank() != 4) {
            throw new ShapeException(label() + ": expects input [N, C, H, W], got " + input
                    + "; pooling runs on the output of a convolution, before Flatten");
        }
        int outH = OutputSize.of(label(), "height", input.dim(2), spec.kernelH(), spec.stride(), spec.padding(), spec.floor());
        int outW = OutputSize.of(label(), "width", input.dim(3), spec.kernelW(), spec.stride(), spec.padding(), spec.floor());
        return Shape.of(input.dim(0), input.dim(1), outH, outW);
    }

    @Override
    public void build(Shape input, Arena arena, Workspace workspace) {
        Shape o = outputShape(input);
        geometry = new PoolGeometry(input.dim(2), input.dim(3), spec.kernelH(), spec.kernelW(), spec.stride(),
                spec.padding(), o.dim(2), o.dim(3));
        built = input;
        out = Tensor.zeros(arena, o);
        dx = Tensor.zeros(arena, input);
    }

    @Override
    public final Tensor forward(Tensor x) {
        if (built == null) {
            throw new IllegalStateException(label() + ": forward before build");
        }
        checkInput(x, built);
        int n = x.dim(0);
        Tensor y = out.firstBatch(n);
        forward(n * x.dim(1), x, y);
        lastOut = y;
        return y;
    }

    @Override
    public final Tensor backward(Tensor dy, boolean needInputGrad) {
        if (lastOut == null) {
            throw new IllegalStateException(label() + ": backward before forward");
        }
        checkGradient(dy, lastOut.shape());
        if (!needInputGrad) {
            return null;
        }
        Tensor d = dx.firstBatch(dy.dim(0));
        backward(dy.dim(0) * dy.dim(1), dy, d);
        return d;
    }

    /** Overwrites y from x; {@code planes} is batch times channels. */
    abstract void forward(int planes, Tensor x, Tensor y);

    /** Overwrites dx from dy for the last forward. */
    abstract void backward(int planes, Tensor dy, Tensor dx);

    @Override
    public String describe() {
        return getClass().getSimpleName() + "(" + spec + ")";
    }

    @Override
    public String explain(Shape input) {
        Shape o = outputShape(input);
        return describe() + ": " + input + " -> " + o
                + "; height " + OutputSize.explain(input.dim(2), spec.kernelH(), spec.stride(), spec.padding())
                + ", width " + OutputSize.explain(input.dim(3), spec.kernelW(), spec.stride(), spec.padding())
                + "; 0 parameters";
    }
}
