package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;
import dev.stride.ops.AvgPooling;
import dev.stride.ops.BranchOps;
import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;

/**
 * Squeeze-and-excitation (Hu et al. 2018): each channel's mean over H and W goes through
 * {@code fc1} (C -> hidden), ReLU, {@code fc2} (hidden -> C) and a sigmoid, and the input's channels
 * are scaled by the result: {@code y = x * s} per (n, c). Backward: dx = dy * s, plus the gradient
 * that reaches the means through the gate, spread evenly over each plane.
 */
public final class SqueezeExcitation extends Layer {
    private final int channels;
    private final int hidden;
    private final Linear fc1;
    private final Relu relu;
    private final Linear fc2;
    private final Sigmoid gate;
    private int plane;             // H*W
    private FirstRows pooled;      // (N, C): the means
    private FirstRows out;         // (N, C, H, W)
    private FirstRows dx;          // (N, C, H, W); null for inference builds
    private FirstRows ds;          // (N, C): dL/ds; null for inference builds
    private Tensor lastX;
    private Tensor lastS;

    /**
     * An SE block on the default GEMM backend.
     *
     * @param channels C, the channels gated
     * @param hidden the hidden units
     */
    public SqueezeExcitation(int channels, int hidden) {
        this(channels, hidden, GemmBackend.defaultGemm());
    }

    /**
     * An SE block.
     *
     * @param channels C, the channels gated
     * @param hidden the hidden units
     * @param gemm the backend of its two Linear layers
     */
    public SqueezeExcitation(int channels, int hidden, Gemm gemm) {
        if (channels < 1 || hidden < 1) {
            throw new IllegalArgumentException("SqueezeExcitation needs at least one channel and one hidden unit, got "
                    + channels + " and " + hidden);
        }
        this.channels = channels;
        this.hidden = hidden;
        fc1 = addChild("fc1", new Linear(channels, hidden, true, gemm));
        relu = addChild("relu", new Relu());
        fc2 = addChild("fc2", new Linear(hidden, channels, true, gemm));
        gate = addChild("gate", new Sigmoid());
    }

    /**
     * With {@code channels / reduction} hidden units (at least one), as in the paper (reduction 16).
     *
     * @param channels C, the channels gated
     * @param reduction the ratio of channels to hidden units
     * @param gemm the backend of its two Linear layers
     * @return the block
     */
    public static SqueezeExcitation withReduction(int channels, int reduction, Gemm gemm) {
        return new SqueezeExcitation(channels, Math.max(1, channels / reduction), gemm);
    }

    /**
     * The channels gated.
     *
     * @return C
     */
    public int channels() {
        return channels;
    }

    /**
     * The hidden units.
     *
     * @return the count
     */
    public int hidden() {
        return hidden;
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() != 4 || input.dim(1) != channels) {
            throw new ShapeException(label() + ": expects input [N, " + channels + ", H, W], got " + input);
        }
        return input;
    }

    @Override
    protected boolean ownsOutput() {
        return false;
    }

    @Override
    protected void allocate(Shape input, BuildContext ctx) {
        Shape means = Shape.of(input.dim(0), channels);
        buildChild(fc1, means, ctx);
        buildChild(relu, fc1.outputShape(means), ctx);
        buildChild(fc2, fc1.outputShape(means), ctx);
        buildChild(gate, means, ctx);
        plane = input.dim(2) * input.dim(3);
        pooled = new FirstRows(Tensor.zeros(ctx.arena(), means));
        out = new FirstRows(Tensor.zeros(ctx.arena(), input));
        dx = ctx.training() ? new FirstRows(Tensor.zeros(ctx.arena(), input)) : null;
        ds = ctx.training() ? new FirstRows(Tensor.zeros(ctx.arena(), means)) : null;
    }

    @Override
    protected Tensor forwardPass(Tensor x) {
        int n = x.dim(0);
        Tensor m = pooled.of(n);
        AvgPooling.globalForward(n * channels, plane, x.segment(), x.offset(), m.segment(), m.offset());
        Tensor s = gate.forward(fc2.forward(relu.forward(fc1.forward(m))));
        Tensor y = out.of(n);
        BranchOps.scaleChannels(n * channels, plane, x.segment(), x.offset(), s.segment(), s.offset(), y.segment(), y.offset());
        lastX = x;
        lastS = s;
        return y;
    }

    @Override
    protected Tensor backwardPass(Tensor dy, boolean needInputGrad) {
        int n = dy.dim(0);
        Tensor d = needInputGrad ? dx.of(n) : null;
        Tensor dS = ds.of(n);
        BranchOps.scaleChannelsBackward(n * channels, plane, lastX.segment(), lastX.offset(), lastS.segment(), lastS.offset(),
                dy.segment(), dy.offset(), dS.segment(), dS.offset(), d == null ? null : d.segment(), d == null ? 0 : d.offset());
        Tensor dMeans = fc1.backward(relu.backward(fc2.backward(gate.backward(dS, true), true), true), needInputGrad);
        if (d != null) {
            BranchOps.addPlaneMeanGrad(n * channels, plane, dMeans.segment(), dMeans.offset(), d.segment(), d.offset());
        }
        return d;
    }

    @Override
    public String describe() {
        return "SqueezeExcitation(" + channels + " -> " + hidden + " -> " + channels + ")";
    }
}
