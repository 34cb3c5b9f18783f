package dev.stride.bench;

import dev.stride.blas.Gemm;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Gemm} that adds up the wall time of the calls it passes on, so a layer benchmark can say
 * what share of a layer's time GEMM takes (nanoTime costs tens of nanoseconds; a call takes
 * microseconds at least).
 */
final class TimedGemm implements Gemm {
    private final Gemm inner;
    private final AtomicLong nanos = new AtomicLong();

    TimedGemm(Gemm inner) {
        this.inner = inner;
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      MemorySegment a, long aOffset, int lda,
                      MemorySegment b, long bOffset, int ldb,
                      float beta, MemorySegment c, long cOffset, int ldc) {
        long start = System.nanoTime();
        inner.sgemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
        nanos.addAndGet(System.nanoTime() - start);
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public boolean thinCallsCheap() {
        return inner.thinCallsCheap();
    }

    /** GEMM time so far, summed over the threads that called; {@link #reset()} starts again. */
    long nanos() {
        return nanos.get();
    }

    void reset() {
        nanos.set(0);
    }
}
