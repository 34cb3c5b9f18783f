package dev.stride.spark;

import java.io.Serializable;
import java.time.Duration;

/**
 * What a data-parallel run does, shipped to every worker.
 *
 * @param epochs          passes over the data (each worker over its partition)
 * @param batch           the global batch: summed over the workers, each taking batch / workers
 *                        (the first batch % workers one more)
 * @param seed            the shuffling seed (initialisation happens once, on the driver)
 * @param threads         threads each worker's model splits its batch over (spark.task.cpus, say)
 * @param checkpointEvery rank 0 writes a checkpoint every this many steps, and after the last
 * @param checkpointDir   a directory every executor and the driver see (a shared file system);
 *                        the run starts from, and a retried stage resumes from, its latest checkpoint
 * @param timeout         for opening connections and for each step's data to arrive
 * @param labelSmoothing  as {@code stride train --label-smoothing}
 * @param attempts        how many times the training stage may run, the first included: a
 *                        failed stage starts again from the last checkpoint
 */
public record TrainingPlan(int epochs, int batch, long seed, int threads, int checkpointEvery, String checkpointDir,
                           Duration timeout, float labelSmoothing, OptimizerFactory optimizer, ScheduleFactory schedule,
                           StepListener listener, int attempts) implements Serializable {

    public TrainingPlan {
        if (epochs < 1 || batch < 1 || threads < 1 || checkpointEvery < 1 || attempts < 1) {
            throw new IllegalArgumentException("training plan: epochs, batch, threads, checkpointEvery and attempts must be at least 1, got "
                    + epochs + ", " + batch + ", " + threads + ", " + checkpointEvery + ", " + attempts);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("training plan: the timeout must be positive, got " + timeout);
        }
    }

    public TrainingPlan withListener(StepListener l) {
        return new TrainingPlan(epochs, batch, seed, threads, checkpointEvery, checkpointDir, timeout, labelSmoothing, optimizer,
                schedule, l, attempts);
    }
}
