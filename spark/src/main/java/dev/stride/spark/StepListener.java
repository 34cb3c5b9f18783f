package dev.stride.spark;

import java.io.Serializable;

/**
 * Told on every worker, in the worker's own thread, after each global step has been applied (and,
 * on rank 0, after that step's checkpoint, if any, was written). An exception it throws fails the
 * worker, and so the stage, as any error does.
 */
@FunctionalInterface
public interface StepListener extends Serializable {
    StepListener NONE = (rank, step, stageAttempt) -> { };

    void afterStep(int rank, long step, int stageAttempt) throws Exception;
}
