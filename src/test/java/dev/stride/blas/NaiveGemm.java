package dev.stride.blas;

import java.lang.foreign.MemorySegment;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * The test oracle for every {@link Gemm}: the definition of sgemm as a triple loop, summed in double
 * so that its own rounding error is negligible next to the float error of the backend under test.
 */
final class NaiveGemm {
    private NaiveGemm() {
    }

    /**
     * The exact-ish result and, per element, the magnitude its float rounding error scales with.
     *
     * @param value     {@code alpha * op(A) * op(B) + beta * C}, {@code m x n} row-major
     * @param magnitude {@code |alpha| * sum_p |op(A)(i,p) * op(B)(p,j)| + |beta * C(i,j)|}: any float
     *                  summation order errs by at most about (k + 2) unit roundoffs of this, whereas
     *                  {@code |value|} itself can cancel to zero and is no scale for the error
     */
    record Reference(double[] value, double[] magnitude) {
    }

    /** C is only read, and not at all when beta is zero: the BLAS rule that beta 0 overwrites. */
    static Reference sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                           MemorySegment a, long aOffset, int lda,
                           MemorySegment b, long bOffset, int ldb,
                           float beta, MemorySegment c, long cOffset, int ldc) {
        double[] value = new double[m * n];
        double[] magnitude = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                double absSum = 0;
                for (int p = 0; p < k; p++) {
                    double av = a.getAtIndex(FLOAT, aOffset + (transA ? (long) p * lda + i : (long) i * lda + p));
                    double bv = b.getAtIndex(FLOAT, bOffset + (transB ? (long) j * ldb + p : (long) p * ldb + j));
                    sum += av * bv;
                    absSum += Math.abs(av * bv);
                }
                double old = beta == 0f ? 0 : (double) beta * c.getAtIndex(FLOAT, cOffset + (long) i * ldc + j);
                value[i * n + j] = alpha * sum + old;
                magnitude[i * n + j] = Math.abs(alpha) * absSum + Math.abs(old);
            }
        }
        return new Reference(value, magnitude);
    }
}
