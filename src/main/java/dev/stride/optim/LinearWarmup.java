package dev.stride.optim;

/**
 * A linear ramp in front of another schedule: {@code after.lr(0) * (t + 1) / (warmup + 1)} for the
 * first {@code warmup} time units, then {@code after.lr(t - warmup)}, so the wrapped schedule
 * starts its own clock when the warm-up ends. The ramp never gives 0 (a wasted step) and reaches
 * the wrapped schedule's first rate at t = warmup.
 *
 * @param warmup the time units of the ramp
 * @param after the schedule that follows, started at its own t = 0
 */
public record LinearWarmup(long warmup, LrSchedule after) implements LrSchedule {

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException when {@code warmup} is below 1 or {@code after} is null
     */
    public LinearWarmup {
        LrSchedule.checkPeriod("linear warm-up", "warmup", warmup);
        if (after == null) {
            throw new IllegalArgumentException("linear warm-up: needs a schedule to warm up into");
        }
    }

    @Override
    public double lr(long t) {
        LrSchedule.checkTime(t);
        if (t < warmup) {
            return after.lr(0) * (t + 1) / (warmup + 1);
        }
        return after.lr(t - warmup);
    }

    @Override
    public String describe() {
        return "warmup(" + warmup + ") then " + after.describe();
    }
}
