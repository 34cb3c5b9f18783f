package dev.stride.infer;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;

/**
 * How an {@link InferenceModel} runs: the batch one pass takes, the most samples one call may
 * ask for, how many predictors its thread-safe methods keep, how many threads each splits a pass
 * over, and the GEMM backend.
 *
 * <p><b>Thread budget.</b> {@code predictors x threadsPerPredictor} must not exceed the processors
 * unless {@code forceThreads}: threads beyond the cores only take turns, each holding its own
 * activations. OpenBLAS is set to one thread per call (for the whole process, where OpenBLAS keeps
 * it) because every predictor thread calls GEMM itself and OpenBLAS's threads would multiply with them.
 *
 * @param maxBatch           samples in one pass: every predictor's activations are sized for it,
 *                           and larger calls run in chunks of this size
 * @param maxSamplesPerCall  the most samples one call may ask for (above it, an error): one call
 *                           holds its predictor, and its results are allocated at once
 * @param predictors         predictors the model's own {@code predict} methods share (made when
 *                           first needed)
 * @param threadsPerPredictor threads each predictor splits a pass over
 * @param forceThreads       accept a budget above the processor count
 * @param gemm               the GEMM backend the layers use
 */
public record InferenceOptions(int maxBatch, int maxSamplesPerCall, int predictors, int threadsPerPredictor,
                               boolean forceThreads, Gemm gemm) {
    /** The default {@link #maxSamplesPerCall}. */
    public static final int DEFAULT_MAX_SAMPLES_PER_CALL = 1 << 16;

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException when a count is below 1 or {@code gemm} is null
     */
    public InferenceOptions {
        positive(maxBatch, "maxBatch");
        positive(maxSamplesPerCall, "maxSamplesPerCall");
        positive(predictors, "predictors");
        positive(threadsPerPredictor, "threadsPerPredictor");
        if (gemm == null) {
            throw new IllegalArgumentException("InferenceOptions needs a GEMM backend (GemmBackend.defaultGemm(), say)");
        }
    }

    /**
     * Batches of up to 32, one predictor per processor, one thread each, the default GEMM backend
     * ({@code -Dstride.backend}).
     *
     * @return the options
     */
    public static InferenceOptions defaults() {
        return defaults(GemmBackend.defaultGemm());
    }

    /**
     * As {@link #defaults()} on {@code gemm}: the default backend is not touched, so the Java GEMM loads no
     * native code.
     *
     * @param gemm the GEMM backend
     * @return the options
     */
    public static InferenceOptions defaults(Gemm gemm) {
        return new InferenceOptions(32, DEFAULT_MAX_SAMPLES_PER_CALL, Runtime.getRuntime().availableProcessors(), 1, false, gemm);
    }

    /**
     * These options with another pass size.
     *
     * @param maxBatch samples in one pass
     * @return new options
     */
    public InferenceOptions withMaxBatch(int maxBatch) {
        return new InferenceOptions(maxBatch, maxSamplesPerCall, predictors, threadsPerPredictor, forceThreads, gemm);
    }

    /**
     * These options with another limit on one call.
     *
     * @param maxSamplesPerCall the most samples one call may ask for
     * @return new options
     */
    public InferenceOptions withMaxSamplesPerCall(int maxSamplesPerCall) {
        return new InferenceOptions(maxBatch, maxSamplesPerCall, predictors, threadsPerPredictor, forceThreads, gemm);
    }

    /**
     * These options with another number of shared predictors.
     *
     * @param predictors predictors the model's own {@code predict} methods share
     * @return new options
     */
    public InferenceOptions withPredictors(int predictors) {
        return new InferenceOptions(maxBatch, maxSamplesPerCall, predictors, threadsPerPredictor, forceThreads, gemm);
    }

    /**
     * These options with another number of threads per predictor.
     *
     * @param threadsPerPredictor threads each predictor splits a pass over
     * @return new options
     */
    public InferenceOptions withThreadsPerPredictor(int threadsPerPredictor) {
        return new InferenceOptions(maxBatch, maxSamplesPerCall, predictors, threadsPerPredictor, forceThreads, gemm);
    }

    /**
     * These options with the thread budget enforced or not.
     *
     * @param forceThreads true to accept a budget above the processor count
     * @return new options
     */
    public InferenceOptions withForceThreads(boolean forceThreads) {
        return new InferenceOptions(maxBatch, maxSamplesPerCall, predictors, threadsPerPredictor, forceThreads, gemm);
    }

    /**
     * These options with another GEMM backend.
     *
     * @param gemm the backend the layers use
     * @return new options
     */
    public InferenceOptions withGemm(Gemm gemm) {
        return new InferenceOptions(maxBatch, maxSamplesPerCall, predictors, threadsPerPredictor, forceThreads, gemm);
    }

    /**
     * Refuses {@code count} predictors running at once when, at {@link #threadsPerPredictor} each,
     * they need more threads than there are processors (unless {@link #forceThreads}).
     */
    void checkBudget(int count, String what) {
        int processors = Runtime.getRuntime().availableProcessors();
        long threads = (long) count * threadsPerPredictor;
        if (threads > processors && !forceThreads) {
            throw new IllegalArgumentException(what + " " + count + " x threadsPerPredictor " + threadsPerPredictor + " = "
                    + threads + " threads, more than the " + processors + " processors; use fewer, or withForceThreads(true)");
        }
    }

    private static void positive(int value, String name) {
        if (value < 1) {
            throw new IllegalArgumentException("InferenceOptions." + name + " must be at least 1, got " + value);
        }
    }
}
