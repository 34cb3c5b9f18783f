package dev.stride.spark;

import dev.stride.nn.Layer;
import dev.stride.nn.Loss;
import dev.stride.nn.Parameter;
import dev.stride.optim.LrSchedule;
import dev.stride.optim.Optimizer;
import dev.stride.tensor.Tensor;
import dev.stride.train.TrainingDivergedException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * One worker's half of a synchronous data-parallel step, without the network: the gradient of its
 * shard of the global batch, weighted by the shard's size, and the update from the sum of every
 * worker's.
 *
 * <p>With shards of n_i examples and B = sum n_i, worker i contributes n_i g_i (g_i the gradient
 * of the mean loss over its shard) and every worker applies (sum_i n_i g_i) / B, the gradient of
 * the mean loss over the global batch. A worker whose shard is empty this step (its partition ran
 * out first) contributes zeros and a count of 0, so unequal partitions average by count.
 *
 * <p>The vector a worker contributes: every trainable parameter's gradient in the optimiser's
 * order, then {@link #TAIL} floats: the example count, the summed loss and the number of correct
 * predictions (exact as floats while below 2^24).
 *
 * <p>Not thread-safe: the model, loss and optimiser are one worker's.
 */
public final class ShardStep {
    /** Floats after the gradients: count, loss sum, correct. */
    public static final int TAIL = 3;

    private final Layer model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final LrSchedule schedule;
    private final List<Parameter> parameters;
    private final long gradientFloats;

    public ShardStep(Layer model, Loss loss, Optimizer optimizer, LrSchedule schedule) {
        this.model = model;
        this.loss = loss;
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.parameters = optimizer.parameters();
        long floats = 0;
        for (Parameter p : parameters) {
            floats += p.grad().size();
        }
        this.gradientFloats = floats;
    }

    /** Floats in the vector every worker contributes. */
    public long vectorFloats() {
        return gradientFloats + TAIL;
    }

    /**
     * Writes this worker's contribution for the first {@code n} rows of {@code input} into
     * {@code out} ({@link #vectorFloats()} floats): n times the gradient of the mean loss, then
     * the tail. {@code n} 0 writes zeros.
     *
     * @throws TrainingDivergedException when the loss is NaN or infinite; nothing is applied then
     */
    public void contribute(Tensor input, int n, int[] labels, MemorySegment out, int epoch, long step) {
        if (n == 0) {
            out.asSlice(0, vectorFloats() * Float.BYTES).fill((byte) 0);
            return;
        }
        model.setTraining(true);
        optimizer.zeroGrad();
        Tensor x = n == input.dim(0) ? input : input.firstBatch(n);
        Tensor scores = model.forward(x);
        float value = loss.forward(scores, labels);
        if (!Float.isFinite(value)) {
            throw new TrainingDivergedException(epoch, (int) step, value, optimizer.lr());
        }
        model.backward(loss.backward());
        float weight = n;
        long at = 0;
        for (Parameter p : parameters) {
            Tensor g = p.grad();
            for (long i = 0; i < g.size(); i++) {
                out.setAtIndex(ValueLayout.JAVA_FLOAT, at + i, g.getFlat(i) * weight);
            }
            at += g.size();
        }
        out.setAtIndex(ValueLayout.JAVA_FLOAT, at, weight);
        out.setAtIndex(ValueLayout.JAVA_FLOAT, at + 1, value * weight);
        out.setAtIndex(ValueLayout.JAVA_FLOAT, at + 2, correct(scores, labels, n));
    }

    /**
     * Divides the summed vector by the global count, puts it in the gradients and takes the
     * optimiser step {@code step} (the schedule's clock). Returns the global count; 0 (every shard
     * empty) takes no step.
     */
    public int apply(MemorySegment summed, long step) {
        int count = (int) summed.getAtIndex(ValueLayout.JAVA_FLOAT, gradientFloats);
        if (count == 0) {
            return 0;
        }
        float total = count;
        long at = 0;
        for (Parameter p : parameters) {
            Tensor g = p.grad();
            for (long i = 0; i < g.size(); i++) {
                g.setFlat(i, summed.getAtIndex(ValueLayout.JAVA_FLOAT, at + i) / total);
            }
            at += g.size();
        }
        optimizer.setLr(schedule.lr(step));
        optimizer.step();
        return count;
    }

    /** The summed loss (tail) of a summed vector. */
    public double lossSum(MemorySegment summed) {
        return summed.getAtIndex(ValueLayout.JAVA_FLOAT, gradientFloats + 1);
    }

    /** The number of correct predictions (tail) of a summed vector. */
    public long correct(MemorySegment summed) {
        return (long) summed.getAtIndex(ValueLayout.JAVA_FLOAT, gradientFloats + 2);
    }

    public Layer model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    private static int correct(Tensor scores, int[] labels, int n) {
        int classes = scores.dim(1);
        int c = 0;
        for (int r = 0; r < n; r++) {
            int best = 0;
            for (int j = 1; j < classes; j++) {
                if (scores.get(r, j) > scores.get(r, best)) {
                    best = j;
                }
            }
            c += best == labels[r] ? 1 : 0;
        }
        return c;
    }
}
