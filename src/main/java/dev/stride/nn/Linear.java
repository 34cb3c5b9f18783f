package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;
import dev.stride.tensor.HeapChunks;
import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * Fully connected layer {@code y = x W^T + b} on inputs [N, in], with W of shape [out, in] as in PyTorch.
 *
 * <p>Threads: with a workspace of several, the forward pass and the input gradient split the batch
 * rows and the weight gradient splits the output features over the workspace's fixed parts, so
 * every element of y, dX, dW and dB comes from one GEMM or sum on one thread, in the same order
 * whatever the timing; no partial sums need adding up. Layers under {@link #MIN_PARALLEL_MACS} run
 * on the calling thread.
 */
public final class Linear extends Layer {
    /**
     * Fewest multiply-adds in one pass (batch x in x out) for which the passes are split: below it,
     * waking the workers costs more than they save (docs/design-measurements.md).
     */
    static final long MIN_PARALLEL_MACS = 1L << 23;
    /**
     * Most batch rows a part multiplies as y^T = W x^T (then transposed into y): up to here
     * OpenBLAS ran that form 1.3-2.4x as fast as x W^T, whose B operand (W) it packs on every
     * call (docs/design-measurements.md); with more rows the two are within 10%.
     */
    static final int TRANSPOSED_MAX_ROWS = 32;
    /**
     * Fewest weights (in x out) for the W x^T form at more than one row: below, its transpose costs
     * more than it saves (LeNet's 84 -> 10 at 32 rows: 1.4 against 1.7 us).
     */
    static final int TRANSPOSED_MIN_WEIGHTS = 1 << 14;

    private final int in;
    private final int out;
    private final boolean hasBias;
    private final Gemm gemm;

    private Parameter weight;      // value and grad (out, in)
    private Parameter bias;        // value and grad (out), or null
    private BuildContext built;    // the workspace a part's W x^T goes to
    private float[][] partProducts; // (parts, out * TRANSPOSED_MAX_ROWS): a part's W x^T on the heap
    private float[][] partRows;     // (parts, out): one output row on its way to y

    /**
     * A fully connected layer with a bias, on the default GEMM backend.
     *
     * @param in input features
     * @param out output features
     */
    public Linear(int in, int out) {
        this(in, out, true, GemmBackend.defaultGemm());
    }

    /**
     * A fully connected layer.
     *
     * @param in input features
     * @param out output features
     * @param bias whether it adds a bias
     * @param gemm the backend its GEMMs run on
     */
    public Linear(int in, int out, boolean bias, Gemm gemm) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("Linear needs at least one input and one output, got " + in + " -> " + out);
        }
        this.in = in;
        this.out = out;
        this.hasBias = bias;
        this.gemm = gemm;
    }

    /**
     * Input features.
     *
     * @return the count
     */
    public int inFeatures() {
        return in;
    }

    /**
     * Output features.
     *
     * @return the count
     */
    public int outFeatures() {
        return out;
    }

    /**
     * Whether the layer adds a bias (known before it is built).
     *
     * @return true with a bias
     */
    public boolean hasBias() {
        return hasBias;
    }

    /**
     * The weights, shape [out, in]; allocated by the first build.
     *
     * @return the weight parameter
     */
    public Parameter weight() {
        checkBuilt();
        return weight;
    }

    /**
     * The biases, shape [out], or null when built without.
     *
     * @return the bias parameter, or null
     */
    public Parameter bias() {
        checkBuilt();
        return bias;
    }

    @Override
    public Shape outputShape(Shape x) {
        if (x.rank() != 2 || x.dim(1) != in) {
            throw new ShapeException(label() + ": expects input [N, " + in + "], got " + x
                    + (x.rank() > 2 ? "; put a Flatten before it" : ""));
        }
        return Shape.of(x.dim(0), out);
    }

    @Override
    protected void allocate(Shape x, BuildContext ctx) {
        weight = parameter(ctx, "weight", Shape.of(out, in), InitRule.WEIGHT, true, in, out);
        bias = hasBias ? parameter(ctx, "bias", Shape.of(out), InitRule.BIAS, false, in, out) : null;
        built = ctx;
        int rows = Math.min(TRANSPOSED_MAX_ROWS, x.dim(0)); // a pass too small to split runs all rows as part 0
        ctx.workspace().reservePerPart((long) out * rows);
        partProducts = new float[parallel().parts()][out * rows];
        partRows = new float[parallel().parts()][out];
    }

    /** Forward and the input gradient by batch rows; the weight gradient by output features. */
    @Override
    protected Split split() {
        return Split.SAMPLES;
    }

    @Override
    protected Split parameterGradSplit() {
        return Split.FEATURES;
    }

    @Override
    protected boolean worthSplitting(Shape x) {
        return (long) x.dim(0) * in * out >= MIN_PARALLEL_MACS;
    }

    /**
     * y = x W^T + b for batch rows [from, to): each row starts as b (one bulk copy) and the GEMM adds
     * x W^T to it (beta 1), instead of a pass over y element by element afterwards. The GEMMs add
     * their blocks of the product to C as they go, so b now enters the sum first rather than last:
     * the same value up to float rounding.
     */
    @Override
    protected void forwardPart(Tensor x, Tensor output, int from, int to, int part) {
        if (from == to) {
            return;
        }
        Tensor w = weight.value();
        MemorySegment y = output.segment();
        if (to - from > 1 && to - from <= TRANSPOSED_MAX_ROWS && (long) in * out >= TRANSPOSED_MIN_WEIGHTS) {
            forwardTransposed(x, output, from, to, part);
            return;
        }
        if (bias != null) {
            Tensor b = bias.value();
            for (int r = from; r < to; r++) {
                MemorySegment.copy(b.segment(), FLOAT, b.offset() * Float.BYTES, y, FLOAT,
                        (output.offset() + (long) r * out) * Float.BYTES, out);
            }
        }
        float beta = bias != null ? 1f : 0f;
        if (to - from == 1) {
            // One row, y^T = W x^T: OpenBLAS ran the 1 x out product of x W^T at a third of this
            // form's speed for MobileNetV2's head (1280 -> 1000, docs/design-measurements.md).
            gemm.sgemm(false, false, out, 1, in, 1f, w.segment(), w.offset(), in, x.segment(), x.offset() + (long) from * in, 1,
                    beta, y, output.offset() + (long) from * out, 1);
            return;
        }
        gemm.sgemm(false, true, to - from, out, in, 1f, x.segment(), x.offset() + (long) from * in, w.segment(), w.offset(),
                beta, y, output.offset() + (long) from * out);
    }

    /**
     * y = x W^T + b for batch rows [from, to), a few: W x^T (out x rows) into the part's scratch,
     * then each output row gathered from its column on the heap, plus b. The bias enters last here
     * and first in the other forms: the same value up to float rounding.
     */
    private void forwardTransposed(Tensor x, Tensor output, int from, int to, int part) {
        int rows = to - from;
        Tensor w = weight.value();
        MemorySegment ws = built.workspace().segment();
        long at = built.workspace().partOffset(part);
        gemm.sgemm(false, true, out, rows, in, 1f, w.segment(), w.offset(), in, x.segment(), x.offset() + (long) from * in, in,
                0f, ws, at, rows);
        float[] product = partProducts[part];
        float[] row = partRows[part];
        MemorySegment.copy(ws, FLOAT, at * Float.BYTES, product, 0, out * rows);
        for (int i = 0; i < rows; i++) {
            if (bias != null) {
                Tensor b = bias.value();
                MemorySegment.copy(b.segment(), FLOAT, b.offset() * Float.BYTES, row, 0, out);
                for (int o = 0; o < out; o++) {
                    row[o] += product[o * rows + i];
                }
            } else {
                for (int o = 0; o < out; o++) {
                    row[o] = product[o * rows + i];
                }
            }
            MemorySegment.copy(row, 0, output.segment(), FLOAT, (output.offset() + (long) (from + i) * out) * Float.BYTES, out);
        }
    }

    /** dW[j] += dy[:, j]^T x and dB[j] += the sum of dy[:, j] for output features j in [from, to). */
    @Override
    protected void parameterGradPart(Tensor x, Tensor dy, int from, int to, int part) {
        if (from == to) {
            return;
        }
        int n = x.dim(0);
        Tensor dw = weight.grad();
        gemm.sgemm(true, false, to - from, in, n, 1f, dy.segment(), dy.offset() + from, out, x.segment(), x.offset(), in,
                1f, dw.segment(), dw.offset() + (long) from * in, in);
        if (bias != null) {
            addColumnSums(dy, n, from, to);
        }
    }

    /**
     * dB[j] += dy[0][j] + dy[1][j] + ... for j in [from, to), summed in that order as before, a row
     * at a time through heap chunks (a loop C2 vectorises) instead of down each column of the segment.
     */
    private void addColumnSums(Tensor dy, int n, int from, int to) {
        Tensor db = bias.grad();
        HeapChunks chunks = HeapChunks.get();
        float[] row = chunks.a;
        float[] sums = chunks.b;
        for (int j0 = from; j0 < to; j0 += HeapChunks.SIZE) {
            int len = Math.min(HeapChunks.SIZE, to - j0);
            Arrays.fill(sums, 0, len, 0f);
            for (int r = 0; r < n; r++) {
                HeapChunks.load(dy.segment(), dy.offset() + (long) r * out + j0, row, len);
                for (int j = 0; j < len; j++) {
                    sums[j] += row[j];
                }
            }
            HeapChunks.load(db.segment(), db.offset() + j0, row, len);
            for (int j = 0; j < len; j++) {
                row[j] += sums[j];
            }
            HeapChunks.store(row, len, db.segment(), db.offset() + j0);
        }
    }

    /** dx = dy W for batch rows [from, to). */
    @Override
    protected void backwardPart(Tensor x, Tensor y, Tensor dy, Tensor inputGrad, int from, int to, int part) {
        if (from == to || inputGrad == null) {
            return;
        }
        Tensor w = weight.value();
        gemm.sgemm(false, false, to - from, in, out, 1f, dy.segment(), dy.offset() + (long) from * out, w.segment(),
                w.offset(), 0f, inputGrad.segment(), inputGrad.offset() + (long) from * in);
    }

    @Override
    public String describe() {
        return "Linear(" + in + "->" + out + (hasBias ? "" : ", no bias") + ")";
    }

    /** E.g. "[1, 400] -> [1, 120]; parameters 400*120 + 120 = 48120". */
    @Override
    public String explain(Shape x) {
        Shape y = outputShape(x);
        long count = (long) in * out + (hasBias ? out : 0);
        return x + " -> " + y + "; parameters " + in + "*" + out + (hasBias ? " + " + out : "") + " = " + count;
    }
}
