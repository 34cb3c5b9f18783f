package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;
import dev.stride.ops.Im2col;
import dev.stride.ops.OutputSize;
import dev.stride.tensor.Parallel;
import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;
import dev.stride.tensor.Workspace;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * 2-D convolution (cross-correlation, as in every CNN library) lowered to GEMM with im2col.
 *
 * <p>Layout: the batch is cut into groups of samples whose column matrices sit side by side (rows
 * C*kH*kW, columns samples*outH*outW), so each group costs one GEMM with the K x (C*kH*kW) weight
 * matrix. A group of one writes its product straight into the NCHW output; a larger group yields
 * (K, samples, outH*outW), which the bias pass copies into NCHW order, so the transpose rides on a
 * pass made anyway. Groups aim for {@link #MIN_COLUMNS} GEMM columns, capped by
 * {@link #MAX_GROUP_FLOATS} of scratch. Measured (single-threaded OpenBLAS, batch 64, forward /
 * backward, best of 6 on a loaded 2-core machine, so +-20%): the VGG layer 64->64 3x3 at 32x32 takes
 * 77 / 240 ms one sample per GEMM, 67 / 165 ms two per GEMM, 87 / 216 ms the whole batch in one
 * GEMM (168 MB of scratch); LeNet's conv2 (6->16 5x5 at 14x14) 1.3 / 4.3 ms per sample against
 * 1.0 / 3.0 ms grouped. The wider dW GEMM (its inner dimension is the group's columns) gains most.
 * The placeholder Java GEMM preferred one sample per GEMM (its naive loops suffer on wide
 * matrices), but it is being replaced by a blocked kernel, so the choice follows OpenBLAS.
 *
 * <p>The backward pass recomputes im2col instead of keeping the forward's columns: keeping them
 * would cost C*kH*kW*N*outH*outW floats per layer for the whole step (150 MB for a 64-channel 3x3
 * layer at 32x32 and batch 64), outside the shared workspace that later layers overwrite, while
 * recomputing is a memory-bound copy, cheap next to the GEMMs that read it. Small layers are the
 * exception: up to {@link #KEEP_COLUMNS_FLOATS} the layer keeps the forward's columns in its own
 * buffer when its output rows are narrower than {@link #KEEP_COLUMNS_BELOW_WIDTH}, because there
 * the GEMMs are tiny and im2col pays per short row (JFR on LeNet's conv2, 1 thread: im2col was about
 * a third of forward plus backward, GEMM about as much). Measured in thread CPU time, best of 60 on
 * the loaded 2-core machine: LeNet's conv2 forward plus backward 3.8 ms recomputing, 3.25 ms
 * keeping. LeNet's conv1 (28 wide) gained nothing: its im2col moves long runs, and its 5 MB of kept
 * columns no longer stay in cache between im2col and the GEMM, so it recomputes.
 *
 * <p>Threads: the workspace's {@link Parallel} cuts the batch into fixed contiguous parts, and each
 * part runs its own groups with its own scratch, calling GEMM on its own thread (so the backend
 * should run one thread per call). Splitting by samples needs no synchronisation inside a pass and
 * keeps every GEMM as large as on one thread; only dW and dB are shared, so each part sums into its
 * own copy ({@link PartGradients}) and the copies are added in part order afterwards.
 */
public final class Conv2d extends Layer {
    /** Fewest GEMM columns (samples * outH * outW) a group aims for; see the class comment. */
    static final int MIN_COLUMNS = 2048;
    /** Most floats of column matrix a group may need (32 MB), unless one sample alone needs more. */
    static final long MAX_GROUP_FLOATS = 1L << 23;
    /** Most floats of column matrix for the whole batch (8 MB) that a layer keeps from forward for backward. */
    static final long KEEP_COLUMNS_FLOATS = 1L << 21;
    /** Output rows narrower than this make im2col pay per row, so small layers keep their columns; see the class comment. */
    static final int KEEP_COLUMNS_BELOW_WIDTH = 16;
    /** Fewest input and output channels for which a 3x3 stride-1 layer uses {@link WinogradConv}. */
    static final int WINOGRAD_MIN_CHANNELS = 128;
    /** {@code -Dstride.winograd=false} keeps every layer on im2col, for comparisons. */
    public static final String WINOGRAD_PROPERTY = "stride.winograd";

    private final Conv2dSpec spec;
    private final Gemm gemm;
    private final int minColumns;
    private final long keepColumnsFloats;
    private final int winogradMinChannels;

    private Parameter weight;      // value and grad (K, C, kH, kW), used as a K x C*kH*kW matrix
    private Parameter bias;        // value and grad (K), or null
    private List<Parameter> parameters = List.of();

    private Shape input;           // (N, C, H, W) built for
    private Im2col im2col;
    private WinogradConv winograd; // the forward and input gradient of a suitable 3x3 layer, else null
    private int samplesPerGemm;
    private long zOffset;          // where the (K, samples*outH*outW) group product starts in a part's scratch
    private long partFloats;       // scratch per part: columns (C*kH*kW, samples*outH*outW), then the group product
    private Workspace workspace;   // parts() scratch areas of partFloats, one after another
    private Parallel parallel;
    private Tensor output;         // (N, K, outH, outW)
    private Tensor inputGrad;      // (N, C, H, W)
    private float[][] partRows;    // (parts, samples*outH*outW): each part's heap copy of one row of a group product
    private Tensor keptColumns;    // (N, C*kH*kW, outH*outW) as each group's (C*kH*kW, samples*outH*outW) block, or null
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
        this(spec, gemm, MIN_COLUMNS);
    }

    /** For tests and measurements: {@code minColumns} 1 forces one GEMM per sample. */
    Conv2d(Conv2dSpec spec, Gemm gemm, int minColumns) {
        this(spec, gemm, minColumns, KEEP_COLUMNS_FLOATS);
    }

    /** For tests and measurements: {@code keepColumnsFloats} 0 makes backward always recompute im2col. */
    Conv2d(Conv2dSpec spec, Gemm gemm, int minColumns, long keepColumnsFloats) {
        this(spec, gemm, minColumns, keepColumnsFloats,
                Boolean.parseBoolean(System.getProperty(WINOGRAD_PROPERTY, "true")) ? WINOGRAD_MIN_CHANNELS : Integer.MAX_VALUE);
    }

    /** For tests and measurements: {@code winogradMinChannels} 1 uses Winograd wherever it applies, MAX_VALUE never. */
    Conv2d(Conv2dSpec spec, Gemm gemm, int minColumns, long keepColumnsFloats, int winogradMinChannels) {
        if (minColumns < 1) {
            throw new IllegalArgumentException("minColumns must be at least 1, got " + minColumns);
        }
        this.spec = spec;
        this.gemm = gemm;
        this.minColumns = minColumns;
        this.keepColumnsFloats = keepColumnsFloats;
        this.winogradMinChannels = winogradMinChannels;
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
        im2col = new Im2col(in.dim(1), in.dim(2), in.dim(3), spec.kernelH(), spec.kernelW(),
                spec.stride(), spec.padding(), out.dim(2), out.dim(3));
        parallel = workspace.parallel();
        int parts = parallel.parts();
        int columns = im2col.columnsPerSample();
        long sampleFloats = (long) im2col.rows() * columns;
        int perPart = Math.ceilDiv(in.dim(0), parts);
        samplesPerGemm = im2col.isIdentity() ? 1
                : (int) Math.max(1, Math.min(Math.min(perPart, Math.ceilDiv(minColumns, columns)), MAX_GROUP_FLOATS / sampleFloats));
        long groupColumns = (long) samplesPerGemm * columns;
        zOffset = im2col.isIdentity() ? 0 : im2col.rows() * groupColumns;
        partFloats = zOffset + (samplesPerGemm > 1 ? k * groupColumns : 0);
        winograd = WinogradConv.suits(spec, winogradMinChannels) ? new WinogradConv(spec, in, gemm, arena, perPart) : null;
        if (winograd != null) {
            partFloats = Math.max(partFloats, winograd.partFloats());
        }
        workspace.reserve(parts * partFloats);
        this.workspace = workspace;
        this.input = in;
        output = Tensor.zeros(arena, out);
        inputGrad = Tensor.zeros(arena, in);
        partRows = new float[parts][(int) groupColumns];
        long batchColumnFloats = sampleFloats * in.dim(0);
        keptColumns = winograd == null && !im2col.isIdentity() && out.dim(3) < KEEP_COLUMNS_BELOW_WIDTH && batchColumnFloats <= keepColumnsFloats
                ? Tensor.zeros(arena, Shape.of(in.dim(0), im2col.rows(), columns)) : null;
        weightGradParts = parts > 1 ? new PartGradients(arena, parts, weight.grad()) : null;
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
            winograd.prepare(weight.value());
        }
        parallel.forEach(n, forwardParts);
        return outputView;
    }

    /** The forward of samples [from, to), in groups, with part {@code part}'s scratch. */
    private void forwardPart(int from, int to, int part) {
        Tensor x = lastInput;
        MemorySegment ws = workspace.segment();
        long base = part * partFloats;
        if (winograd != null) {
            winograd.forward(x, from, to, ws, base, output, bias == null ? null : bias.value());
            return;
        }
        int k = spec.outChannels();
        int rows = im2col.rows();
        int perSample = im2col.columnsPerSample();
        for (int first = from; first < to; first += samplesPerGemm) {
            int samples = Math.min(samplesPerGemm, to - first);
            int cols = samples * perSample;
            MemorySegment colSeg = columns(x, first, samples, ws, base);
            long colOff = columnsOffset(x, first, base);
            long outOff = output.offset() + (long) first * k * perSample;
            if (samples == 1) {
                gemm.sgemm(false, false, k, cols, rows, 1f, weight.value().segment(), weight.value().offset(),
                        colSeg, colOff, 0f, output.segment(), outOff);
                addBias(output.segment(), outOff, perSample);
            } else {
                gemm.sgemm(false, false, k, cols, rows, 1f, weight.value().segment(), weight.value().offset(),
                        colSeg, colOff, 0f, ws, base + zOffset);
                scatterWithBias(ws, base + zOffset, samples, output.segment(), outOff, partRows[part]);
            }
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
        if (weightGradParts != null) {
            weightGradParts.addTo(parallel);
            if (biasGradParts != null) {
                biasGradParts.addTo(Parallel.of(1)); // K floats: not worth a hand-off
            }
        }
        return needInputGrad ? inputGradView : null;
    }

    /** The backward of samples [from, to); dW and dB go to the gradients for one part, else to the part's own rows. */
    private void backwardPart(int from, int to, int part) {
        Tensor x = lastInput;
        Tensor dy = pendingGrad;
        MemorySegment ws = workspace.segment();
        long base = part * partFloats;
        Tensor w = weight.value();
        Tensor dw = weight.grad();
        int k = spec.outChannels();
        int rows = im2col.rows();
        int perSample = im2col.columnsPerSample();
        MemorySegment dwSeg = dw.segment();
        long dwOff = dw.offset();
        MemorySegment dbSeg = bias == null ? null : bias.grad().segment();
        long dbOff = bias == null ? 0 : bias.grad().offset();
        if (weightGradParts != null) {
            dwSeg = weightGradParts.segment();
            dwOff = weightGradParts.offset(part);
            if (biasGradParts != null) {
                dbSeg = biasGradParts.segment();
                dbOff = biasGradParts.offset(part);
                biasGradParts.zero(part);
            }
            if (from == to) {
                weightGradParts.zero(part);
            }
        }
        for (int first = from; first < to; first += samplesPerGemm) {
            int samples = Math.min(samplesPerGemm, to - first);
            int cols = samples * perSample;
            MemorySegment colSeg = keptColumns != null ? keptColumns.segment() : columns(x, first, samples, ws, base);
            long colOff = columnsOffset(x, first, base);
            // dZ as a K x cols matrix: a single sample's dy already is one; a group is gathered.
            MemorySegment dzSeg = dy.segment();
            long dzOff = dy.offset() + (long) first * k * perSample;
            if (samples > 1) {
                gather(dy.segment(), dzOff, samples, ws, base + zOffset);
                dzSeg = ws;
                dzOff = base + zOffset;
            }
            // A part's own dW starts from its first group; the layer's dW accumulates.
            float beta = weightGradParts != null && first == from ? 0f : 1f;
            gemm.sgemm(false, true, k, rows, cols, 1f, dzSeg, dzOff, colSeg, colOff, beta, dwSeg, dwOff);
            if (bias != null) {
                accumulateRowSums(dzSeg, dzOff, cols, dbSeg, dbOff, partRows[part]);
            }
            if (pendingInputGrad && winograd == null) {
                long dxOff = inputGrad.offset() + first * im2col.inputSampleSize();
                if (im2col.isIdentity()) {
                    gemm.sgemm(true, false, rows, cols, k, 1f, w.segment(), w.offset(), dzSeg, dzOff,
                            0f, inputGrad.segment(), dxOff);
                } else {
                    // The scratch columns were used up by dW (or never filled, when kept), so dCol = W^T dZ goes there.
                    gemm.sgemm(true, false, rows, cols, k, 1f, w.segment(), w.offset(), dzSeg, dzOff, 0f, ws, base);
                    im2col.col2im(ws, base, samples, inputGrad.segment(), dxOff, false);
                }
            }
        }
        if (pendingInputGrad && winograd != null) {
            winograd.inputGrad(dy, from, to, ws, base, inputGrad);
        }
    }

    /**
     * The column matrix of a group: the input itself for an identity im2col, else unrolled into the
     * kept columns or into {@code ws} at {@code base}.
     */
    private MemorySegment columns(Tensor x, int first, int samples, MemorySegment ws, long base) {
        if (im2col.isIdentity()) {
            return x.segment();
        }
        MemorySegment target = keptColumns != null ? keptColumns.segment() : ws;
        im2col.im2col(x.segment(), x.offset() + first * im2col.inputSampleSize(), samples, target,
                columnsOffset(x, first, base));
        return target;
    }

    /** Where {@link #columns} puts the group's column matrix. */
    private long columnsOffset(Tensor x, int first, long base) {
        if (im2col.isIdentity()) {
            return x.offset() + first * im2col.inputSampleSize();
        }
        return keptColumns != null ? keptColumns.offset() + (long) first * im2col.rows() * im2col.columnsPerSample() : base;
    }

    /** Adds each filter's bias to its (outH*outW) plane of one sample's output. */
    private void addBias(MemorySegment out, long offset, int plane) {
        if (bias == null) {
            return;
        }
        Tensor b = bias.value();
        for (int f = 0; f < spec.outChannels(); f++) {
            float v = b.segment().getAtIndex(FLOAT, b.offset() + f);
            long row = offset + (long) f * plane;
            for (int p = 0; p < plane; p++) {
                out.setAtIndex(FLOAT, row + p, out.getAtIndex(FLOAT, row + p) + v);
            }
        }
    }

    /**
     * Copies a (K, samples, plane) group product at {@code zOff} into (samples, K, plane) order, adding
     * the bias. Each filter's row goes through the heap in one copy, where the add vectorises;
     * per-element segment access measured as a visible share of LeNet's conv2 forward.
     */
    private void scatterWithBias(MemorySegment ws, long zOff, int samples, MemorySegment out, long outOffset,
                                 float[] row) {
        int k = spec.outChannels();
        int plane = im2col.columnsPerSample();
        int ld = samples * plane;
        for (int f = 0; f < k; f++) {
            MemorySegment.copy(ws, FLOAT, (zOff + (long) f * ld) * Float.BYTES, row, 0, ld);
            if (bias != null) {
                float v = bias.value().segment().getAtIndex(FLOAT, bias.value().offset() + f);
                for (int p = 0; p < ld; p++) {
                    row[p] += v;
                }
            }
            for (int s = 0; s < samples; s++) {
                long dst = outOffset + ((long) s * k + f) * plane;
                MemorySegment.copy(row, s * plane, out, FLOAT, dst * Float.BYTES, plane);
            }
        }
    }

    /** Copies (samples, K, plane) gradients into a (K, samples*plane) matrix: the inverse of the forward's scatter. */
    private void gather(MemorySegment dy, long dyOffset, int samples, MemorySegment ws, long wsOffset) {
        int k = spec.outChannels();
        long plane = im2col.columnsPerSample();
        long ld = samples * plane;
        for (int s = 0; s < samples; s++) {
            for (int f = 0; f < k; f++) {
                MemorySegment.copy(dy, (dyOffset + (s * k + f) * plane) * Float.BYTES,
                        ws, (wsOffset + f * ld + s * plane) * Float.BYTES, plane * Float.BYTES);
            }
        }
    }

    /**
     * db[f] += the sum of row f of the K x cols matrix dZ. Four running sums instead of one: a single
     * float sum waits on each add's latency. The order is fixed, so results stay reproducible.
     */
    private void accumulateRowSums(MemorySegment dz, long offset, int cols, MemorySegment db, long dbOffset,
                                   float[] row) {
        for (int f = 0; f < spec.outChannels(); f++) {
            MemorySegment.copy(dz, FLOAT, (offset + (long) f * cols) * Float.BYTES, row, 0, cols);
            float s0 = 0f;
            float s1 = 0f;
            float s2 = 0f;
            float s3 = 0f;
            int p = 0;
            for (; p + 3 < cols; p += 4) {
                s0 += row[p];
                s1 += row[p + 1];
                s2 += row[p + 2];
                s3 += row[p + 3];
            }
            for (; p < cols; p++) {
                s0 += row[p];
            }
            long at = dbOffset + f;
            db.setAtIndex(FLOAT, at, db.getAtIndex(FLOAT, at) + ((s0 + s1) + (s2 + s3)));
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
