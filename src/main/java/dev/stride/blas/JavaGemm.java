package dev.stride.blas;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * BLAS-free sgemm in plain Java, blocked the way GotoBLAS blocks it.
 *
 * <p>C is walked in column blocks of {@link #NC}; for each block of {@link #KC} products the matching
 * panel of B is packed once into heap rows and reused by every block of {@link #MC} rows of C, whose
 * A block is packed (with alpha folded in) and whose C tile is copied to the heap, updated by
 * {@link GemmKernel} and copied back. Packing turns all four transpose cases into one kernel and keeps
 * segment access out of the inner loops, where C2 can then vectorise. The panels live in per-thread
 * scratch that is allocated once, so steady-state calls allocate nothing.
 *
 * <p>With more than one thread the rows of C are split into contiguous ranges, one task each (for
 * segments that other threads may read: not those of a confined arena). Every C
 * element still sees the same sequence of operations (its k blocks in order, four products at a time
 * in order), so the result is bitwise identical for any thread count.
 */
public final class JavaGemm implements Gemm {
    /** Rows of C per packed A block: 64 x 256 floats of A stay in L1/L2 while a B panel is swept. */
    static final int MC = 64;
    /** Products per k block; with NC, sizes the packed B panel (256 KiB) to sit in L2. */
    static final int KC = 256;
    /** Columns of C per block: the length of the vectorised inner loop. */
    static final int NC = 256;
    /** Below this many multiply-adds a call stays on the calling thread: a hand-off costs more. */
    private static final long PARALLEL_MIN_WORK = 1L << 21;

    private static final boolean HARDWARE_FMA = hardwareFma();
    /** A thread that owns no arena: a segment it may access is one every thread may access. */
    private static final Thread NOT_AN_OWNER = Thread.ofVirtual().unstarted(() -> { });
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final int threads;
    private final boolean fma;
    private final ForkJoinPool pool; // null when single-threaded

    /** A single-threaded instance. */
    public JavaGemm() {
        this(1);
    }

    /**
     * An instance that splits the rows of large products across {@code threads} workers of a pool of
     * its own; results do not depend on {@code threads}.
     *
     * @param threads the workers a large product is split across, at least 1
     */
    public JavaGemm(int threads) {
        this(threads, HARDWARE_FMA);
    }

    /** Tests use this to run the kernel that this machine's JIT would not pick. */
    JavaGemm(int threads, boolean fma) {
        if (threads < 1) {
            throw new IllegalArgumentException("JavaGemm: threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.fma = fma;
        this.pool = threads > 1 ? new ForkJoinPool(threads) : null;
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      MemorySegment a, long aOffset, int lda,
                      MemorySegment b, long bOffset, int ldb,
                      float beta, MemorySegment c, long cOffset, int ldc) {
        GemmArgs.check(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        // BLAS semantics: with nothing to add, A and B are not read, so NaN there does not reach C.
        if (k == 0 || alpha == 0f) {
            scaleC(m, n, beta, c, cOffset, ldc);
            return;
        }
        long work = (long) m * n * k;
        int tasks = pool == null || work < PARALLEL_MIN_WORK || !shareable(a, b, c)
                ? 1 : Math.min(threads, Math.ceilDiv(m, 4));
        if (tasks == 1) {
            multiplyRows(0, m, transA, transB, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
            return;
        }
        // Ranges in multiples of four rows keep every range on the four-row kernel but the last.
        int rowsPerTask = Math.ceilDiv(Math.ceilDiv(m, tasks), 4) * 4;
        ForkJoinTask<?>[] forked = new ForkJoinTask<?>[tasks];
        int count = 0;
        for (int from = rowsPerTask; from < m; from += rowsPerTask) {
            int rowFrom = from;
            int rowTo = Math.min(m, from + rowsPerTask);
            forked[count++] = pool.submit(() -> multiplyRows(rowFrom, rowTo, transA, transB, n, k, alpha,
                    a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc));
        }
        multiplyRows(0, Math.min(m, rowsPerTask), transA, transB, n, k, alpha,
                a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
        for (int t = 0; t < count; t++) {
            forked[t].join();
        }
    }

    /**
     * Whether pool threads may read these segments. Those of a confined arena belong to the caller's
     * thread alone, so a product over them is computed on that thread, whatever {@code threads} says.
     */
    private static boolean shareable(MemorySegment a, MemorySegment b, MemorySegment c) {
        return a.isAccessibleBy(NOT_AN_OWNER) && b.isAccessibleBy(NOT_AN_OWNER) && c.isAccessibleBy(NOT_AN_OWNER);
    }

    /** Rows {@code [rowFrom, rowTo)} of C, computed entirely on the current thread. */
    private void multiplyRows(int rowFrom, int rowTo, boolean transA, boolean transB, int n, int k, float alpha,
                              MemorySegment a, long aOffset, int lda,
                              MemorySegment b, long bOffset, int ldb,
                              float beta, MemorySegment c, long cOffset, int ldc) {
        Scratch s = SCRATCH.get();
        for (int j0 = 0; j0 < n; j0 += NC) {
            int nc = Math.min(NC, n - j0);
            for (int p0 = 0; p0 < k; p0 += KC) {
                int kc = Math.min(KC, k - p0);
                int kcPad = Math.ceilDiv(kc, GemmKernel.K_STEP) * GemmKernel.K_STEP;
                GemmPacking.packB(transB, b, bOffset, ldb, p0, kc, kcPad, j0, nc, s.b, s.row);
                for (int i0 = rowFrom; i0 < rowTo; i0 += MC) {
                    int mc = Math.min(MC, rowTo - i0);
                    GemmPacking.packA(transA, a, aOffset, lda, i0, mc, p0, kc, kcPad, alpha, s.a, s.row);
                    GemmPacking.loadC(c, cOffset, ldc, i0, mc, j0, nc, beta, p0 == 0, s.c);
                    GemmKernel.multiply(fma, s.a, mc, kcPad, s.b, s.c, nc);
                    GemmPacking.storeC(c, cOffset, ldc, i0, mc, j0, nc, s.c);
                }
            }
        }
    }

    private static void scaleC(int m, int n, float beta, MemorySegment c, long cOffset, int ldc) {
        if (beta == 1f) {
            return;
        }
        Scratch s = SCRATCH.get();
        for (int j0 = 0; j0 < n; j0 += NC) {
            int nc = Math.min(NC, n - j0);
            for (int i0 = 0; i0 < m; i0 += MC) {
                int mc = Math.min(MC, m - i0);
                GemmPacking.loadC(c, cOffset, ldc, i0, mc, j0, nc, beta, true, s.c);
                GemmPacking.storeC(c, cOffset, ldc, i0, mc, j0, nc, s.c);
            }
        }
    }

    /**
     * Whether C2 compiles {@link Math#fma} to one instruction. Elsewhere it is an exact software
     * routine hundreds of times slower than a multiply and an add, so the fused kernel would be a trap.
     * Outside HotSpot the flag does not exist and the plain kernel is the safe choice.
     */
    private static boolean hardwareFma() {
        try {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return vm != null && Boolean.parseBoolean(vm.getVMOption("UseFMA").getValue());
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    @Override
    public String name() {
        return "java";
    }

    /** One thread's packed panels, sized for the largest block and reused by every call. */
    private static final class Scratch {
        final float[] a = new float[MC * KC];                                  // (MC, KC)
        final float[][] b = new float[KC][NC];                                 // (KC, NC)
        final float[][] c = new float[MC][NC];                                 // (MC, NC)
        final float[] row = new float[Math.max(MC, KC)];                       // one stored row of A or B
    }
}
