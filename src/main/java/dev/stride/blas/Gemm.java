package dev.stride.blas;

import java.lang.foreign.MemorySegment;

/**
 * Single-precision matrix multiply on row-major matrices in off-heap segments:
 * {@code C = alpha * op(A) * op(B) + beta * C}, where op(A) is m x k, op(B) is k x n and C is m x n.
 *
 * <p>This is Stride's one native seam: convolution, fully connected layers and their backward
 * passes all reduce to it, and everything else is shared Java, so backends differ only here.
 * Offsets and leading dimensions count floats. A leading dimension is the distance between rows of
 * the matrix as stored (before the transpose is applied).
 */
public interface Gemm {

    /**
     * Computes {@code C = alpha * op(A) * op(B) + beta * C} on row-major matrices.
     *
     * @param transA whether op(A) is A transposed (A is then stored k x m)
     * @param transB whether op(B) is B transposed (B is then stored n x k)
     * @param m the rows of op(A) and of C
     * @param n the columns of op(B) and of C
     * @param k the columns of op(A), the rows of op(B)
     * @param alpha the product's scale
     * @param a A's memory
     * @param aOffset where A starts, in floats
     * @param lda A's leading dimension, in floats
     * @param b B's memory
     * @param bOffset where B starts, in floats
     * @param ldb B's leading dimension, in floats
     * @param beta the scale of C's old contents; 0 overwrites C without reading it
     * @param c C's memory, written
     * @param cOffset where C starts, in floats
     * @param ldc C's leading dimension, in floats
     */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
               MemorySegment a, long aOffset, int lda,
               MemorySegment b, long bOffset, int ldb,
               float beta, MemorySegment c, long cOffset, int ldc);

    /** {@link #sgemm(boolean, boolean, int, int, int, float, MemorySegment, long, int, MemorySegment, long, int, float, MemorySegment, long, int)}
     * with densely packed matrices: leading dimensions worked out from the shapes.
     *
     * @param transA whether op(A) is A transposed
     * @param transB whether op(B) is B transposed
     * @param m the rows of op(A) and of C
     * @param n the columns of op(B) and of C
     * @param k the columns of op(A), the rows of op(B)
     * @param alpha the product's scale
     * @param a A's memory
     * @param aOffset where A starts, in floats
     * @param b B's memory
     * @param bOffset where B starts, in floats
     * @param beta the scale of C's old contents; 0 overwrites C without reading it
     * @param c C's memory, written
     * @param cOffset where C starts, in floats
     */
    default void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                       MemorySegment a, long aOffset, MemorySegment b, long bOffset,
                       float beta, MemorySegment c, long cOffset) {
        sgemm(transA, transB, m, n, k, alpha,
                a, aOffset, transA ? m : k,
                b, bOffset, transB ? k : n,
                beta, c, cOffset, n);
    }

    /**
     * A short name for logs and benchmark tables ("openblas", "java").
     *
     * @return the backend's name
     */
    String name();

    /**
     * True where a few thin GEMMs cost about what one GEMM of the same work does, so that a
     * lowering trading a gather for more and thinner calls pays (the convolution's
     * {@code ShiftConv}). OpenBLAS's AVX-512 builds say so: their small-matrix kernels multiply
     * without packing. The pure-Java GEMM packs both operands on every call and says no.
     *
     * @return whether thin calls cost about what one wide call does
     */
    default boolean thinCallsCheap() {
        return false;
    }
}
