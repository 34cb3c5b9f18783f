package dev.stride.optim;

/**
 * A learning rate as a function of time. Time {@code t} counts from 0 in whatever unit the caller
 * steps it by (epochs or optimiser steps); the schedule does not care, but the periods it was
 * built with must be in the same unit. The training loop calls {@link Optimizer#setLr} with
 * {@code lr(t)} before the steps of time t.
 */
public interface LrSchedule {

    /**
     * The learning rate at time {@code t >= 0}.
     *
     * @param t the step or epoch, from 0
     * @return the rate
     */
    double lr(long t);

    /**
     * One line for logs and checkpoint metadata, e.g. {@code "cosine(0.1 -> 0.001 over 50)"}.
     *
     * @return the description
     */
    String describe();

    /**
     * The same rate at every time.
     *
     * @param lr the rate
     * @return a {@link ConstantLr}
     */
    static LrSchedule constant(double lr) {
        return new ConstantLr(lr);
    }

    /**
     * {@code lr * gamma^floor(t / every)}: PyTorch's StepLR.
     *
     * @param lr the rate at t = 0
     * @param every the time units between drops, at least 1
     * @param gamma the factor of each drop
     * @return a {@link StepDecay}
     */
    static LrSchedule stepDecay(double lr, long every, double gamma) {
        return new StepDecay(lr, every, gamma);
    }

    /**
     * Half a cosine from {@code lr} at t = 0 down to {@code minLr} at t = period, then {@code minLr}.
     *
     * @param lr the rate at t = 0
     * @param minLr the rate at t = period and after
     * @param period the time units of the descent, at least 1
     * @return a {@link CosineAnnealing}
     */
    static LrSchedule cosine(double lr, double minLr, long period) {
        return new CosineAnnealing(lr, minLr, period);
    }

    /** A linear ramp over the first {@code warmup} time units up to {@code after}, which then starts at its own t = 0. */
    /**
     * PyTorch's OneCycleLR with its defaults (cosine, 30% up from maxLr/25, down to maxLr/25/1e4) over {@code
     * totalSteps}.
     *
     * @param maxLr the peak rate
     * @param totalSteps the steps of the whole cycle
     * @return a {@link OneCycle}
     */
    static LrSchedule oneCycle(double maxLr, long totalSteps) {
        return OneCycle.of(maxLr, totalSteps);
    }

    /**
     * A linear ramp over {@code warmup} time units in front of another schedule.
     *
     * @param warmup the time units of the ramp
     * @param after the schedule that follows
     * @return a {@link LinearWarmup}
     */
    static LrSchedule warmup(long warmup, LrSchedule after) {
        return new LinearWarmup(warmup, after);
    }

    /**
     * Shared argument check, so every schedule words its errors the same way.
     *
     * @param schedule the schedule's name, for the message
     * @param name the argument's name
     * @param v its value
     * @throws IllegalArgumentException when {@code v} is negative or not finite
     */
    static void checkRate(String schedule, String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(schedule + ": " + name + " must be finite and non-negative, got " + v);
        }
    }

    /**
     * Shared check of a period or step count.
     *
     * @param schedule the schedule's name, for the message
     * @param name the argument's name
     * @param v its value
     * @throws IllegalArgumentException when {@code v} is below 1
     */
    static void checkPeriod(String schedule, String name, long v) {
        if (v < 1) {
            throw new IllegalArgumentException(schedule + ": " + name + " must be at least 1, got " + v);
        }
    }

    /**
     * Shared check of the time a schedule is asked about.
     *
     * @param t the time
     * @throws IllegalArgumentException when {@code t} is negative
     */
    static void checkTime(long t) {
        if (t < 0) {
            throw new IllegalArgumentException("learning-rate schedules start at t = 0, asked for t = " + t);
        }
    }
}
