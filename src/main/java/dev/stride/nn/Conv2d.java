package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;
import dev.stride.ops.OutputSize;
import dev.stride.tensor.Parallel;
import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;
import dev.stride.tensor.Workspace;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * 2-D convolution (cross-correlation, as in every CNN library) lowered to GEMM: Winograd's
 * F(2x2, 3x3) ({@link WinogradConv}) for 3x3, stride-1 layers with at least
 * {@link #WINOGRAD_MIN_CHANNELS} input and output channels, where it measured faster; one GEMM per
 * kernel column over whole input rows ({@link ShiftConv}) for other stride-1 layers without
 * padding, when the GEMM's thin calls are cheap (OpenBLAS's AVX-512 kernels); and im2col
 * ({@link Im2colConv}) for every other layer.
 *
 * <p>Threads: the workspace's {@link Parallel} cuts the batch into fixed contiguous parts, and each
 * part runs its own groups with its own scratch, calling GEMM on its own thread (so the backend
 * should run one thread per call). Splitting by samples needs no synchronisation inside a pass and
 * keeps every GEMM as large as on one thread; only dW and dB are shared, so each part sums into its
 * own copy ({@link PartGradients}) and the copies are added in part order afterwards.
 */
public final class Conv2d extends Layer {
    /**
     * Fewest input and output channels for which a 3x3 stride-1 layer uses {@link WinogradConv}.
     * Measured (JMH LayerBenchmark, batch 64, one thread, alternating runs on the noisy 2-core
     * machine): 64->64 at 32x32 forward 33-37 ms against 39-44 with im2col, forward and backward
     * 109-121 against 137-139; 128->128 at 16x16 forward 26-31 against 37-39. With 3 input channels
     * the 16 GEMMs are three deep and im2col stays ahead.
     */
    static final int WINOGRAD_MIN_CHANNELS = 64;

    /** {@code -Dstride.winograd=false} keeps every layer on im2col, for comparisons. */
    public static final String WINOGRAD_PROPERTY = "stride.winograd";

    /** {@code -Dstride.shiftconv=false} keeps valid stride-1 layers on im2col instead of {@link ShiftConv}, for comparisons. */
    public static final String SHIFT_PROPERTY = "stride.shiftconv";

    private final Conv2dSpec spec;
    private final Gemm gemm;
    private final int minColumns;
    private final long keepColumnsFloats;
    private final int winogradMinChannels;
    private final boolean shiftColumns;

    private Parameter weight;      // value and grad (K, C, kH, kW), used as a K x C*kH*kW matrix
    private Parameter bias;        // value and grad (K), or null
    private List<Parameter> parameters = List.of();

    private Shape input;           // (N, C, H, W) built for
    private ShiftConv shift;       // the passes of a valid stride-1 layer WinogradConv does not take, else null
    private Im2colConv im2col;     // the passes of every other layer, else null
    private WinogradConv winograd; // the forward and input gradient of a suitable 3x3 layer, else null
    private Workspace workspace;   // scratch: an area per part, of at least what the layer's path needs
    private Parallel parallel;
    private Tensor output;         // (N, K, outH, outW)
    private Tensor inputGrad;      // (N, C, H, W)
    private PartGradients weightGradParts; // (parts, K*C*kH*kW): each part's dW; null for one part
    private PartGradients biasGradParts;   // (parts, K): each part's dB; null for one part or without bias

    private Tensor lastInput;      // (n, C, H, W) of the last forward
    private Tensor outputView;     // the first n samples of output
    private Tensor inputGradView;  // the first n samples of inputGrad
    private Tensor pendingGrad;    // dy of the backward in progress, read by the parts
    private boolean pendingInputGrad;

    // Made once so that a parallel call allocates nothing.
    private final Parallel.Body forwardParts = this::forwardPart;
    private final Parallel.Body backwardParts = this::backwardPart;

    public Conv2d(Conv2dSpec spec) {
        this(spec, GemmBackend.defaultGemm());
    }

    public Conv2d(Conv2dSpec spec, Gemm gemm) {
        this(spec, gemm, Im2colConv.MIN_COLUMNS);
    }

    /** For tests and measurements: {@code minColumns} 1 forces one GEMM per sample. */
    Conv2d(Conv2dSpec spec, Gemm gemm, int minColumns) {
        this(spec, gemm, minColumns, Im2colConv.KEEP_COLUMNS_FLOATS);
    }

    /**
     * For tests and measurements: {@code keepColumnsFloats} 0 makes backward always recompute
     * im2col, or Winograd's transform of the input, instead of keeping the forward's.
     */
    Conv2d(Conv2dSpec spec, Gemm gemm, int minColumns, long keepColumnsFloats) {
        this(spec, gemm, minColumns, keepColumnsFloats,
                Boolean.parseBoolean(System.getProperty(WINOGRAD_PROPERTY, "true")) ? WINOGRAD_MIN_CHANNELS : Integer.MAX_VALUE);
    }

    /** For tests and measurements: {@code winogradMinChannels} 1 uses Winograd wherever it applies, MAX_VALUE never. */
    Conv2d(Conv2dSpec spec, Gemm gemm, int minColumns, long keepColumnsFloats, int winogradMinChannels) {
        this(spec, gemm, minColumns, keepColumnsFloats, winogradMinChannels,
                Boolean.parseBoolean(System.getProperty(SHIFT_PROPERTY, "true")) && ShiftConv.pays(spec, gemm));
    }

    /**
     * For tests and measurements: {@code shiftColumns} true runs valid stride-1 layers through
     * {@link ShiftConv} whatever the backend, false keeps them on im2col; the public constructors
     * leave the choice to {@link ShiftConv#pays}.
     */
    Conv2d(Conv2dSpec spec, Gemm gemm, int minColumns, long keepColumnsFloats, int winogradMinChannels,
           boolean shiftColumns) {
        if (minColumns < 1) {
            throw new IllegalArgumentException("minColumns must be at least 1, got " + minColumns);
        }
        this.spec = spec;
        this.gemm = gemm;
        this.minColumns = minColumns;
        this.keepColumnsFloats = keepColumnsFloats;
        this.winogradMinChannels = winogradMinChannels;
        this.shiftColumns = shiftColumns;
    }

    public Conv2dSpec spec() {
        return spec;
    }

    /** The filters, shape [K, C, kH, kW]; allocated by the first {@link #build}. */
    public Parameter weight() {
        checkBuilt();
        return weight;
    }

    /** The biases, shape [K], or null when the spec has none. */
    public Parameter bias() {
        checkBuilt();
        return bias;
    }

    @Override
    public List<Parameter> parameters() {
        checkBuilt();
        return parameters;
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
        int outH = OutputSize.of(label(), "height", in.dim(2), spec.kernelH(), spec.stride(), spec.padding(), spec.floor());
        int outW = OutputSize.of(label(), "width", in.dim(3), spec.kernelW(), spec.stride(), spec.padding(), spec.floor());
        return Shape.of(in.dim(0), spec.outChannels(), outH, outW);
    }

    /** Allocates the parameters on the first call (later builds keep them), outputs and gradients. */
    @Override
    public void build(Shape in, Arena arena, Workspace workspace) {
        Shape out = outputShape(in);
        int k = spec.outChannels();
        if (weight == null) {
            parameters = WeightAndBias.create(arena, Shape.of(k, spec.inChannels(), spec.kernelH(), spec.kernelW()),
                    k, spec.bias(), spec.filterSize(), k * spec.kernelH() * spec.kernelW());
            weight = parameters.get(0);
            bias = spec.bias() ? parameters.get(1) : null;
        }
        parallel = workspace.parallel();
        int parts = parallel.parts();
        int perPart = Math.ceilDiv(in.dim(0), parts);
        winograd = WinogradConv.suits(spec, winogradMinChannels) ? new WinogradConv(spec, in, gemm, arena, parts, perPart,
                Math.min(keepColumnsFloats, WinogradConv.KEEP_V_FLOATS)) : null;
        shift = winograd == null && shiftColumns && ShiftConv.suits(spec)
                ? new ShiftConv(spec, in, out, gemm, arena, parts, keepColumnsFloats) : null;
        im2col = winograd == null && shift == null
                ? new Im2colConv(spec, in, out, gemm, arena, parts, minColumns, keepColumnsFloats) : null;
        workspace.reservePerPart(winograd != null ? winograd.partFloats() : shift != null ? shift.partFloats() : im2col.partFloats());
        this.workspace = workspace;
        this.input = in;
        output = Tensor.zeros(arena, out);
        inputGrad = Tensor.zeros(arena, in);
        weightGradParts = parts > 1 && winograd == null ? new PartGradients(arena, parts, weight.grad()) : null;
        biasGradParts = parts > 1 && bias != null ? new PartGradients(arena, parts, bias.grad()) : null;
        outputView = output;
        inputGradView = inputGrad;
        lastInput = null;
    }

    /** Overwrites and returns the layer's output buffer (its first n samples for a batch of n). */
    @Override
    public Tensor forward(Tensor x) {
        checkBuilt();
        checkInput(x, input);
        int n = x.dim(0);
        if (outputView.dim(0) != n) {
            outputView = output.firstBatch(n);
        }
        lastInput = x;
        if (winograd != null) {
            winograd.prepare(parallel, weight.value());
        }
        parallel.forEach(n, forwardParts);
        return outputView;
    }

    /** The forward of samples [from, to) with part {@code part}'s scratch. */
    private void forwardPart(int from, int to, int part) {
        MemorySegment ws = workspace.segment();
        long base = workspace.partOffset(part);
        Tensor b = bias == null ? null : bias.value();
        if (winograd != null) {
            winograd.forward(lastInput, from, to, ws, base, output, b);
        } else if (shift != null) {
            shift.forward(lastInput, from, to, part, ws, base, weight.value(), b, output);
        } else {
            im2col.forward(lastInput, from, to, part, ws, base, weight.value(), b, output);
        }
    }

    /**
     * Accumulates dW += dZ col^T and dB += the sums of dZ over the batch; when
     * {@code needInputGrad}, overwrites and returns dX = col2im(W^T dZ). With several parts each
     * part sums its samples' dW and dB on its own, and the parts are then added in part order, so
     * the result depends on the thread count but never on timing.
     */
    @Override
    public Tensor backward(Tensor dy, boolean needInputGrad) {
        checkBuilt();
        if (lastInput == null) {
            throw new IllegalStateException(label() + ": backward called before forward");
        }
        checkGradient(dy, outputView.shape());
        int n = lastInput.dim(0);
        if (needInputGrad && inputGradView.dim(0) != n) {
            inputGradView = inputGrad.firstBatch(n);
        }
        pendingGrad = dy;
        pendingInputGrad = needInputGrad;
        try {
            parallel.forEach(n, backwardParts);
        } finally {
            pendingGrad = null;
        }
        if (winograd != null) {
            winograd.finishWeightGrad(parallel, weight.grad());
        } else if (weightGradParts != null) {
            weightGradParts.addTo(parallel);
        }
        if (biasGradParts != null) {
            biasGradParts.addTo(Parallel.of(1)); // K floats: not worth a hand-off
        }
        return needInputGrad ? inputGradView : null;
    }

    /**
     * The backward of samples [from, to); dW and dB go to the gradients for one part, else to the
     * part's own rows (for a Winograd layer, dW's first half goes to the part's own dU instead).
     */
    private void backwardPart(int from, int to, int part) {
        MemorySegment ws = workspace.segment();
        long base = workspace.partOffset(part);
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
        boolean freshDw = weightGradParts != null;
        if (shift != null) {
            shift.backward(lastInput, pendingGrad, from, to, part, ws, base, weight.value(), dwSeg, dwOff, freshDw,
                    dbSeg, dbOff, pendingInputGrad ? inputGrad : null);
            return;
        }
        if (im2col != null) {
            im2col.backward(lastInput, pendingGrad, from, to, part, ws, base, weight.value(), dwSeg, dwOff, freshDw,
                    dbSeg, dbOff, pendingInputGrad ? inputGrad : null);
            return;
        }
        winograd.weightGrad(lastInput, pendingGrad, from, to, part, ws, base, dbSeg, dbOff);
        if (pendingInputGrad) {
            winograd.inputGrad(pendingGrad, from, to, ws, base, inputGrad);
        }
    }

    private void checkBuilt() {
        if (weight == null || output == null) {
            throw new IllegalStateException(label() + ": not built yet; call build (or Sequential.build) first");
        }
    }

    @Override
    public String describe() {
        String kernel = spec.kernelH() + "x" + spec.kernelW();
        return "Conv2d(" + spec.inChannels() + "->" + spec.outChannels() + ", " + kernel + ", stride " + spec.stride()
                + ", pad " + spec.padding() + (spec.bias() ? "" : ", no bias") + (spec.floor() ? ", floor" : "") + ")";
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
