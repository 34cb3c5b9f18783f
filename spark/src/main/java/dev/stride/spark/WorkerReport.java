package dev.stride.spark;

import java.io.Serializable;

/**
 * What a worker hands back: the steps it ran in this attempt, the last checkpoint, and per epoch
 * the global batch's mean loss and accuracy (the same on every worker; an epoch resumed midway
 * counts only the steps after the resume).
 *
 * @param firstEpoch the epoch of {@code loss[0]}
 */
public record WorkerReport(int rank, long firstStep, long lastStep, String checkpoint, int firstEpoch, double[] loss,
                           double[] accuracy) implements Serializable {
}
