package dev.stride.data;

/**
 * How a {@link DataLoader} walks a data set.
 *
 * @param batchSize items per mini-batch; the last batch of an epoch may be smaller
 * @param shuffle   whether each epoch visits the items in a fresh random order
 * @param seed      seeds the order and the shifts; epoch {@code e} uses {@code seed + e}, so an epoch
 *                  can be replayed on its own
 * @param maxShift  random translation of each image by up to this many pixels in x and y (0 = none)
 */
public record LoaderSpec(int batchSize, boolean shuffle, long seed, int maxShift) {
    public LoaderSpec {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (maxShift < 0) {
            throw new IllegalArgumentException("max shift must be 0 or more pixels, got " + maxShift);
        }
    }

    /** Shuffled every epoch, with optional shift augmentation. */
    public static LoaderSpec training(int batchSize, long seed, int maxShift) {
        return new LoaderSpec(batchSize, true, seed, maxShift);
    }

    /** In order, unaugmented: for evaluation and prediction. */
    public static LoaderSpec evaluation(int batchSize) {
        return new LoaderSpec(batchSize, false, 0, 0);
    }
}
