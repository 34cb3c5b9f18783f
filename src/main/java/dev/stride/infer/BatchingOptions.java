package dev.stride.infer;

import java.time.Duration;

/**
 * How a {@link BatchingPredictor} gathers requests into batches.
 *
 * @param maxBatch      the most requests one pass takes (at most the model's
 *                      {@link InferenceOptions#maxBatch()})
 * @param maxWait       how long a worker holding a request waits for more before it runs the pass:
 *                      the latency traded for fuller batches
 * @param queueCapacity requests waiting at most; a request beyond it fails at once with a
 *                      {@link java.util.concurrent.RejectedExecutionException} (back-pressure, not
 *                      an unbounded queue or a caller blocked without a limit)
 * @param workers       threads running passes, each with its own {@link Predictor}; they count
 *                      against the thread budget with the model's threadsPerPredictor
 */
public record BatchingOptions(int maxBatch, Duration maxWait, int queueCapacity, int workers) {
    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException when a count is below 1 or {@code maxWait} is null or negative
     */
    public BatchingOptions {
        if (maxBatch < 1 || queueCapacity < 1 || workers < 1) {
            throw new IllegalArgumentException("BatchingOptions: maxBatch, queueCapacity and workers must be at least 1, got "
                    + maxBatch + ", " + queueCapacity + " and " + workers);
        }
        if (maxWait == null || maxWait.isNegative()) {
            throw new IllegalArgumentException("BatchingOptions: maxWait must be zero or more, got " + maxWait);
        }
    }

    /**
     * Batches as large as the model's passes, 2 ms of waiting, 1024 requests queued, one worker.
     *
     * @param model the model the predictor will serve
     * @return the options
     */
    public static BatchingOptions defaults(InferenceModel model) {
        return new BatchingOptions(model.options().maxBatch(), Duration.ofMillis(2), 1024, 1);
    }

    /**
     * These options with another batch limit.
     *
     * @param maxBatch the most requests one pass takes
     * @return new options
     */
    public BatchingOptions withMaxBatch(int maxBatch) {
        return new BatchingOptions(maxBatch, maxWait, queueCapacity, workers);
    }

    /**
     * These options with another wait for a fuller batch.
     *
     * @param maxWait zero or more
     * @return new options
     */
    public BatchingOptions withMaxWait(Duration maxWait) {
        return new BatchingOptions(maxBatch, maxWait, queueCapacity, workers);
    }

    /**
     * These options with another queue limit.
     *
     * @param queueCapacity the most requests waiting
     * @return new options
     */
    public BatchingOptions withQueueCapacity(int queueCapacity) {
        return new BatchingOptions(maxBatch, maxWait, queueCapacity, workers);
    }

    /**
     * These options with another number of worker threads.
     *
     * @param workers threads running passes
     * @return new options
     */
    public BatchingOptions withWorkers(int workers) {
        return new BatchingOptions(maxBatch, maxWait, queueCapacity, workers);
    }
}
