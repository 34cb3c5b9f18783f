package dev.stride.data;

/**
 * How a {@link DataLoader} walks a data set.
 *
 * @param batchSize  items per mini-batch; the last batch of an epoch may be smaller
 * @param shuffle    whether each epoch visits the items in a fresh random order
 * @param seed       seeds the order, the shifts and the random transforms; epoch {@code e} uses
 *                   {@code seed + e}, so an epoch can be replayed on its own
 * @param maxShift   random translation of each image by up to this many pixels in x and y (0 = none)
 * @param workers    threads that decode images ahead of the training step; 0 decodes on the caller's
 *                   thread, -1 chooses (none for data held in memory, up to 4 for image files)
 * @param skipBroken whether an image that cannot be decoded is reported and skipped (true) or ends
 *                   the run with its path (false)
 */
public record LoaderSpec(int batchSize, boolean shuffle, long seed, int maxShift, int workers, boolean skipBroken) {
    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException when the batch size is below 1, the shift negative or the workers
     *     below -1
     */
    public LoaderSpec {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (maxShift < 0) {
            throw new IllegalArgumentException("max shift must be 0 or more pixels, got " + maxShift);
        }
        if (workers < -1) {
            throw new IllegalArgumentException("workers must be -1 (choose), 0 or more, got " + workers);
        }
    }

    /**
     * Workers chosen by the loader, broken images skipped.
     *
     * @param batchSize items per mini-batch
     * @param shuffle whether each epoch has a fresh random order
     * @param seed seeds the order and the shifts
     * @param maxShift random translation of up to this many pixels (0 = none)
     */
    public LoaderSpec(int batchSize, boolean shuffle, long seed, int maxShift) {
        this(batchSize, shuffle, seed, maxShift, -1, true);
    }

    /**
     * Shuffled every epoch, with optional shift augmentation.
     *
     * @param batchSize items per mini-batch
     * @param seed seeds the order and the shifts
     * @param maxShift random translation of up to this many pixels (0 = none)
     * @return the spec
     */
    public static LoaderSpec training(int batchSize, long seed, int maxShift) {
        return new LoaderSpec(batchSize, true, seed, maxShift);
    }

    /**
     * In order, unaugmented: for evaluation and prediction.
     *
     * @param batchSize items per mini-batch
     * @return the spec
     */
    public static LoaderSpec evaluation(int batchSize) {
        return new LoaderSpec(batchSize, false, 0, 0);
    }

    /**
     * This spec with broken images failing the run instead of being skipped.
     *
     * @return a new spec
     */
    public LoaderSpec failingOnBrokenImages() {
        return new LoaderSpec(batchSize, shuffle, seed, maxShift, workers, false);
    }

    /**
     * This spec with {@code n} decoding threads (0: decode on the caller's thread).
     *
     * @param n the thread count, or -1 to let the loader choose
     * @return a new spec
     */
    public LoaderSpec withWorkers(int n) {
        return new LoaderSpec(batchSize, shuffle, seed, maxShift, n, skipBroken);
    }
}
