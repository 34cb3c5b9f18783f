package dev.stride.nn;

import dev.stride.tensor.Parallel;
import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;
import dev.stride.tensor.Workspace;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A node of a model: a layer with its forward pass and, right beside it, its backward pass, and
 * the children a composite (such as {@link Sequential}) runs. The life cycle is written here once.
 *
 * <p><b>Tree and names</b> ({@link LayerTree}). A composite registers its children with {@link #addChild} in its
 * constructor. Every node has its path from the root, as PyTorch's {@code state_dict}
 * names modules ({@code features.0}, {@code layer1.0.bn1}), and every parameter and buffer its full
 * name ({@code features.0.weight}); errors name the layer by its path.
 *
 * <p><b>Life cycle.</b> {@link #outputShape(Shape)} infers shapes without allocating. {@code build}
 * on the root, once the input shape is known (its batch the largest the model will see), gives
 * every node its output buffer, its input-gradient buffer (training builds only), its parameters
 * and buffers (allocated by the first build, kept by later ones) and its scratch in the shared
 * {@link Workspace}. Then {@link #forward} and {@link #backward} run any number of times without
 * allocating; a smaller batch uses the first rows of every buffer. A subclass supplies the output
 * shape, its allocations ({@link #allocate}) and per-part kernels ({@link #forwardPart},
 * {@link #backwardPart}), and says
 * how the work splits across threads ({@link #split()}); a composite or a layer whose output is a
 * view overrides {@link #forwardPass}/{@link #backwardPass} instead.
 *
 * <p><b>Gradient rules.</b> {@code backward} overwrites the input gradient it returns and
 * accumulates into the parameter gradients, which only {@link Parameter#zeroGrad()} clears.
 *
 * <p><b>Threads.</b> A built model serves one thread at a time: a second thread that enters a pass
 * while another's is running gets an {@link IllegalStateException} (an owner check, no lock). To
 * serve several threads, build one instance per thread that shares the parameters
 * ({@link BuildOptions#sharingWith}); each owns its activations.
 */
public abstract class Layer extends LayerTree {
    /**
     * Inputs smaller than this (floats) run on the calling thread: waking the workers costs more
     * than the pass (LeNet's ReLUs after the fully connected layers; see docs/performance-history.md).
     */
    static final long MIN_PARALLEL_FLOATS = 1 << 14;

    private boolean training = true;
    private Mode mode;
    private Shape builtInput;
    private Shape builtOutput;
    private LayerRuns runs;         // the output and input-gradient buffers, their views, the parts
    private Shape lastOutput;       // the shape the last forward returned
    private boolean passThrough;    // fused into the layer before it (ConvFusion): forward returns its input, backward dy
    private final AtomicReference<Thread> passThread = new AtomicReference<>();

    /** A layer with no children yet; a composite registers them in its constructor ({@link #addChild}). */
    public Layer() {
    }

    /**
     * The output shape for an input shape, or a {@link ShapeException} explaining why it does not fit.
     *
     * @param input the input shape, batch first
     * @return the output shape
     */
    public abstract Shape outputShape(Shape input);

    /**
     * Builds for training with a fresh workspace running {@code -Dstride.threads} threads (default 1).
     *
     * @param input the input shape; its batch is the largest the model will take
     * @param arena owns every buffer; the caller closes it
     */
    public final void build(Shape input, Arena arena) {
        build(input, arena, new Workspace(arena), BuildOptions.training());
    }

    /**
     * Builds for training, splitting the work across {@code threads} threads (a shared arena above one).
     *
     * @param input the input shape; its batch is the largest the model will take
     * @param arena owns every buffer; the caller closes it
     * @param threads the thread count, at least 1
     */
    public final void build(Shape input, Arena arena, int threads) {
        build(input, arena, BuildOptions.training().withThreads(threads));
    }

    /**
     * Builds with these options and a fresh workspace of their thread count.
     *
     * @param input the input shape; its batch is the largest the model will take
     * @param arena owns every buffer; the caller closes it
     * @param options training or inference, threads, convolution policy, sharing
     */
    public final void build(Shape input, Arena arena, BuildOptions options) {
        build(input, arena, new Workspace(arena, options.threads()), options);
    }

    /**
     * Builds for training into an existing workspace (layers of one model share it).
     *
     * @param input the input shape; its batch is the largest the model will take
     * @param arena owns every buffer; the caller closes it
     * @param workspace the scratch, shared with the model's other layers
     */
    public final void build(Shape input, Arena arena, Workspace workspace) {
        build(input, arena, workspace, BuildOptions.training());
    }

    /**
     * Builds the tree rooted here for inputs of shape {@code input} (or smaller batches): names every
     * node, allocates from {@code arena} and reserves scratch in {@code workspace}; the workspace's
     * thread count wins over the options'.
     *
     * @param input the input shape; its batch is the largest the model will take
     * @param arena owns every buffer; the caller closes it
     * @param workspace the scratch, shared with the model's other layers
     * @param options training or inference, convolution policy, sharing
     */
    public final void build(Shape input, Arena arena, Workspace workspace, BuildOptions options) {
        if (!isRoot()) {
            throw new IllegalStateException(label() + " is part of a model: build the model, not its parts");
        }
        checkTree(new ArrayList<>());
        BuildContext ctx = new BuildContext(arena, workspace, options);
        buildNode(input, ctx);
        ctx.checkAllShared();
        workspace.segment(); // allocate the scratch now, not in the first training step
    }

    /**
     * Builds a child of this composite for {@code input}; call it from {@link #allocate}.
     *
     * @param child a registered child
     * @param input its input shape
     * @param ctx the build's context
     */
    protected final void buildChild(Layer child, Shape input, BuildContext ctx) {
        if (!isChild(child)) {
            throw new IllegalArgumentException(label() + ": " + child.label() + " is not a child of this layer");
        }
        child.buildNode(input, ctx);
    }

    private void buildNode(Shape input, BuildContext ctx) {
        Shape output = outputShape(input);
        mode = ctx.options().mode();
        builtInput = input;
        builtOutput = output;
        training = mode == Mode.TRAINING;
        lastOutput = null;
        boolean owns = ownsOutput() && !passThrough;
        Parallel parallel = owns && split() != Split.NONE && (ctx.options().splitSmallLayers() || worthSplitting(input))
                ? ctx.workspace().parallel() : Parallel.of(1);
        runs = new LayerRuns(this, parallel, owns ? Tensor.zeros(ctx.arena(), output) : null,
                owns && mode == Mode.TRAINING ? Tensor.zeros(ctx.arena(), input) : null);
        allocate(input, ctx);
        forgetParameterList();
    }

    /**
     * Allocates what this layer needs beyond its output and input-gradient buffers: parameters
     * ({@link #parameter}), buffers ({@link #buffer}), scratch, and a composite's children
     * ({@link #buildChild}). Called by every build; parameters and buffers survive rebuilds.
     *
     * @param input the input shape
     * @param ctx the build's context
     */
    protected void allocate(Shape input, BuildContext ctx) {
    }

    /**
     * Switches this subtree between training and evaluation behaviour (dropout, batch statistics).
     *
     * @param training true for training behaviour
     */
    public final void setTraining(boolean training) {
        if (training && mode == Mode.INFERENCE) {
            throw new IllegalStateException(label() + ": built for inference; build with BuildOptions.training() to train");
        }
        this.training = training;
        for (Layer c : children().values()) {
            c.setTraining(training);
        }
    }

    /**
     * Whether this layer behaves as in training (the default) or in evaluation.
     *
     * @return true in training mode
     */
    public final boolean isTraining() {
        return training;
    }

    /**
     * How the last build was made; null before the first.
     *
     * @return training or inference
     */
    public final Mode mode() {
        return mode;
    }

    /**
     * The input shape built for.
     *
     * @return the shape, batch first
     * @throws IllegalStateException before the first build
     */
    public final Shape inputShape() {
        checkBuilt();
        return builtInput;
    }

    /**
     * The output shape built for.
     *
     * @return the shape, batch first
     * @throws IllegalStateException before the first build
     */
    public final Shape outputShape() {
        checkBuilt();
        return builtOutput;
    }

    /**
     * Marks this layer as fused into the layer before it, or not; its parent decides before
     * building it ({@link ConvFusion}). A fused layer keeps its parameters and buffers but gets no
     * output or gradient buffer: its forward returns its input, which the convolution (or batch
     * norm) before it has already normalised and clamped, and its backward returns the output
     * gradient, whose activation gradient that layer applies.
     */
    final void setPassThrough(boolean passThrough) {
        this.passThrough = passThrough;
    }

    /** Whether the last build fused this layer into the convolution before it. */
    final boolean passesThrough() {
        return passThrough;
    }

    final boolean isBuilt() {
        return mode != null;
    }

    final void checkBuilt() {
        if (mode == null) {
            throw new IllegalStateException(label() + ": not built yet; call build(inputShape, arena) on the model first");
        }
    }

    /**
     * The output for {@code x}: a view of the layer's own buffer (or of x), valid until the next forward.
     *
     * @param x the input, its shape the built one or a smaller batch of it
     * @return the output
     */
    public final Tensor forward(Tensor x) {
        checkBuilt();
        boolean outer = enter();
        try {
            if (isLeaf()) {
                checkInput(x); // a composite's children check their own inputs, naming themselves
            }
            Tensor y = passThrough ? x : forwardPass(x);
            lastOutput = y.shape();
            return y;
        } finally {
            leave(outer);
        }
    }

    /**
     * Back-propagates {@code dy}, the gradient of the loss with respect to the last forward's
     * output: accumulates parameter gradients and, when {@code needInputGrad}, overwrites and returns
     * the gradient with respect to the last forward's input; otherwise returns null.
     *
     * @param dy the output gradient, shaped as the last output
     * @param needInputGrad whether to compute the input gradient
     * @return the input gradient, or null
     */
    public final Tensor backward(Tensor dy, boolean needInputGrad) {
        checkBuilt();
        if (mode == Mode.INFERENCE) {
            throw new IllegalStateException(label() + ": built for inference, which keeps no gradients; "
                    + "build with BuildOptions.training() to train");
        }
        if (lastOutput == null) {
            throw new IllegalStateException(label() + ": backward called before forward");
        }
        if (!dy.shape().equals(lastOutput)) {
            throw new ShapeException(label() + ": gradient of shape " + dy.shape() + " does not match the last forward's output " + lastOutput);
        }
        boolean outer = enter();
        try {
            // A fused activation: the layer before it applied the activation's gradient too.
            return passThrough ? (needInputGrad ? dy : null) : backwardPass(dy, needInputGrad);
        } finally {
            leave(outer);
        }
    }

    /**
     * Back-propagates {@code dy} through the model, skipping the input gradient nobody needs.
     *
     * @param dy the output gradient, shaped as the last output
     */
    public final void backward(Tensor dy) {
        backward(dy, false);
    }

    // A cheap owner check instead of a lock: the hot path pays one compare-and-set.
    private boolean enter() {
        Thread me = Thread.currentThread();
        Thread other = passThread.compareAndExchange(null, me);
        if (other != null && other != me) {
            throw new IllegalStateException(label() + ": thread '" + me.getName() + "' entered a pass while thread '"
                    + other.getName() + "' is running one; a model serves one thread at a time: build one instance per "
                    + "thread with BuildOptions.sharingWith(model), or serialise the calls");
        }
        return other == null;
    }

    private void leave(boolean outer) {
        if (outer) {
            passThread.set(null);
        }
    }

    /** Checks an input against the built shape: the same dimensions except a batch no larger. */
    private void checkInput(Tensor x) {
        Shape s = x.shape();
        Shape built = builtInput;
        boolean ok = s.rank() == built.rank() && s.dim(0) <= built.dim(0);
        for (int i = 1; ok && i < s.rank(); i++) {
            ok = s.dim(i) == built.dim(i);
        }
        if (!ok) {
            StringBuilder sb = new StringBuilder("[N<=").append(built.dim(0));
            for (int i = 1; i < built.rank(); i++) {
                sb.append(", ").append(built.dim(i));
            }
            throw new ShapeException(label() + ": expected input " + sb.append(']') + ", got " + s);
        }
    }

    /**
     * The forward of the whole batch. The default runs {@link #forwardPart} over the parts
     * {@link #split()} declares, into this layer's output buffer; composites and view layers override it.
     *
     * @param x the input
     * @return the output
     */
    protected Tensor forwardPass(Tensor x) {
        return runs.forward(x);
    }

    /**
     * The backward of the whole batch. The default runs {@link #parameterGradPart} (when
     * {@link #parameterGradSplit()} is FEATURES), then {@link #backwardPart} over the parts, then
     * {@link #afterBackward}; composites and view layers override it.
     *
     * @param dy the output gradient
     * @param needInputGrad whether to compute the input gradient
     * @return the input gradient, or null
     */
    protected Tensor backwardPass(Tensor dy, boolean needInputGrad) {
        return runs.backward(dy, needInputGrad);
    }

    /**
     * How forward and the input gradient split across the workspace's threads.
     *
     * @return the split; by default NONE for a layer with parameters, SAMPLES for one without
     */
    protected Split split() {
        return hasOwnParameters() ? Split.NONE : Split.SAMPLES;
    }

    /**
     * SAMPLES: parameter gradients are accumulated inside {@link #backwardPart} (each part into its
     * own partial sums, added in {@link #afterBackward}); FEATURES: in {@link #parameterGradPart}
     * over ranges of output features, each element by one thread.
     *
     * @return the split of the parameter gradients
     */
    protected Split parameterGradSplit() {
        return Split.SAMPLES;
    }

    /**
     * Whether the work is large enough to wake other threads for.
     *
     * @param input the built input shape
     * @return true to split
     */
    protected boolean worthSplitting(Shape input) {
        return input.size() >= MIN_PARALLEL_FLOATS;
    }

    /**
     * False for layers whose output is not their own buffer (composites, views): they run no parts, so they
     * do not split.
     *
     * @return true for a layer that writes its own output buffer
     */
    protected boolean ownsOutput() {
        return true;
    }

    /**
     * Work before the parts run (e.g. transforming the filters once per pass).
     *
     * @param n the batch size of this pass
     */
    protected void beforeForward(int n) {
    }

    /**
     * Overwrites samples [from, to) of {@code y} (the output for x's batch) with part {@code part}'s scratch.
     *
     * @param x the input
     * @param y the output
     * @param from the first sample
     * @param to one past the last sample
     * @param part the part number, which picks the scratch
     */
    protected void forwardPart(Tensor x, Tensor y, int from, int to, int part) {
        throw new UnsupportedOperationException(label() + " runs no parts: it overrides forwardPass");
    }

    /**
     * How many blocks of output channels forward can split into when a batch has fewer samples than
     * there are parts (batch 1 on 2 threads would leave one thread idle with a split by samples):
     * the blocks are equal runs of the output's channels, so a part writes only its own rows of each
     * sample (contiguous in NCHW); an element-wise layer cuts runs of elements instead. 0, the
     * default: the layer splits by samples whatever the batch. Backward always splits by samples.
     *
     * @return the block count, or 0
     */
    protected int forwardChannels() {
        return 0;
    }

    /**
     * Work that every channel part would otherwise repeat, done once before a forward split by
     * channels ({@link #forwardChannels()}) runs its parts; it may split itself over the layer's
     * threads. Nothing by default.
     *
     * @param x the input
     * @param y the output the parts will write
     */
    protected void beforeChannelParts(Tensor x, Tensor y) {
    }

    /**
     * Overwrites channel blocks [from, to) ({@link #forwardChannels()}) of every sample of {@code y}
     * with part {@code part}'s scratch; the result must not depend on how the blocks are cut.
     *
     * @param x the input
     * @param y the output
     * @param from the first channel block
     * @param to one past the last channel block
     * @param part the part number, which picks the scratch
     */
    protected void forwardChannelPart(Tensor x, Tensor y, int from, int to, int part) {
        throw new UnsupportedOperationException(label() + " does not split its forward by channels");
    }

    /**
     * Overwrites samples [from, to) of {@code dx} (null when the input gradient is not wanted) and,
     * when {@link #parameterGradSplit()} is SAMPLES, accumulates those samples' parameter gradients.
     *
     * @param x the last input
     * @param y the last output
     * @param dy the output gradient
     * @param dx the input gradient, or null
     * @param from the first sample
     * @param to one past the last sample
     * @param part the part number, which picks the scratch
     */
    protected void backwardPart(Tensor x, Tensor y, Tensor dy, Tensor dx, int from, int to, int part) {
        throw new UnsupportedOperationException(label() + " runs no parts: it overrides backwardPass");
    }

    /**
     * Accumulates the parameter gradients of output features [from, to).
     *
     * @param x the last input
     * @param dy the output gradient
     * @param from the first output feature
     * @param to one past the last output feature
     * @param part the part number, which picks the scratch
     */
    protected void parameterGradPart(Tensor x, Tensor dy, int from, int to, int part) {
        throw new UnsupportedOperationException(label() + " splits its parameter gradients by samples");
    }

    /**
     * Work after the parts (adding per-part partial sums in part order).
     *
     * @param inputGrad whether the input gradient was computed
     */
    protected void afterBackward(boolean inputGrad) {
    }

    /**
     * The threads this layer's parts run on.
     *
     * @return the workspace's parallel-for
     */
    protected final Parallel parallel() {
        return runs.parallel();
    }

    /**
     * Where {@code y}, an output view a part hook was given, starts in this layer's output buffer, in
     * elements.
     *
     * @param y the view
     * @return its offset from the buffer's start
     */
    protected final long outputIndex(Tensor y) {
        return runs.outputIndex(y);
    }

    /**
     * One line for summaries, e.g. "Conv2d(3->10, 5x5, stride 1, pad 2)".
     *
     * @return the line
     */
    public abstract String describe();

    /**
     * The arithmetic behind this layer's summary line: the output-size formula with the numbers put in, the
     * parameter count.
     *
     * @param input the input shape
     * @return the explanation; by default the same as {@link #describe()}
     */
    public String explain(Shape input) {
        return describe() + ": " + input + " -> " + outputShape(input);
    }

    /**
     * The tree with output shapes and parameter counts per node, and the totals; built models only.
     *
     * @return the summary text
     */
    public final String summary() {
        return summary(false);
    }

    /**
     * As {@link #summary()}; with {@code explain}, each leaf is followed by its {@link #explain} line.
     *
     * @param explain whether to add each leaf's arithmetic
     * @return the summary text
     */
    public final String summary(boolean explain) {
        checkBuilt();
        return Summary.of(this, explain);
    }
}
