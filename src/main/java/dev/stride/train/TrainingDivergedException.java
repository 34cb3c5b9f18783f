package dev.stride.train;

/**
 * The loss became NaN or infinite. Training stops at once, before the optimiser applies the bad
 * gradients, and nothing is saved, so the last good checkpoint on disk stays as it was.
 */
public final class TrainingDivergedException extends RuntimeException {
    private final int epoch;
    private final int step;

    public TrainingDivergedException(int epoch, int step, float loss, double lr) {
        super("the loss became " + loss + " at epoch " + epoch + ", step " + step + " (learning rate " + lr
                + "); training stopped and the last good checkpoint was left intact. Try a lower learning rate, "
                + "gradient-friendly initialisation, or check the input data for NaN values");
        this.epoch = epoch;
        this.step = step;
    }

    public int epoch() {
        return epoch;
    }

    public int step() {
        return step;
    }
}
