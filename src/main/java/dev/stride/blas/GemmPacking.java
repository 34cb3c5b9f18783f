package dev.stride.blas;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * Copies blocks of the operands between segments and the heap panels that {@link GemmKernel} reads.
 *
 * <p>Packing is where the transposes disappear: whatever the storage order, a packed A block is
 * {@code op(A)} row-major and a packed B block is {@code op(B)} as an array of rows. Untransposed
 * rows are contiguous in the segment and move with one bulk copy each; transposed ones go through a
 * row of scratch so the segment is still read along its rows. Panels are padded with zeros to a
 * multiple of {@link GemmKernel#K_STEP} in {@code k}; a padded product adds an exact zero.
 */
final class GemmPacking {
    private GemmPacking() {
    }

    /**
     * Packs {@code alpha * op(A)[i0 .. i0+rows)[p0 .. p0+kc)} into {@code dst} as {@code rows x kcPad}.
     * Folding alpha in here costs one multiply per element of A instead of one per element of C per
     * block, and leaves the kernel a pure multiply-accumulate.
     */
    static void packA(boolean transA, MemorySegment a, long aOffset, int lda, int i0, int rows,
                      int p0, int kc, int kcPad, float alpha, float[] dst, float[] row) {
        if (!transA) {
            for (int r = 0; r < rows; r++) {
                int base = r * kcPad;
                MemorySegment.copy(a, FLOAT, byteOffset(aOffset, i0 + r, lda, p0), dst, base, kc);
                scale(dst, base, kc, alpha);
                Arrays.fill(dst, base + kc, base + kcPad, 0f);
            }
            return;
        }
        // Stored as k x m: stored row p holds column p of op(A).
        for (int p = 0; p < kc; p++) {
            MemorySegment.copy(a, FLOAT, byteOffset(aOffset, p0 + p, lda, i0), row, 0, rows);
            for (int r = 0; r < rows; r++) {
                dst[r * kcPad + p] = alpha * row[r];
            }
        }
        for (int r = 0; r < rows; r++) {
            Arrays.fill(dst, r * kcPad + kc, (r + 1) * kcPad, 0f);
        }
    }

    /** Packs {@code op(B)[p0 .. p0+kc)[j0 .. j0+nc)} into the first {@code kcPad} rows of {@code dst}. */
    static void packB(boolean transB, MemorySegment b, long bOffset, int ldb, int p0, int kc, int kcPad,
                      int j0, int nc, float[][] dst, float[] row) {
        if (!transB) {
            for (int p = 0; p < kc; p++) {
                MemorySegment.copy(b, FLOAT, byteOffset(bOffset, p0 + p, ldb, j0), dst[p], 0, nc);
            }
        } else {
            // Stored as n x k: stored row j holds column j of op(B).
            for (int j = 0; j < nc; j++) {
                MemorySegment.copy(b, FLOAT, byteOffset(bOffset, j0 + j, ldb, p0), row, 0, kc);
                for (int p = 0; p < kc; p++) {
                    dst[p][j] = row[p];
                }
            }
        }
        for (int p = kc; p < kcPad; p++) {
            Arrays.fill(dst[p], 0, nc, 0f);
        }
    }

    /**
     * Loads {@code C[i0 .. i0+rows)[j0 .. j0+nc)} into {@code tile}. On the first pass over {@code k}
     * the old C is scaled by beta, and with {@code beta == 0} it is not read at all, so NaN or garbage
     * in an output buffer is overwritten as BLAS specifies.
     */
    static void loadC(MemorySegment c, long cOffset, int ldc, int i0, int rows, int j0, int nc,
                      float beta, boolean firstPass, float[][] tile) {
        for (int r = 0; r < rows; r++) {
            float[] t = tile[r];
            if (firstPass && beta == 0f) {
                Arrays.fill(t, 0, nc, 0f);
                continue;
            }
            MemorySegment.copy(c, FLOAT, byteOffset(cOffset, i0 + r, ldc, j0), t, 0, nc);
            if (firstPass) {
                scale(t, 0, nc, beta);
            }
        }
    }

    /** Writes {@code tile} back to {@code C[i0 .. i0+rows)[j0 .. j0+nc)}. */
    static void storeC(MemorySegment c, long cOffset, int ldc, int i0, int rows, int j0, int nc, float[][] tile) {
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(tile[r], 0, c, FLOAT, byteOffset(cOffset, i0 + r, ldc, j0), nc);
        }
    }

    private static void scale(float[] x, int from, int length, float factor) {
        if (factor == 1f) {
            return;
        }
        for (int i = from; i < from + length; i++) {
            x[i] *= factor;
        }
    }

    private static long byteOffset(long offset, int row, int ld, int col) {
        return (offset + (long) row * ld + col) * Float.BYTES;
    }
}
