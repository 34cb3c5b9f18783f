package dev.stride.blas;

import java.lang.foreign.MemorySegment;

/**
 * Argument checks shared by every {@link Gemm}: a native BLAS reads raw addresses, so a matrix that
 * does not fit its segment must be caught here, before the call, as a clear exception.
 */
final class GemmArgs {
    private GemmArgs() {
    }

    static void check(boolean transA, boolean transB, int m, int n, int k,
                      MemorySegment a, long aOffset, int lda,
                      MemorySegment b, long bOffset, int ldb,
                      MemorySegment c, long cOffset, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("sgemm: negative size m=" + m + " n=" + n + " k=" + k);
        }
        // Stored shapes: A is m x k (k x m when transposed), B is k x n (n x k when transposed).
        checkMatrix("A", a, aOffset, transA ? k : m, transA ? m : k, lda);
        checkMatrix("B", b, bOffset, transB ? n : k, transB ? k : n, ldb);
        checkMatrix("C", c, cOffset, m, n, ldc);
    }

    private static void checkMatrix(String name, MemorySegment s, long offset, int rows, int cols, int ld) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException("sgemm: leading dimension of " + name + " is " + ld
                    + " but its rows hold " + cols + " floats");
        }
        if (offset < 0) {
            throw new IllegalArgumentException("sgemm: negative offset " + offset + " for " + name);
        }
        if (rows == 0 || cols == 0) {
            return;
        }
        long lastElement = offset + (long) (rows - 1) * ld + cols;
        long available = s.byteSize() / Float.BYTES;
        if (lastElement > available) {
            throw new IndexOutOfBoundsException("sgemm: " + name + " (" + rows + " x " + cols + ", ld " + ld
                    + ", offset " + offset + ") needs " + lastElement + " floats but its segment holds " + available);
        }
    }
}
