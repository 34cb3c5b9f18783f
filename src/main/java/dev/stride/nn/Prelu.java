package dev.stride.nn;

import dev.stride.ops.Activations;
import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;


/**
 * Parametric ReLU with one learned slope per channel (dim 1; [N, C] or [N, C, H, W]): x for x > 0,
 * slope[c]*x otherwise. The slopes start at 0.25 (PyTorch's default). Backward reads the last input
 * and accumulates dSlope[c] += sum over n, h, w of dy*x where x &lt; 0, even when no input gradient is
 * wanted.
 */
public final class Prelu extends PartViewLayer {
    private static final float INITIAL_SLOPE = 0.25f;

    private final int channels;
    private Parameter slope; // (C)

    /**
     * A PReLU with one slope per channel.
     *
     * @param channels C, at least 1
     */
    public Prelu(int channels) {
        if (channels < 1) {
            throw new IllegalArgumentException("Prelu: channels must be at least 1, got " + channels);
        }
        this.channels = channels;
    }

    /**
     * The number of slopes.
     *
     * @return C
     */
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
    protected void allocate(Shape input, BuildContext ctx) {
        super.allocate(input, ctx);
        boolean fresh = ownParameters().isEmpty();
        slope = parameter(ctx, "slope", Shape.of(channels), InitRule.constant(INITIAL_SLOPE), false, 1, 1);
        if (fresh && ctx.options().sharingWith() == null) {
            slope.value().fill(INITIAL_SLOPE);
        }
    }

    @Override
    void forward(Tensor x, Tensor y) {
        Tensor a = slope.value();
        Activations.preluForward(x.dim(0), channels, x.shape().sampleSize() / channels, a.segment(), a.offset(),
                x.segment(), x.offset(), y.segment(), y.offset());
    }

    @Override
    void backward(Tensor x, Tensor y, Tensor dy, Tensor dx) {
        Tensor a = slope.value();
        Tensor da = slope.grad();
        Activations.preluBackward(dy.dim(0), channels, dy.shape().sampleSize() / channels, a.segment(), a.offset(),
                x.segment(), x.offset(), dy.segment(), dy.offset(), da.segment(), da.offset(),
                dx == null ? null : dx.segment(), dx == null ? 0 : dx.offset());
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
