package dev.stride.blas;

import dev.stride.blas.internal.openblas.openblas_h;

import java.lang.foreign.MemorySegment;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * {@link Gemm} through OpenBLAS's {@code cblas_sgemm} (row-major), called via the jextract bindings.
 * This is the only class that touches the bindings: creating one loads the library
 * ({@link OpenBlasLibrary#load()}) before the bindings class is first initialised.
 *
 * <p>OpenBLAS reads and writes raw addresses, so every call is bounds-checked against the segments
 * first and heap or read-only segments are refused: a bad call is an exception, never a stray read.
 */
public final class OpenBlasGemm implements Gemm {
    private final OpenBlasLibrary library;
    private final boolean thinCallsCheap;

    /**
     * Loads OpenBLAS (see {@link OpenBlasLibrary#load()}) and binds its {@code cblas_sgemm}.
     *
     * @throws OpenBlasUnavailableException when no OpenBLAS library can be loaded
     */
    public OpenBlasGemm() {
        this.library = OpenBlasLibrary.load();
        this.thinCallsCheap = OpenBlasCoreType.hasSmallMatrixKernels(config());
    }

    /** Overwrites C when beta is 0 (NaN in C does not survive), else scales it by beta and accumulates. */
    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      MemorySegment a, long aOffset, int lda,
                      MemorySegment b, long bOffset, int ldb,
                      float beta, MemorySegment c, long cOffset, int ldc) {
        GemmArgs.check(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        requireNative("C", c);
        if (c.isReadOnly()) {
            throw new IllegalArgumentException("sgemm: C is a read-only segment but OpenBLAS writes its result there");
        }
        if (k == 0) {
            // op(A) * op(B) is the zero matrix: C = beta * C as in BLAS, without handing OpenBLAS
            // matrices that have no elements.
            scale(beta, m, n, c, cOffset, ldc);
            return;
        }
        requireNative("A", a);
        requireNative("B", b);
        // Slicing keeps each segment's scope alive and checked for the duration of the native call.
        openblas_h.cblas_sgemm(openblas_h.CblasRowMajor(),
                transA ? openblas_h.CblasTrans() : openblas_h.CblasNoTrans(),
                transB ? openblas_h.CblasTrans() : openblas_h.CblasNoTrans(),
                m, n, k, alpha,
                a.asSlice(aOffset * Float.BYTES), lda,
                b.asSlice(bOffset * Float.BYTES), ldb,
                beta, c.asSlice(cOffset * Float.BYTES), ldc);
    }

    @Override
    public String name() {
        return "openblas";
    }

    /**
     * True when the loaded kernels are an AVX-512 set, whose small-matrix path skips packing: with
     * them {@code ShiftConv}'s several thin GEMMs beat im2col's one, with the Haswell set they do not
     * (docs/design-measurements.md).
     */
    @Override
    public boolean thinCallsCheap() {
        return thinCallsCheap;
    }

    /**
     * The loaded library file and where it came from.
     *
     * @return the library this instance calls
     */
    public OpenBlasLibrary library() {
        return library;
    }

    /**
     * OpenBLAS's build description, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64".
     *
     * @return the text of {@code openblas_get_config}
     */
    public String config() {
        return openblas_h.openblas_get_config().getString(0).trim();
    }

    /**
     * Threads OpenBLAS uses per call.
     *
     * @return the value of {@code openblas_get_num_threads}
     */
    public int threads() {
        return openblas_h.openblas_get_num_threads();
    }

    /**
     * Sets the threads OpenBLAS uses per call, for the whole process (OpenBLAS keeps it globally).
     *
     * @param threads threads per call, at least 1
     */
    public void setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("OpenBLAS thread count must be at least 1, got " + threads);
        }
        openblas_h.openblas_set_num_threads(threads);
    }

    /**
     * The downcall would also refuse a closed or foreign-thread segment, but the generated bindings
     * wrap that refusal in an AssertionError, so it is turned into the usual exceptions here.
     */
    private static void requireNative(String name, MemorySegment s) {
        if (!s.isNative()) {
            throw new IllegalArgumentException("sgemm: " + name + " is a heap segment but OpenBLAS needs native"
                    + " memory: allocate it from an Arena (Tensor.zeros/of) instead of MemorySegment.ofArray");
        }
        if (!s.scope().isAlive()) {
            throw new IllegalStateException("sgemm: " + name + " belongs to an arena that is already closed");
        }
        if (!s.isAccessibleBy(Thread.currentThread())) {
            throw new WrongThreadException("sgemm: " + name + " belongs to a confined arena of another thread");
        }
    }

    private static void scale(float beta, int m, int n, MemorySegment c, long cOffset, int ldc) {
        for (int i = 0; i < m; i++) {
            long row = cOffset + (long) i * ldc;
            for (int j = 0; j < n; j++) {
                float old = beta == 0f ? 0f : beta * c.getAtIndex(FLOAT, row + j);
                c.setAtIndex(FLOAT, row + j, old);
            }
        }
    }
}
