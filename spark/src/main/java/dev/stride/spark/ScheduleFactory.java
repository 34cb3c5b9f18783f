package dev.stride.spark;

import dev.stride.optim.LrSchedule;

import java.io.Serializable;

/** The learning-rate schedule over a run of {@code totalSteps} optimiser steps; shipped to executors, hence serialisable. */
@FunctionalInterface
public interface ScheduleFactory extends Serializable {
    LrSchedule create(long totalSteps, int stepsPerEpoch);
}
