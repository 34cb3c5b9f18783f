package dev.stride.optim;

/**
 * {@code lr * gamma^floor(t / every)}: the rate drops by a factor gamma every {@code every} time units
 * (PyTorch's StepLR).
 *
 * @param lr the rate at t = 0
 * @param every the time units between drops, at least 1
 * @param gamma the factor of each drop
 */
public record StepDecay(double lr, long every, double gamma) implements LrSchedule {

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException when one is out of range
     */
    public StepDecay {
        LrSchedule.checkRate("step decay", "lr", lr);
        LrSchedule.checkPeriod("step decay", "every", every);
        LrSchedule.checkRate("step decay", "gamma", gamma);
    }

    @Override
    public double lr(long t) {
        LrSchedule.checkTime(t);
        return lr * Math.pow(gamma, t / every);
    }

    @Override
    public String describe() {
        return "step(" + lr + " x" + gamma + " every " + every + ")";
    }
}
