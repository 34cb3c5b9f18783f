package dev.stride.nn;

import dev.stride.ops.BatchNorm;
import dev.stride.tensor.Parallel;
import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;

import java.lang.foreign.MemorySegment;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * What {@link BatchNorm2d} and {@link BatchNorm1d} share: PyTorch's batch normalisation over dim 1,
 * with its names, so that a state_dict lines up: parameters {@code weight} (gamma, 1 at first) and
 * {@code bias} (beta, 0), neither decayed; buffers {@code running_mean} (0), {@code running_var}
 * (1) and {@code num_batches_tracked} (shape [1], the training forwards so far, as a float: exact
 * up to 2^24 steps). The kernels and their equations are in {@link BatchNorm}.
 *
 * <p>In training mode forward normalises with the batch's mean and biased variance over the N*H*W
 * values of each channel and moves the running statistics towards the batch's (the variance
 * unbiased): {@code running = (1 - momentum) * running + momentum * batch}. In evaluation mode
 * ({@code setTraining(false)}, and every inference build) it normalises with the running
 * statistics and leaves them alone. Backward follows the statistics its forward used.
 *
 * <p>Threads: the statistics of a channel need every sample, so the base class's split by samples
 * does not fit; the layer declares {@link Split#NONE} and splits by channels itself, over the
 * workspace's parts: each channel (its statistics, y, dx, dgamma and dbeta) is computed by one
 * thread, so the result does not depend on the thread count.
 */
abstract sealed class BatchNormBase extends Layer permits BatchNorm1d, BatchNorm2d {
    private final int channels;
    private final double eps;
    private final double momentum;

    private Parameter weight;           // value and grad (C): gamma
    private Parameter bias;             // value and grad (C): beta
    private Tensor runningMean;         // (C)
    private Tensor runningVar;          // (C), unbiased
    private Tensor batchesTracked;      // (1)
    private double[] mean;              // (C) the mean the last forward subtracted
    private double[] var;               // (C) the batch's biased variance (training forwards)
    private double[] invStd;            // (C) 1/sqrt(var + eps) the last forward used
    private double[] sumDy;             // (C) sum of dy, the last backward
    private double[] sumDyCentred;      // (C) sum of dy * (x - mean), the last backward
    private Parallel channelParts;
    private boolean batchStatistics;    // whether the last forward used the batch's statistics
    private boolean activationFused;    // the ReLU or ReLU6 after this layer is fused into it (ConvFusion)
    private boolean relu6;              // which of the two
    private Tensor passX;               // the tensors of the pass in progress, read by the parts
    private Tensor passY;
    private Tensor passDy;
    private Tensor passDx;
    // Made once so that a parallel call allocates nothing.
    private final Parallel.Body forwardChannels = this::forwardChannels;
    private final Parallel.Body backwardChannels = this::backwardChannels;

    BatchNormBase(int channels, double eps, double momentum) {
        if (channels < 1) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": channels must be at least 1, got " + channels);
        }
        if (!(eps > 0)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": eps must be positive, got " + eps);
        }
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": momentum must be in [0, 1], got " + momentum);
        }
        this.channels = channels;
        this.eps = eps;
        this.momentum = momentum;
    }

    /**
     * The channels (or features) normalised.
     *
     * @return C
     */
    public final int channels() {
        return channels;
    }

    /**
     * The term added to the variance.
     *
     * @return eps
     */
    public final double eps() {
        return eps;
    }

    /**
     * The running statistics' update weight: {@code running = (1 - momentum) * running + momentum * batch}.
     *
     * @return momentum
     */
    public final double momentum() {
        return momentum;
    }

    /**
     * Gamma, shape [C]; allocated by the first build.
     *
     * @return the scale
     */
    public final Parameter weight() {
        checkBuilt();
        return weight;
    }

    /**
     * Beta, shape [C].
     *
     * @return the shift
     */
    public final Parameter bias() {
        checkBuilt();
        return bias;
    }

    /**
     * The running mean, shape [C], used in evaluation mode; a buffer, not a parameter.
     *
     * @return the running mean
     */
    public final Tensor runningMean() {
        checkBuilt();
        return runningMean;
    }

    /**
     * The running (unbiased) variance, shape [C], used in evaluation mode; a buffer, not a parameter.
     *
     * @return the running variance
     */
    public final Tensor runningVar() {
        checkBuilt();
        return runningVar;
    }

    /**
     * How many training forwards have updated the running statistics (shape [1]).
     *
     * @return the count
     */
    public final Tensor numBatchesTracked() {
        checkBuilt();
        return batchesTracked;
    }

    /** The channel dimension is 1; the subclass says which ranks it takes. */
    final void checkChannels(Shape input, String expected) {
        if (input.dim(1) != channels) {
            throw new ShapeException(label() + ": expects input " + expected + " with C = " + channels + ", got " + input
                    + "; make the channel count match the previous layer");
        }
    }

    @Override
    protected void allocate(Shape input, BuildContext ctx) {
        boolean fresh = ownParameters().isEmpty() && ctx.options().sharingWith() == null;
        Shape c = Shape.of(channels);
        weight = parameter(ctx, "weight", c, InitRule.constant(1f), false, 1, 1);
        bias = parameter(ctx, "bias", c, InitRule.constant(0f), false, 1, 1);
        runningMean = buffer(ctx, "running_mean", c);
        runningVar = buffer(ctx, "running_var", c);
        batchesTracked = buffer(ctx, "num_batches_tracked", Shape.of(1));
        if (fresh) {
            weight.value().fill(1f);
            runningVar.fill(1f);
        }
        if (mean == null) {
            mean = new double[channels];
            var = new double[channels];
            invStd = new double[channels];
            sumDy = new double[channels];
            sumDyCentred = new double[channels];
        }
        channelParts = channels > 1 && (ctx.options().splitSmallLayers() || worthSplitting(input))
                ? ctx.workspace().parallel() : Parallel.of(1);
    }

    /** Not by samples: the layer splits by channels itself (see the class comment). */
    @Override
    protected final Split split() {
        return Split.NONE;
    }

    /** Called once for the whole batch (Split.NONE). */
    @Override
    protected final void forwardPart(Tensor x, Tensor y, int from, int to, int part) {
        if (isTraining() && x.size() / channels == 1) {
            throw new ShapeException(label() + ": training mode needs more than one value per channel, got input " + x.shape()
                    + " (N*H*W = 1), whose batch variance is undefined; use a batch of at least 2, or setTraining(false)");
        }
        batchStatistics = isTraining();
        passX = x;
        passY = y;
        runChannels(forwardChannels);
        passX = null;
        passY = null;
        if (batchStatistics) {
            batchesTracked.setFlat(0, batchesTracked.getFlat(0) + 1);
        }
    }

    private void forwardChannels(int from, int to, int part) {
        Tensor x = passX;
        Tensor y = passY;
        int n = x.dim(0);
        int plane = plane(x);
        MemorySegment g = weight.value().segment();
        long gOff = weight.value().offset();
        MemorySegment b = bias.value().segment();
        long bOff = bias.value().offset();
        MemorySegment rm = runningMean.segment();
        long rmOff = runningMean.offset();
        MemorySegment rv = runningVar.segment();
        long rvOff = runningVar.offset();
        for (int c = from; c < to; c++) {
            if (batchStatistics) {
                BatchNorm.statistics(n, channels, plane, c, x.segment(), x.offset(), mean, var);
                double count = (double) n * plane;
                double unbiased = var[c] * count / (count - 1);
                rm.setAtIndex(FLOAT, rmOff + c, (float) ((1 - momentum) * rm.getAtIndex(FLOAT, rmOff + c) + momentum * mean[c]));
                rv.setAtIndex(FLOAT, rvOff + c, (float) ((1 - momentum) * rv.getAtIndex(FLOAT, rvOff + c) + momentum * unbiased));
                invStd[c] = 1 / Math.sqrt(var[c] + eps);
            } else {
                mean[c] = rm.getAtIndex(FLOAT, rmOff + c);
                invStd[c] = runningInvStd(c);
            }
            float scale = (float) (g.getAtIndex(FLOAT, gOff + c) * invStd[c]);
            BatchNorm.normalize(n, channels, plane, c, mean[c], scale, b.getAtIndex(FLOAT, bOff + c),
                    activationFused ? 0f : Float.NEGATIVE_INFINITY, activationFused && relu6 ? 6f : Float.POSITIVE_INFINITY,
                    x.segment(), x.offset(), y.segment(), y.offset());
        }
    }

    /**
     * Fuses the ReLU ({@code relu6} false) or ReLU6 after this layer into its passes, or unfuses
     * ({@code fused} false); called by {@link ConvFusion} before each build. Forward then clamps its
     * output, with the activation's bits ({@link BatchNorm#normalize}), and backward takes the
     * gradient of the activation's output and applies the activation's gradient, read from this
     * layer's clamped output, in its own passes: the same bits as the activation's backward
     * followed by this layer's, without the activation's two passes over the tensor.
     */
    final void fuseActivation(boolean fused, boolean relu6) {
        this.activationFused = fused;
        this.relu6 = fused && relu6;
    }

    /** 1 / sqrt(running_var[c] + eps), in double: evaluation mode's and a fused convolution's. */
    private double runningInvStd(int c) {
        return 1 / Math.sqrt(runningVar.getFlat(c) + eps);
    }

    /**
     * Evaluation mode's constants of every channel from the current gamma, beta and running
     * statistics, as forward computes them: {@code mean[c]} the running mean, {@code scale[c] =
     * gamma * invStd} and {@code beta[c]}. A convolution fused with this layer ({@link ConvFusion})
     * reads them at the start of each forward, so it follows a model that is still training.
     */
    final void evaluationConstants(double[] mean, float[] scale, float[] beta) {
        Tensor g = weight.value();
        Tensor b = bias.value();
        for (int c = 0; c < channels; c++) {
            mean[c] = runningMean.getFlat(c);
            scale[c] = (float) (g.getFlat(c) * runningInvStd(c));
            beta[c] = b.getFlat(c);
        }
    }

    /** Accumulates dgamma and dbeta; overwrites dx when it is wanted. Called once for the whole batch. */
    @Override
    protected final void backwardPart(Tensor x, Tensor y, Tensor dy, Tensor dx, int from, int to, int part) {
        passX = x;
        passY = y;
        passDy = dy;
        passDx = dx;
        runChannels(backwardChannels);
        passX = null;
        passY = null;
        passDy = null;
        passDx = null;
    }

    private void backwardChannels(int from, int to, int part) {
        Tensor x = passX;
        Tensor dy = passDy;
        Tensor dx = passDx;
        MemorySegment y = activationFused ? passY.segment() : null; // the clamped output, for the activation's gradient
        long yOff = activationFused ? passY.offset() : 0;
        float ceiling = relu6 ? 6f : Float.NaN; // BatchNorm.activationGradient: NaN lets every y > 0 through (ReLU)
        int n = x.dim(0);
        int plane = plane(x);
        double count = (double) n * plane;
        MemorySegment g = weight.value().segment();
        long gOff = weight.value().offset();
        Tensor dg = weight.grad();
        Tensor db = bias.grad();
        // With fixed statistics dx = scale * dy comes out of the sums' pass; with batch statistics it needs the sums first.
        boolean dxInSums = dx != null && !batchStatistics;
        for (int c = from; c < to; c++) {
            float scale = (float) (g.getAtIndex(FLOAT, gOff + c) * invStd[c]);
            BatchNorm.gradientSums(n, channels, plane, c, mean[c], x.segment(), x.offset(), dy.segment(), dy.offset(),
                    y, yOff, ceiling, sumDy, sumDyCentred, scale, dxInSums ? dx.segment() : null, dxInSums ? dx.offset() : 0);
            long dgAt = dg.offset() + c;
            long dbAt = db.offset() + c;
            dg.segment().setAtIndex(FLOAT, dgAt, dg.segment().getAtIndex(FLOAT, dgAt) + (float) (sumDyCentred[c] * invStd[c]));
            db.segment().setAtIndex(FLOAT, dbAt, db.segment().getAtIndex(FLOAT, dbAt) + (float) sumDy[c]);
            if (dx != null && batchStatistics) {
                float a = (float) (sumDy[c] / count);
                float b = (float) (invStd[c] * invStd[c] * sumDyCentred[c] / count);
                BatchNorm.inputGrad(n, channels, plane, c, mean[c], scale, a, b, x.segment(), x.offset(),
                        dy.segment(), dy.offset(), y, yOff, ceiling, dx.segment(), dx.offset());
            }
        }
    }

    private void runChannels(Parallel.Body body) {
        if (channelParts.parts() == 1) {
            body.run(0, channels, 0);
        } else {
            channelParts.forEach(channels, body);
        }
    }

    private int plane(Tensor x) {
        return (int) (x.shape().sampleSize() / channels);
    }

    /** The hyperparameters as the summary line shows them, e.g. "64, eps 1e-05, momentum 0.1". */
    final String hyperparameters() {
        return channels + ", eps " + eps + ", momentum " + momentum;
    }

    /**
     * E.g. "[64, 64, 32, 32] -> [64, 64, 32, 32]; batch statistics over N*H*W = 64*32*32 = 65536 values
     * per channel; parameters 2*64 = 128 (weight, bias); buffers ...".
     */
    @Override
    public String explain(Shape input) {
        String values = switch (input.rank()) {
            case 2 -> "N = " + input.dim(0);
            case 3 -> "N*L = " + input.dim(0) + "*" + input.dim(2) + " = " + (long) input.dim(0) * input.dim(2);
            default -> "N*H*W = " + input.dim(0) + "*" + input.dim(2) + "*" + input.dim(3) + " = "
                    + (long) input.dim(0) * input.dim(2) * input.dim(3);
        };
        return input + " -> " + outputShape(input) + "; batch statistics over " + values + " values per channel; parameters 2*"
                + channels + " = " + 2L * channels + " (weight, bias); buffers running_mean, running_var (" + channels
                + " each), num_batches_tracked";
    }
}
