package dev.stride.train;

/**
 * The loss became NaN or infinite. Training stops at once, before the optimiser applies the bad
 * gradients, and nothing is saved, so the last good checkpoint on disk stays as it was.
 */
public final class TrainingDivergedException extends RuntimeException {
    /** The epoch in which the loss diverged. */
    private final int epoch;
    /** The step of that epoch, from 1. */
    private final int step;

    /**
     * An exception whose message names where the loss diverged and what to try.
     *
     * @param epoch the epoch
     * @param step the step of that epoch, from 1
     * @param loss the loss's value (NaN or infinite)
     * @param lr the learning rate of that step
     */
    public TrainingDivergedException(int epoch, int step, float loss, double lr) {
        super("the loss became " + loss + " at epoch " + epoch + ", step " + step + " (learning rate " + lr
                + "); training stopped and the last good checkpoint was left intact. Try a lower learning rate, "
                + "gradient-friendly initialisation, or check the input data for NaN values");
        this.epoch = epoch;
        this.step = step;
    }

    /**
     * The epoch in which the loss diverged.
     *
     * @return the epoch
     */
    public int epoch() {
        return epoch;
    }

    /**
     * The step of that epoch at which it diverged.
     *
     * @return the step, from 1
     */
    public int step() {
        return step;
    }
}
