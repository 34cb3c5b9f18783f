package dev.stride.nn;

import dev.stride.ops.Activations;
import dev.stride.ops.BranchOps;
import dev.stride.tensor.Parallel;
import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;

import java.util.List;

/**
 * What ResNet's blocks and MobileNet's inverted residuals share: a main path of children run one
 * after another, a shortcut (the identity, or a child such as a 1x1 convolution with batch norm),
 * their sum, and optionally a ReLU after it. The subclass names and registers the children, as
 * torchvision names them, then calls {@link #paths}, or {@link #mainPathOnly} for a block that
 * has no shortcut at these settings (MobileNet's inverted residual where the stride or the
 * channels change).
 *
 * <p>Backward: the sum's gradient (through the ReLU) goes down both paths, and the input gradient
 * is the sum of theirs.
 */
public abstract class ResidualBlock extends Layer {
    private List<Layer> main;       // run in order
    private Layer shortcut;         // null for the identity
    private boolean reluAfter;
    private boolean residual;       // false: the block is its main path alone
    private FirstRows out;          // the output shape
    private FirstRows sumGrad;      // the output shape: dL/d(main + shortcut); null for inference builds
    private FirstRows dx;           // the input shape; null for inference builds
    private Tensor lastY;
    private Parallel parallel;      // the workspace's: the sum and its gradient split by samples
    private long sample;            // floats of one sample of the tensors the parts work on
    private long total;             // floats of those tensors
    private boolean byRuns;         // fewer samples than parts: the parallel call's indexes are runs of elements
    private Tensor pendingA;        // the operands of the join in progress, read by the parts
    private Tensor pendingB;
    private Tensor pendingOut;
    private final Parallel.Body joinParts = this::joinPart;       // made once: calls allocate nothing
    private final Parallel.Body reluGradParts = this::reluGradPart;
    private final Parallel.Body sumGradParts = this::sumGradPart;

    /** A block without paths yet: the subclass registers its children, then calls {@link #paths} or {@link #mainPathOnly}. */
    public ResidualBlock() {
    }

    /**
     * Sets the main path (children already registered), the shortcut (a child, or null for the identity) and
     * the ReLU after the sum.
     *
     * @param main the main path
     * @param shortcut the shortcut, or null
     * @param reluAfter whether a ReLU follows the sum
     */
    protected final void paths(List<Layer> main, Layer shortcut, boolean reluAfter) {
        if (main.isEmpty()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": the main path needs at least one layer");
        }
        this.main = List.copyOf(main);
        this.shortcut = shortcut;
        this.reluAfter = reluAfter;
        this.residual = true;
    }

    /**
     * Sets the main path (children already registered) with no shortcut and no sum: the output is the path's.
     *
     * @param main the main path
     */
    protected final void mainPathOnly(List<Layer> main) {
        paths(main, null, false);
        this.residual = false;
    }

    /**
     * The main path's layers in running order.
     *
     * @return the layers, unmodifiable
     */
    public final List<Layer> mainPath() {
        return main;
    }

    /**
     * The shortcut layer; null for the identity, and for a block without a sum ({@link #hasSum()}).
     *
     * @return the shortcut, or null
     */
    public final Layer shortcut() {
        return shortcut;
    }

    /**
     * Whether the output is main + shortcut; false for a block that is its main path alone.
     *
     * @return true with a sum
     */
    public final boolean hasSum() {
        return residual;
    }

    /**
     * Whether a ReLU follows the sum.
     *
     * @return true with a ReLU after the sum
     */
    public final boolean reluAfterSum() {
        return reluAfter;
    }

    @Override
    public Shape outputShape(Shape input) {
        Shape m = input;
        for (Layer l : main) {
            m = l.outputShape(m);
        }
        Shape s = !residual ? m : shortcut == null ? input : shortcut.outputShape(input);
        if (!m.equals(s)) {
            throw new ShapeException(label() + ": branches disagree in shape: the main path gives " + m + " but the shortcut "
                    + (shortcut == null ? "(the identity)" : "(" + shortcut.describe() + ")") + " gives " + s
                    + "; a block that changes channels or stride needs a projection shortcut");
        }
        return m;
    }

    @Override
    protected final boolean ownsOutput() {
        return false;
    }

    @Override
    protected void allocate(Shape input, BuildContext ctx) {
        ConvFusion.mark(main, ctx.options()); // the main path's inner outputs are read only by the next layer
        Shape s = input;
        for (Layer l : main) {
            buildChild(l, s, ctx);
            s = l.outputShape(s);
        }
        if (shortcut != null) {
            buildChild(shortcut, input, ctx);
        }
        if (!residual) {
            return;
        }
        parallel = ctx.workspace().parallel();
        out = new FirstRows(Tensor.zeros(ctx.arena(), s));
        sumGrad = ctx.training() && reluAfter ? new FirstRows(Tensor.zeros(ctx.arena(), s)) : null;
        dx = ctx.training() ? new FirstRows(Tensor.zeros(ctx.arena(), input)) : null;
    }

    @Override
    protected Tensor forwardPass(Tensor x) {
        Tensor a = x;
        for (int i = 0; i < main.size(); i++) { // by index: an iterator here stayed on the heap (Sequential)
            a = main.get(i).forward(a);
        }
        if (!residual) {
            return a;
        }
        Tensor b = shortcut == null ? x : shortcut.forward(x);
        Tensor y = out.of(x.dim(0));
        run(joinParts, a, b, y);
        lastY = y;
        return y;
    }

    @Override
    protected Tensor backwardPass(Tensor dy, boolean needInputGrad) {
        int n = dy.dim(0);
        if (!residual) {
            Tensor g = dy;
            for (int i = main.size() - 1; i >= 0; i--) {
                g = main.get(i).backward(g, i > 0 || needInputGrad);
            }
            return g;
        }
        Tensor d = dy;
        if (reluAfter) {
            d = sumGrad.of(n);
            run(reluGradParts, lastY, dy, d);
        }
        Tensor g = d;
        for (int i = main.size() - 1; i >= 0; i--) {
            g = main.get(i).backward(g, i > 0 || needInputGrad);
        }
        Tensor h = shortcut == null ? d : shortcut.backward(d, needInputGrad);
        if (!needInputGrad) {
            return null;
        }
        Tensor sum = dx.of(n);
        run(sumGradParts, g, h, sum);
        return sum;
    }

    // The element-wise work over the batch's samples on the workspace's threads, or, with fewer
    // samples than threads, over one run of elements per thread (each starting at a multiple of
    // Elementwise.RUN_ALIGN, so the vector lanes are those of one thread); each element is done by
    // one thread, so the bits do not depend on the split.
    private void run(Parallel.Body body, Tensor a, Tensor b, Tensor result) {
        pendingA = a;
        pendingB = b;
        pendingOut = result;
        int n = result.dim(0);
        total = result.size();
        sample = result.shape().sampleSize();
        byRuns = n < parallel.parts();
        try {
            parallel.forEach(byRuns ? parallel.parts() : n, body);
        } finally {
            pendingA = pendingB = pendingOut = null;
        }
    }

    /** Where index {@code i} of the parallel call starts: sample i, or run i ({@link Elementwise#runStart}). */
    private long start(int i) {
        return byRuns ? Elementwise.runStart(total, i, parallel.parts()) : i * sample;
    }

    private void joinPart(int from, int to, int part) {
        long at = start(from);
        long count = start(to) - at;
        if (count == 0) {
            return;
        }
        if (reluAfter) {
            BranchOps.addRelu(pendingA.segment(), pendingA.offset() + at, pendingB.segment(), pendingB.offset() + at,
                    pendingOut.segment(), pendingOut.offset() + at, count);
        } else {
            BranchOps.add(pendingA.segment(), pendingA.offset() + at, pendingB.segment(), pendingB.offset() + at,
                    pendingOut.segment(), pendingOut.offset() + at, count);
        }
    }

    private void reluGradPart(int from, int to, int part) {
        long at = start(from);
        long count = start(to) - at;
        if (count > 0) {
            Activations.reluBackward(pendingA.segment(), pendingA.offset() + at, pendingB.segment(), pendingB.offset() + at,
                    pendingOut.segment(), pendingOut.offset() + at, count);
        }
    }

    private void sumGradPart(int from, int to, int part) {
        long at = start(from);
        long count = start(to) - at;
        if (count > 0) {
            BranchOps.add(pendingA.segment(), pendingA.offset() + at, pendingB.segment(), pendingB.offset() + at,
                    pendingOut.segment(), pendingOut.offset() + at, count);
        }
    }
}
