package dev.stride.infer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;

/**
 * The predictors behind an {@link InferenceModel}'s thread-safe methods: made when first needed,
 * up to {@code size}; a call borrows one, or waits for one to come back.
 */
final class PredictorPool {
    private final InferenceModel model;
    private final int size;
    private final BlockingQueue<Predictor> free = new LinkedBlockingQueue<>();
    private int created; // guarded by this

    PredictorPool(InferenceModel model, int size) {
        this.model = model;
        this.size = size;
    }

    /** Runs {@code call} on a predictor nobody else is using. */
    <T> T apply(Function<Predictor, T> call) {
        Predictor p = acquire();
        try {
            return call.apply(p);
        } finally {
            free.add(p);
        }
    }

    /** Makes every predictor and runs a pass on each. */
    void warmup() {
        List<Predictor> all = new ArrayList<>();
        try {
            for (int i = 0; i < size; i++) {
                all.add(acquire());
            }
            for (Predictor p : all) {
                p.warmup();
            }
        } finally {
            free.addAll(all);
        }
    }

    private Predictor acquire() {
        Predictor p = free.poll();
        if (p != null) {
            return p;
        }
        synchronized (this) {
            if (created < size) {
                Predictor fresh = model.newPredictor();
                created++;
                return fresh;
            }
        }
        try {
            return free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a free predictor", e);
        }
    }
}
