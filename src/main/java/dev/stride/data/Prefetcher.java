package dev.stride.data;

import java.util.ArrayDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Runs a loader's per-position work on a few daemon threads, at most {@code window} positions
 * ahead of the one being consumed: a bounded read-ahead, so decoding overlaps the training step
 * without holding a whole epoch of decoded images.
 */
final class Prefetcher<T> implements AutoCloseable {
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final ExecutorService executor;
    private final IntFunction<T> work;
    private final int window;
    private final ArrayDeque<Future<T>> ahead = new ArrayDeque<>(); // positions next .. submitted - 1
    private int submitted;
    private int end;

    /** @param work the result for a position; it must not throw (carry failures in T) */
    Prefetcher(int threads, int window, IntFunction<T> work) {
        int pool = POOLS.incrementAndGet();
        AtomicInteger count = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "stride-loader-" + pool + "-" + count.incrementAndGet());
            t.setDaemon(true); // a loader nobody closed must not keep the JVM alive
            return t;
        });
        this.work = work;
        this.window = window;
    }

    /** Forgets what was queued and starts again at position 0 of {@code end} positions. */
    void restart(int end) {
        for (Future<T> f : ahead) {
            f.cancel(false);
        }
        ahead.clear();
        submitted = 0;
        this.end = end;
    }

    /** The result for the next position (0, 1, 2, ... since the last restart), waiting for it if needed. */
    T next(int position) {
        while (submitted < end && submitted < position + window) {
            int at = submitted++;
            ahead.add(executor.submit(() -> work.apply(at)));
        }
        Future<T> f = ahead.poll();
        if (f == null) {
            throw new IllegalStateException("no position " + position + " queued");
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a decoded image", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("decoding failed unexpectedly: " + e.getCause(), e.getCause());
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
