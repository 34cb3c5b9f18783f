package dev.stride.spark;

import dev.stride.tensor.Tensor;

import java.util.Random;

/**
 * One worker's rows and its part of each global batch: the rows in a fresh order every epoch,
 * drawn from the seed, the epoch and the rank alone, so a worker restarted mid-epoch sees the same
 * batches again.
 */
final class Shard {
    private final float[] features; // (rows, sampleFloats) one normalised C*H*W sample per row
    private final int[] labels; // (rows)
    private final int sampleFloats;
    private final int localBatch;
    private final int rank;
    private final int[] order; // (rows) this epoch's permutation

    Shard(float[] features, int[] labels, int sampleFloats, int localBatch, int rank) {
        if (localBatch < 1) {
            throw new IllegalArgumentException("worker " + rank + ": its share of the global batch is " + localBatch
                    + " examples; use a global batch of at least the number of workers");
        }
        this.features = features;
        this.labels = labels;
        this.sampleFloats = sampleFloats;
        this.localBatch = localBatch;
        this.rank = rank;
        this.order = new int[labels.length];
    }

    /** Worker {@code rank}'s share of a global batch of {@code batch} over {@code workers}: the first batch % workers get one more. */
    static int localBatch(int batch, int workers, int rank) {
        return batch / workers + (rank < batch % workers ? 1 : 0);
    }

    int rows() {
        return labels.length;
    }

    /** Batches this worker has in an epoch, the last possibly partial. */
    int batches() {
        return (rows() + localBatch - 1) / localBatch;
    }

    /** Shuffles the rows for {@code epoch} (Fisher-Yates from one seeded generator). */
    void startEpoch(long seed, int epoch) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Random rnd = new Random(seed * 1_000_003L + epoch * 7919L + rank);
        for (int i = order.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    /** Copies batch {@code k} of the epoch into {@code input}'s first rows and {@code batchLabels}; returns its size (0 past the end). */
    int fill(int k, Tensor input, int[] batchLabels) {
        int from = Math.min(rows(), k * localBatch);
        int n = Math.min(rows(), from + localBatch) - from;
        for (int i = 0; i < n; i++) {
            int row = order[from + i];
            java.lang.foreign.MemorySegment.copy(features, row * sampleFloats, input.segment(), Tensor.FLOAT,
                    (input.offset() + (long) i * sampleFloats) * Float.BYTES, sampleFloats);
            batchLabels[i] = labels[row];
        }
        return n;
    }
}
