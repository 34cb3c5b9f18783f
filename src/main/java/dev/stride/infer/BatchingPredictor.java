package dev.stride.infer;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Gathers single-sample requests from any number of threads into batches for an
 * {@link InferenceModel}: a worker takes the first waiting request, then more until it holds
 * {@link BatchingOptions#maxBatch()} or {@link BatchingOptions#maxWait()} has passed, and runs them
 * as one pass on its own {@link Predictor}. Thread-safe.
 *
 * <p>Each request gets a future of its own. A bad input (wrong length, NaN, a picture the model
 * cannot take) fails only that future, at once; a full queue fails it with a
 * {@link RejectedExecutionException}; a failed pass fails the futures of its batch. {@link #close()}
 * stops taking requests, runs every one already queued, then frees the workers' memory.
 *
 * <p>A sample's scores can depend on the batch it lands in where the GEMM backend is not
 * batch-invariant (docs/embedding.md says which guarantees hold).
 */
public final class BatchingPredictor implements AutoCloseable {
    /** How often an idle worker looks whether the predictor is closing. */
    private static final long IDLE_POLL_MILLIS = 20;

    private record Request(float[] sample, CompletableFuture<Prediction> result) {
    }

    private final InferenceModel model;
    private final BatchingOptions options;
    private final BlockingQueue<Request> queue;
    private final List<Thread> workers = new ArrayList<>();
    private final Object submitLock = new Object();
    private boolean closing;               // guarded by submitLock: no request is queued once it is set
    private volatile boolean draining;     // set after closing: a worker that finds the queue empty stops

    private BatchingPredictor(InferenceModel model, BatchingOptions options) {
        this.model = model;
        this.options = options;
        this.queue = new ArrayBlockingQueue<>(options.queueCapacity());
    }

    /**
     * Starts the workers, each with a warmed-up predictor of {@code model}.
     *
     * @throws IllegalArgumentException when maxBatch exceeds the model's, or the workers the thread budget
     * @param model the model to serve; it must stay open while this predictor runs
     * @param options how requests are batched
     * @return the running predictor; close it to stop the workers
     */
    public static BatchingPredictor start(InferenceModel model, BatchingOptions options) {
        if (options.maxBatch() > model.options().maxBatch()) {
            throw new IllegalArgumentException("BatchingOptions.maxBatch " + options.maxBatch() + " is more than the model's passes take ("
                    + model.options().maxBatch() + ", InferenceOptions.maxBatch); lower it or load the model with a larger one");
        }
        model.options().checkBudget(options.workers(), "BatchingOptions.workers");
        BatchingPredictor front = new BatchingPredictor(model, options);
        List<Predictor> predictors = new ArrayList<>();
        try {
            for (int i = 0; i < options.workers(); i++) {
                Predictor p = model.newPredictor();
                predictors.add(p);
                p.warmup();
            }
        } catch (RuntimeException e) {
            predictors.forEach(Predictor::close);
            throw e;
        }
        for (int i = 0; i < predictors.size(); i++) {
            Predictor p = predictors.get(i);
            Thread t = new Thread(() -> front.work(p), "stride-batching-" + i);
            // Daemon threads, so a forgotten close() cannot keep the JVM alive; close() still finishes the queue.
            t.setDaemon(true);
            front.workers.add(t);
            t.start();
        }
        return front;
    }

    /**
     * The prediction for one normalised sample (C, H, W); the array is copied, so the caller may reuse it.
     *
     * @param sample {@code C*H*W} normalised floats
     * @return completes with the prediction, or exceptionally when the input is bad, the queue full or the
     *     pass failed
     */
    public CompletableFuture<Prediction> submit(float[] sample) {
        float[] copy;
        try {
            copy = sample.clone();
            model.check().floats(copy, 1);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return enqueue(copy);
    }

    /**
     * The prediction for one picture, prepared on the calling thread.
     *
     * @param image the picture
     * @return completes with the prediction, or exceptionally as {@link #submit(float[])} does
     */
    public CompletableFuture<Prediction> submit(BufferedImage image) {
        float[] x;
        try {
            x = model.prepare(image);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return enqueue(x);
    }

    private CompletableFuture<Prediction> enqueue(float[] sample) {
        CompletableFuture<Prediction> result = new CompletableFuture<>();
        synchronized (submitLock) {
            if (closing) {
                result.completeExceptionally(new IllegalStateException("this BatchingPredictor is closed"));
            } else if (!queue.offer(new Request(sample, result))) {
                result.completeExceptionally(new RejectedExecutionException("the queue is full (" + options.queueCapacity()
                        + " requests, BatchingOptions.queueCapacity); retry later, or add workers or capacity"));
            }
        }
        return result;
    }

    private void work(Predictor predictor) {
        int sampleSize = model.check().sampleSize();
        float[] batch = new float[options.maxBatch() * sampleSize]; // (maxBatch, C, H, W)
        Request[] taken = new Request[options.maxBatch()];
        try (predictor) {
            while (true) {
                Request first = queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    // draining is set after the last request was queued, so an empty queue now stays empty.
                    if (draining && queue.isEmpty()) {
                        return;
                    }
                    continue;
                }
                int n = gather(first, taken);
                for (int i = 0; i < n; i++) {
                    System.arraycopy(taken[i].sample(), 0, batch, i * sampleSize, sampleSize);
                }
                try {
                    List<Prediction> out = predictor.predictChecked(batch, n);
                    for (int i = 0; i < n; i++) {
                        taken[i].result().complete(out.get(i));
                    }
                } catch (RuntimeException e) {
                    for (int i = 0; i < n; i++) {
                        taken[i].result().completeExceptionally(e);
                    }
                }
                Arrays.fill(taken, 0, n, null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // only close() ends a worker; an interrupt from elsewhere ends it early
        }
    }

    /** Takes {@code first} and more requests until the batch is full or maxWait has passed; returns how many. */
    private int gather(Request first, Request[] taken) throws InterruptedException {
        long deadline = System.nanoTime() + options.maxWait().toNanos();
        taken[0] = first;
        int n = 1;
        while (n < taken.length) {
            Request r = queue.poll();
            if (r == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || draining) {
                    break;
                }
                r = queue.poll(left, TimeUnit.NANOSECONDS);
                if (r == null) {
                    break;
                }
            }
            taken[n++] = r;
        }
        return n;
    }

    /** Stops taking requests, waits until every queued one has its answer, and closes the workers' predictors. */
    @Override
    public void close() {
        synchronized (submitLock) {
            closing = true;
        }
        draining = true;
        boolean interrupted = false;
        for (Thread t : workers) {
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true; // finish closing: the workers hold native memory
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
