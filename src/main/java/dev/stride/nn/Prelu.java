package dev.stride.nn;

import dev.stride.ops.Activations;
import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;
import dev.stride.tensor.Workspace;

import java.lang.foreign.Arena;
import java.util.List;

/**
 * Parametric ReLU with one learned slope per channel (dim 1; [N, C] or [N, C, H, W]): x for x > 0,
 * slope[c]*x otherwise. The slopes start at 0.25 (PyTorch's default). Backward accumulates
 * dSlope[c] += sum over n, h, w of dy*x where x < 0, and keeps the last input for it.
 */
public final class Prelu extends Layer {
    private static final float INITIAL_SLOPE = 0.25f;

    private final int channels;
    private Shape built;
    private Parameter slope; // (C)
    private Tensor out; // same shape as the input
    private Tensor dx; // same shape as the input
    private Tensor lastX;
    private Tensor lastY;

    public Prelu(int channels) {
        if (channels < 1) {
            throw new IllegalArgumentException("Prelu: channels must be at least 1, got " + channels);
        }
        this.channels = channels;
    }

    public int channels() {
        return channels;
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() < 2 || input.dim(1) != channels) {
            throw new ShapeException(label() + ": expects input [N, " + channels + ", ...] (one slope per channel, dim 1), got "
                    + input + "; make the channel count match the previous layer");
        }
        return input;
    }

    @Override
    public void build(Shape input, Arena arena, Workspace workspace) {
        outputShape(input);
        Tensor value = Tensor.zeros(arena, channels);
        value.fill(INITIAL_SLOPE);
        slope = new Parameter("slope", value, Tensor.zeros(arena, channels), 1, 1, Parameter.Kind.SLOPE);
        out = Tensor.zeros(arena, input);
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
        Tensor a = slope.value();
        Activations.preluForward(x.dim(0), channels, x.shape().sampleSize() / channels, a.segment(), a.offset(),
                x.segment(), x.offset(), y.segment(), y.offset());
        lastX = x;
        lastY = y;
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGrad) {
        if (lastY == null) {
            throw new IllegalStateException(label() + ": backward before forward");
        }
        checkGradient(dy, lastY.shape());
        Tensor d = needInputGrad ? dx.firstBatch(dy.dim(0)) : null;
        Tensor a = slope.value();
        Tensor da = slope.grad();
        Activations.preluBackward(dy.dim(0), channels, dy.shape().sampleSize() / channels, a.segment(), a.offset(),
                lastX.segment(), lastX.offset(), dy.segment(), dy.offset(), da.segment(), da.offset(),
                d == null ? null : d.segment(), d == null ? 0 : d.offset());
        return d;
    }

    /** The slope parameter once built; empty before. */
    @Override
    public List<Parameter> parameters() {
        return slope == null ? List.of() : List.of(slope);
    }

    @Override
    public String describe() {
        return "Prelu(" + channels + " channels)";
    }

    @Override
    public String explain(Shape input) {
        return super.explain(input) + "; " + channels + " parameters (one slope per channel)";
    }
}
