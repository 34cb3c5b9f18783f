package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CountDownLatch;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * A test layer with a buffer, as batch norm will have: the identity, keeping in training mode a
 * running mean of its input per channel (momentum 0.5). It can also hold a forward pass open until
 * released, so a test can enter a model from a second thread while a pass is running.
 */
final class RunningMeanProbe extends Layer {
    private final int channels;
    private Tensor runningMean; // (C)
    volatile CountDownLatch entered;
    volatile CountDownLatch release;

    RunningMeanProbe(int channels) {
        this.channels = channels;
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() < 2 || input.dim(1) != channels) {
            throw new ShapeException(label() + ": expects " + channels + " channels, got " + input);
        }
        return input;
    }

    @Override
    protected void allocate(Shape input, BuildContext ctx) {
        runningMean = buffer(ctx, "running_mean", Shape.of(channels));
    }

    @Override
    protected Split split() {
        return Split.NONE;
    }

    @Override
    protected void forwardPart(Tensor x, Tensor y, int from, int to, int part) {
        if (entered != null) {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        y.copyFrom(x.toArray());
        if (!isTraining()) {
            return;
        }
        long plane = x.shape().sampleSize() / channels;
        MemorySegment m = runningMean.segment();
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            for (int n = 0; n < x.dim(0); n++) {
                for (long i = 0; i < plane; i++) {
                    sum += x.segment().getAtIndex(FLOAT, x.offset() + (n * (long) channels + c) * plane + i);
                }
            }
            float mean = (float) (sum / (x.dim(0) * plane));
            long at = runningMean.offset() + c;
            m.setAtIndex(FLOAT, at, 0.5f * m.getAtIndex(FLOAT, at) + 0.5f * mean);
        }
    }

    @Override
    protected void backwardPart(Tensor x, Tensor y, Tensor dy, Tensor dx, int from, int to, int part) {
        if (dx != null) {
            dx.copyFrom(dy.toArray());
        }
    }

    Tensor runningMean() {
        return runningMean;
    }

    @Override
    public String describe() {
        return "RunningMeanProbe(" + channels + ")";
    }
}
