package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;
import dev.stride.ops.OutputSize;
import dev.stride.tensor.Parallel;
import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * 2-D convolution (cross-correlation, as in every CNN library), optionally grouped or depthwise
 * ({@link Conv2dSpec#groups}), computed in one of the ways {@link ConvLowering} names (GEMM, or
 * direct loops for a depthwise layer), chosen per layer by the build's {@link ConvPolicy}.
 *
 * <p>Threads: the batch is cut into the workspace's fixed contiguous parts, and each part runs its
 * own samples with its own scratch, calling GEMM on its own thread (so the backend should run one
 * thread per call). A forward with fewer samples than parts (batch 1 on 2 threads) cuts the output
 * channels instead, where the lowering can ({@link #forwardChannels()}). Splitting by samples
 * needs no synchronisation inside a pass and keeps every GEMM as large as on one thread; only dW
 * and dB are shared, so each part sums into its own copy ({@link PartGradients}) and the copies
 * are added in part order afterwards.
 *
 * <p>Fused (inference builds, {@link BuildOptions#fusion()}): each part, once its output is
 * written, applies the batch norm that follows and the ReLU or ReLU6 after that to its samples
 * while they are fresh, with the batch norm's kernel and constants read at the start of the
 * forward, so the output is what the three layers give unfused, to the bit, in one pass instead
 * of three.
 */
public final class Conv2d extends Layer {
    private final Conv2dSpec spec;
    private final Gemm gemm;

    private Parameter weight;      // value and grad (K, C/groups, kH, kW), used as a K x C/groups*kH*kW matrix
    private Parameter bias;        // value and grad (K), or null
    private ConvLowering lowering;
    private ConvPolicy.Lowering loweringKind;
    private BuildContext built;    // the workspace the parts take their scratch from
    private PartGradients weightGradParts; // (parts, K*C*kH*kW): each part's dW; null for one part, inference, or a lowering that sums its own
    private PartGradients biasGradParts;   // (parts, K): each part's dB; null for one part, inference, or without bias
    private FusedNormalization fused; // the batch norm and clamp this inference build applies to its output, or null
    private boolean loweringNormalizes; // whether the lowering applies `fused` itself, as it stores each plane

    /**
     * A convolution on the default GEMM backend.
     *
     * @param spec the hyperparameters
     */
    public Conv2d(Conv2dSpec spec) {
        this(spec, GemmBackend.defaultGemm());
    }

    /**
     * A convolution.
     *
     * @param spec the hyperparameters
     * @param gemm the backend its GEMMs run on
     */
    public Conv2d(Conv2dSpec spec, Gemm gemm) {
        this.spec = spec;
        this.gemm = gemm;
    }

    /**
     * The hyperparameters.
     *
     * @return the spec
     */
    public Conv2dSpec spec() {
        return spec;
    }

    /**
     * The filters, shape [K, C/groups, kH, kW] as in PyTorch; allocated by the first build.
     *
     * @return the weight parameter
     */
    public Parameter weight() {
        checkBuilt();
        return weight;
    }

    /**
     * The biases, shape [K], or null when the spec has none.
     *
     * @return the bias parameter, or null
     */
    public Parameter bias() {
        checkBuilt();
        return bias;
    }

    /**
     * How the last build lowered this layer.
     *
     * @return the lowering
     */
    public ConvPolicy.Lowering lowering() {
        checkBuilt();
        return loweringKind;
    }

    /**
     * Makes the next build apply {@code bn}, then clamp to [min, max], to the output (the parent
     * decides, {@link ConvFusion}); null undoes it.
     */
    void fuse(BatchNorm2d bn, float min, float max) {
        fused = bn == null ? null : new FusedNormalization(bn, spec.outChannels(), min, max);
    }

    /**
     * The batch norm the last build fused into this convolution.
     *
     * @return the batch norm, or null when the build fused none
     */
    BatchNorm2d fusedNorm() {
        return fused == null ? null : fused.norm();
    }

    @Override
    public Shape outputShape(Shape in) {
        if (in.rank() != 4) {
            throw new ShapeException(label() + ": expects input [N, C, H, W], got " + in);
        }
        if (in.dim(1) != spec.inChannels()) {
            throw new ShapeException(label() + ": expects " + spec.inChannels() + " input channels, got input " + in
                    + " with " + in.dim(1) + "; set inChannels to " + in.dim(1) + " or fix the previous layer");
        }
        if (!spec.groupsDivideChannels()) {
            throw new ShapeException(label() + ": groups " + spec.groups() + " must divide both the " + spec.inChannels()
                    + " input channels and the " + spec.outChannels() + " output channels");
        }
        int outH = OutputSize.of(label(), "height", in.dim(2), spec.kernelH(), spec.stride(), spec.padding(), spec.floor());
        int outW = OutputSize.of(label(), "width", in.dim(3), spec.kernelW(), spec.stride(), spec.padding(), spec.floor());
        return Shape.of(in.dim(0), spec.outChannels(), outH, outW);
    }

    @Override
    protected void allocate(Shape in, BuildContext ctx) {
        int k = spec.outChannels();
        int fanIn = spec.filterSize();
        int fanOut = k * spec.kernelH() * spec.kernelW(); // PyTorch's fan-out for any groups: dim 0 times the kernel
        weight = parameter(ctx, "weight", Shape.of(k, spec.groupInChannels(), spec.kernelH(), spec.kernelW()),
                InitRule.WEIGHT, true, fanIn, fanOut);
        bias = spec.bias() ? parameter(ctx, "bias", Shape.of(k), InitRule.BIAS, false, fanIn, fanOut) : null;
        int parts = parallel().parts();
        ConvPolicy policy = ctx.options().conv();
        loweringKind = policy.choose(spec, in, parts, gemm);
        lowering = policy.lowering(spec, in, outputShape(in), gemm, ctx.arena(), parts, ctx.training());
        ctx.workspace().reservePerPart(lowering.partFloats());
        built = ctx;
        boolean partSums = parts > 1 && ctx.training();
        weightGradParts = partSums && !lowering.finishesWeightGrad() ? new PartGradients(ctx.arena(), parts, weight.grad()) : null;
        biasGradParts = partSums && bias != null ? new PartGradients(ctx.arena(), parts, bias.grad()) : null;
        loweringNormalizes = fused != null && lowering.normalizes(fused);
    }

    /** Every pass is split by samples, even a small one: the parts' scratch is reserved anyway. */
    @Override
    protected Split split() {
        return Split.SAMPLES;
    }

    @Override
    protected boolean worthSplitting(Shape input) {
        return true;
    }

    @Override
    protected void beforeForward(int n) {
        lowering.prepare(parallel(), weight.value());
        if (fused != null) {
            fused.refresh();
        }
    }

    @Override
    protected void forwardPart(Tensor x, Tensor y, int from, int to, int part) {
        lowering.forward(x, from, to, part, built.workspace().segment(), built.workspace().partOffset(part),
                weight.value(), bias == null ? null : bias.value(), y);
        if (fused != null && !loweringNormalizes) {
            fused.apply(y, from, to, 0, spec.outChannels());
        }
    }

    /**
     * Below one sample per part the output channels are cut instead ({@link ConvLowering#channelBlocks}):
     * block b is channels [b K / blocks, (b + 1) K / blocks).
     */
    @Override
    protected int forwardChannels() {
        return lowering.channelBlocks();
    }

    @Override
    protected void beforeChannelParts(Tensor x, Tensor y) {
        lowering.shareInput(parallel(), x, weight.value(), y, built.workspace().segment(), built.workspace().partOffset(0));
    }

    @Override
    protected void forwardChannelPart(Tensor x, Tensor y, int from, int to, int part) {
        lowering.forwardChannels(x, from, to, part, built.workspace().segment(), built.workspace().partOffset(part),
                weight.value(), bias == null ? null : bias.value(), y);
        if (fused != null && !loweringNormalizes) { // this part's blocks of output channels, for every sample
            int k = spec.outChannels();
            int blocks = lowering.channelBlocks();
            fused.apply(y, 0, y.dim(0), (int) ((long) from * k / blocks), (int) ((long) to * k / blocks));
        }
    }

    /**
     * Accumulates dW += dZ col^T and dB += the sums of dZ over samples [from, to); overwrites dX =
     * col2im(W^T dZ) for them when dx is not null. With several parts each part sums into its own
     * rows, added in part order afterwards, so the result depends on the thread count but never on
     * timing.
     */
    @Override
    protected void backwardPart(Tensor x, Tensor y, Tensor dy, Tensor dx, int from, int to, int part) {
        Tensor dw = weight.grad();
        MemorySegment dwSeg = dw.segment();
        long dwOff = dw.offset();
        MemorySegment dbSeg = bias == null ? null : bias.grad().segment();
        long dbOff = bias == null ? 0 : bias.grad().offset();
        if (biasGradParts != null) {
            dbSeg = biasGradParts.segment();
            dbOff = biasGradParts.offset(part);
            biasGradParts.zero(part);
        }
        if (weightGradParts != null) {
            dwSeg = weightGradParts.segment();
            dwOff = weightGradParts.offset(part);
            if (from == to) {
                weightGradParts.zero(part);
            }
        }
        // A part's own dW starts from its first group; the layer's dW accumulates.
        lowering.backward(x, dy, from, to, part, built.workspace().segment(), built.workspace().partOffset(part),
                weight.value(), dwSeg, dwOff, weightGradParts != null, dbSeg, dbOff, dx);
    }

    @Override
    protected void afterBackward(boolean inputGrad) {
        if (lowering.finishesWeightGrad()) {
            lowering.finishWeightGrad(parallel(), weight.grad());
        } else if (weightGradParts != null) {
            weightGradParts.addTo(parallel());
        }
        if (biasGradParts != null) {
            biasGradParts.addTo(Parallel.of(1)); // K floats: not worth a hand-off
        }
    }

    @Override
    public String describe() {
        String kernel = spec.kernelH() + "x" + spec.kernelW();
        return "Conv2d(" + spec.inChannels() + "->" + spec.outChannels() + ", " + kernel + ", stride " + spec.stride()
                + ", pad " + spec.padding() + (spec.groups() == 1 ? "" : ", groups " + spec.groups())
                + (spec.bias() ? "" : ", no bias") + (spec.floor() ? ", floor" : "") + ")";
    }

    /** E.g. "height (32 - 5 + 2*2)/1 + 1 = 32, width ... -> 32x32x10; parameters (5*5*3)*10 + 10 = 760". */
    @Override
    public String explain(Shape in) {
        Shape out = outputShape(in);
        return "height " + OutputSize.explain(in.dim(2), spec.kernelH(), spec.stride(), spec.padding())
                + ", width " + OutputSize.explain(in.dim(3), spec.kernelW(), spec.stride(), spec.padding())
                + " -> " + out.dim(3) + "x" + out.dim(2) + "x" + out.dim(1)
                + "; parameters " + spec.explainParameters();
    }
}
