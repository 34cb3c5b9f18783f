package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;
import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;
import dev.stride.tensor.Workspace;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static dev.stride.tensor.Tensor.FLOAT;

/** Fully connected layer {@code y = x W^T + b} on inputs [N, in], with W of shape [out, in] as in PyTorch. */
public final class Linear extends Layer {
    private final int in;
    private final int out;
    private final boolean hasBias;
    private final Gemm gemm;

    private Parameter weight;      // value and grad (out, in)
    private Parameter bias;        // value and grad (out), or null
    private List<Parameter> parameters = List.of();

    private Shape input;           // (N, in) built for
    private Tensor output;         // (N, out)
    private Tensor inputGrad;      // (N, in)

    private Tensor lastInput;      // (n, in) of the last forward
    private Tensor outputView;     // the first n rows of output
    private Tensor inputGradView;  // the first n rows of inputGrad

    public Linear(int in, int out) {
        this(in, out, true, GemmBackend.defaultGemm());
    }

    public Linear(int in, int out, boolean bias, Gemm gemm) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("Linear needs at least one input and one output, got " + in + " -> " + out);
        }
        this.in = in;
        this.out = out;
        this.hasBias = bias;
        this.gemm = gemm;
    }

    public int inFeatures() {
        return in;
    }

    public int outFeatures() {
        return out;
    }

    /** Whether the layer adds a bias (known before it is built). */
    public boolean hasBias() {
        return hasBias;
    }

    /** The weights, shape [out, in]; allocated by the first {@link #build}. */
    public Parameter weight() {
        checkBuilt();
        return weight;
    }

    /** The biases, shape [out], or null when built without. */
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
    public Shape outputShape(Shape x) {
        if (x.rank() != 2 || x.dim(1) != in) {
            throw new ShapeException(label() + ": expects input [N, " + in + "], got " + x
                    + (x.rank() > 2 ? "; put a Flatten before it" : ""));
        }
        return Shape.of(x.dim(0), out);
    }

    /** Allocates the parameters on the first call (later builds keep them), the output and the input gradient. */
    @Override
    public void build(Shape x, Arena arena, Workspace workspace) {
        Shape y = outputShape(x);
        if (weight == null) {
            parameters = WeightAndBias.create(arena, Shape.of(out, in), out, hasBias, in, out);
            weight = parameters.get(0);
            bias = hasBias ? parameters.get(1) : null;
        }
        input = x;
        output = Tensor.zeros(arena, y);
        inputGrad = Tensor.zeros(arena, x);
        outputView = output;
        inputGradView = inputGrad;
        lastInput = null;
    }

    /** Overwrites and returns the layer's output buffer (its first n rows for a batch of n). */
    @Override
    public Tensor forward(Tensor x) {
        checkBuilt();
        checkInput(x, input);
        int n = x.dim(0);
        if (outputView.dim(0) != n) {
            outputView = output.firstBatch(n);
        }
        lastInput = x;
        Tensor w = weight.value();
        gemm.sgemm(false, true, n, out, in, 1f, x.segment(), x.offset(), w.segment(), w.offset(),
                0f, output.segment(), output.offset());
        if (bias != null) {
            MemorySegment y = output.segment();
            Tensor b = bias.value();
            for (int r = 0; r < n; r++) {
                long row = output.offset() + (long) r * out;
                for (int j = 0; j < out; j++) {
                    y.setAtIndex(FLOAT, row + j, y.getAtIndex(FLOAT, row + j) + b.segment().getAtIndex(FLOAT, b.offset() + j));
                }
            }
        }
        return outputView;
    }

    /** Accumulates dW += dy^T x and dB += column sums of dy; when {@code needInputGrad}, overwrites dx = dy W. */
    @Override
    public Tensor backward(Tensor dy, boolean needInputGrad) {
        checkBuilt();
        if (lastInput == null) {
            throw new IllegalStateException(label() + ": backward called before forward");
        }
        checkGradient(dy, outputView.shape());
        Tensor x = lastInput;
        int n = x.dim(0);
        Tensor dw = weight.grad();
        gemm.sgemm(true, false, out, in, n, 1f, dy.segment(), dy.offset(), x.segment(), x.offset(),
                1f, dw.segment(), dw.offset());
        if (bias != null) {
            Tensor db = bias.grad();
            for (int j = 0; j < out; j++) {
                float sum = 0f;
                for (int r = 0; r < n; r++) {
                    sum += dy.segment().getAtIndex(FLOAT, dy.offset() + (long) r * out + j);
                }
                db.segment().setAtIndex(FLOAT, db.offset() + j, db.segment().getAtIndex(FLOAT, db.offset() + j) + sum);
            }
        }
        if (!needInputGrad) {
            return null;
        }
        if (inputGradView.dim(0) != n) {
            inputGradView = inputGrad.firstBatch(n);
        }
        Tensor w = weight.value();
        gemm.sgemm(false, false, n, in, out, 1f, dy.segment(), dy.offset(), w.segment(), w.offset(),
                0f, inputGrad.segment(), inputGrad.offset());
        return inputGradView;
    }

    private void checkBuilt() {
        if (weight == null || output == null) {
            throw new IllegalStateException(label() + ": not built yet; call build (or Sequential.build) first");
        }
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
