package dev.stride.blas;

import java.lang.foreign.MemorySegment;

import static dev.stride.tensor.Tensor.FLOAT;

/** BLAS-free sgemm in plain Java. (Placeholder loop order; the blocked kernel replaces it.) */
public final class JavaGemm implements Gemm {

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      MemorySegment a, long aOffset, int lda,
                      MemorySegment b, long bOffset, int ldb,
                      float beta, MemorySegment c, long cOffset, int ldc) {
        GemmArgs.check(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) {
                    float av = a.getAtIndex(FLOAT, aOffset + (transA ? (long) p * lda + i : (long) i * lda + p));
                    float bv = b.getAtIndex(FLOAT, bOffset + (transB ? (long) j * ldb + p : (long) p * ldb + j));
                    sum += av * bv;
                }
                long ci = cOffset + (long) i * ldc + j;
                float old = beta == 0f ? 0f : beta * c.getAtIndex(FLOAT, ci);
                c.setAtIndex(FLOAT, ci, alpha * sum + old);
            }
        }
    }

    @Override
    public String name() {
        return "java";
    }
}
