package dev.stride.train;

import dev.stride.data.DataLoader;
import dev.stride.nn.Loss;
import dev.stride.nn.Layer;
import dev.stride.optim.LrSchedule;
import dev.stride.optim.Optimizer;
import dev.stride.tensor.Tensor;

/**
 * The training loop: epochs of forward, loss, backward and optimiser steps over a {@link DataLoader},
 * with evaluation after each epoch.
 *
 * <p>The learning-rate schedule is stepped per optimiser step (so warm-up can be shorter than an
 * epoch). A step allocates nothing: the loader fills a tensor made once, the model and the loss
 * reuse their buffers, and accuracy is counted straight from the scores.
 */
public final class Trainer {
    private final Layer model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final LrSchedule schedule;
    private long globalStep;

    /**
     * A trainer of {@code model}. Not thread-safe: one thread runs its epochs (the model splits each step
     * over its own threads).
     *
     * @param model a model built for the loader's batch size
     * @param loss the loss over the model's output
     * @param optimizer the optimiser over the model's parameters
     * @param schedule the learning rate per optimiser step
     */
    public Trainer(Layer model, Loss loss, Optimizer optimizer, LrSchedule schedule) {
        this.model = model;
        this.loss = loss;
        this.optimizer = optimizer;
        this.schedule = schedule;
    }

    /**
     * Optimiser steps taken so far (the schedule's clock).
     *
     * @return the step count
     */
    public long globalStep() {
        return globalStep;
    }

    /**
     * Sets the schedule's clock, for a run resumed from a checkpoint.
     *
     * @param step the steps taken before, non-negative
     */
    public void setGlobalStep(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("global step must be non-negative, got " + step);
        }
        globalStep = step;
    }

    /**
     * Trains one epoch over {@code train}, then evaluates on {@code test} (may be null).
     *
     * @throws TrainingDivergedException when the loss becomes NaN or infinite; the optimiser has
     *                                    not applied that step
     * @param epoch the epoch's number, which also picks the loader's shuffle
     * @param train the training data
     * @param test the test data, or null
     * @param listener told of every step and of the epoch's end
     * @return the epoch's losses, accuracies and speed
     */
    public EpochResult epoch(int epoch, DataLoader train, DataLoader test, TrainingListener listener) {
        model.setTraining(true);
        train.startEpoch(epoch);
        long start = System.nanoTime();
        double lossSum = 0;
        long correct = 0;
        long seen = 0;
        int batch = 0;
        int batches = train.batchesPerEpoch();
        while (train.next()) {
            batch++;
            int n = train.size();
            optimizer.setLr(schedule.lr(globalStep));
            optimizer.zeroGrad();
            Tensor scores = model.forward(train.input());
            float value = loss.forward(scores, train.labels());
            if (!Float.isFinite(value)) {
                throw new TrainingDivergedException(epoch, batch, value, optimizer.lr());
            }
            model.backward(loss.backward());
            optimizer.step();
            globalStep++;

            lossSum += (double) value * n;
            correct += countCorrect(scores, train.labels());
            seen += n;
            double elapsed = (System.nanoTime() - start) / 1e9;
            listener.onBatch(epoch, batch, batches, lossSum / seen, (double) correct / seen, seen / elapsed);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double testLoss = Double.NaN;
        double testAccuracy = Double.NaN;
        if (test != null) {
            Evaluation e = evaluate(test);
            testLoss = e.loss();
            testAccuracy = e.accuracy();
        }
        EpochResult result = new EpochResult(epoch, lossSum / seen, (double) correct / seen,
                testLoss, testAccuracy, optimizer.lr(), seconds, seen / seconds);
        listener.onEpoch(result);
        return result;
    }

    /**
     * Runs the model in evaluation mode over every batch of {@code data}.
     *
     * @param data the data
     * @return the mean loss and the confusion matrix
     */
    public Evaluation evaluate(DataLoader data) {
        return evaluate(model, loss, data);
    }

    /**
     * Evaluation without a trainer (for a loaded checkpoint).
     *
     * @param model a built model
     * @param loss the loss to report
     * @param data the data
     * @return the mean loss and the confusion matrix
     */
    public static Evaluation evaluate(Layer model, Loss loss, DataLoader data) {
        boolean wasTraining = model.isTraining();
        model.setTraining(false);
        try {
            ConfusionMatrix confusion = new ConfusionMatrix(model.outputShape().dim(1));
            data.startEpoch(0);
            double lossSum = 0;
            long seen = 0;
            while (data.next()) {
                int n = data.size();
                Tensor scores = model.forward(data.input());
                lossSum += (double) loss.forward(scores, data.labels()) * n;
                int[] labels = data.labels();
                for (int i = 0; i < n; i++) {
                    confusion.add(labels[i], argmax(scores, i));
                }
                seen += n;
            }
            return new Evaluation(lossSum / Math.max(1, seen), confusion);
        } finally {
            model.setTraining(wasTraining);
        }
    }

    private static long countCorrect(Tensor scores, int[] labels) {
        long c = 0;
        for (int i = 0; i < scores.dim(0); i++) {
            if (argmax(scores, i) == labels[i]) {
                c++;
            }
        }
        return c;
    }

    /** Index of the largest score in row {@code row} of a (N, classes) tensor; the first on ties. */
    static int argmax(Tensor scores, int row) {
        int classes = scores.dim(1);
        long base = scores.offset() + (long) row * classes;
        int best = 0;
        float max = scores.segment().getAtIndex(Tensor.FLOAT, base);
        for (int j = 1; j < classes; j++) {
            float v = scores.segment().getAtIndex(Tensor.FLOAT, base + j);
            if (v > max) {
                max = v;
                best = j;
            }
        }
        return best;
    }
}
