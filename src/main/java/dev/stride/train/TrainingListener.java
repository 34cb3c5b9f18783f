package dev.stride.train;

/**
 * Progress reports from the {@link Trainer}; the command line draws a progress bar from them. The
 * library itself prints nothing.
 */
public interface TrainingListener {
    /** After each training step: running means over the epoch so far. */
    default void onBatch(int epoch, int batch, int batches, double loss, double accuracy, double imagesPerSecond) {
    }

    /** After each epoch, evaluation included. */
    default void onEpoch(EpochResult result) {
    }

    TrainingListener NONE = new TrainingListener() {
    };
}
