package dev.stride.train;

/**
 * Progress reports from the {@link Trainer}; the command line draws a progress bar from them. The
 * library itself prints nothing.
 */
public interface TrainingListener {
    /**
     * After each training step: running means over the epoch so far.
     *
     * @param epoch the epoch's number
     * @param batch the step of this epoch, from 1
     * @param batches the steps in the epoch
     * @param loss the mean loss so far
     * @param accuracy the fraction classified correctly so far
     * @param imagesPerSecond training samples per second so far
     */
    default void onBatch(int epoch, int batch, int batches, double loss, double accuracy, double imagesPerSecond) {
    }

    /**
     * After each epoch, evaluation included.
     *
     * @param result the epoch's result
     */
    default void onEpoch(EpochResult result) {
    }

    /** A listener that ignores every report. */
    TrainingListener NONE = new TrainingListener() {
    };
}
