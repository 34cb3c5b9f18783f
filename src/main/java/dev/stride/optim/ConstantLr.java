package dev.stride.optim;

/**
 * The same learning rate at every time.
 *
 * @param lr the learning rate, finite and non-negative
 */
public record ConstantLr(double lr) implements LrSchedule {

    /**
     * Checks the rate.
     *
     * @throws IllegalArgumentException when it is negative or not finite
     */
    public ConstantLr {
        LrSchedule.checkRate("constant schedule", "lr", lr);
    }

    @Override
    public double lr(long t) {
        LrSchedule.checkTime(t);
        return lr;
    }

    @Override
    public String describe() {
        return "constant(" + lr + ")";
    }
}
