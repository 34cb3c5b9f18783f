package dev.stride.blas;

/**
 * The register-blocked inner kernels of {@link JavaGemm}: {@code c += a * b} on packed heap panels.
 *
 * <p>The innermost loop of every kernel walks one row of B and one row of C with the same index
 * {@code j} and nothing else. That is what lets C2's auto-vectoriser turn it into full-width SIMD:
 * with a shared index it needs no proof that the C row and the B rows are different arrays, which it
 * cannot give for one flat array read and written at two unknown offsets (measured: such a loop
 * stays scalar). B and C are therefore arrays of rows, not flat arrays.
 *
 * <p>Each C element is updated by the same expression, four products of consecutive {@code p} in
 * order, whether its row goes through the four-row or the one-row path, so a result never depends on
 * where a row falls in a block or which thread computed it. The packers pad {@code k} with zeros to a
 * multiple of {@link #K_STEP}, so no kernel has a remainder loop over {@code p}.
 */
final class GemmKernel {
    /** Products folded into each C update; packed panels are padded to a multiple of it. */
    static final int K_STEP = 4;

    private GemmKernel() {
    }

    /**
     * {@code c[i][0..n) += sum_p a[i * kc + p] * b[p][0..n)} for {@code i < rows}, {@code p < kc}.
     *
     * @param a  packed A, row-major, {@code rows x kc}
     * @param kc panel depth, a multiple of {@link #K_STEP}
     * @param b  packed B, {@code kc} rows of at least {@code n}
     * @param c  C tile, {@code rows} rows of at least {@code n}
     * @param fma whether to fuse multiply and add; callers pass true only where the JIT has a
     *            hardware instruction for it, because {@link Math#fma} is a slow software routine
     *            elsewhere
     */
    static void multiply(boolean fma, float[] a, int rows, int kc, float[][] b, float[][] c, int n) {
        int i = 0;
        if (fma) {
            for (; i + 4 <= rows; i += 4) {
                fmaRows4(a, i, kc, b, c, n);
            }
            for (; i < rows; i++) {
                fmaRow(a, i, kc, b, c[i], n);
            }
        } else {
            for (; i + 2 <= rows; i += 2) {
                mulAddRows2(a, i, kc, b, c, n);
            }
            for (; i < rows; i++) {
                mulAddRow(a, i, kc, b, c[i], n);
            }
        }
    }

    // Four rows share each load of four B rows: 16 fused products per 4 loads of B and 4 of C.
    private static void fmaRows4(float[] a, int i, int kc, float[][] b, float[][] c, int n) {
        float[] c0 = c[i], c1 = c[i + 1], c2 = c[i + 2], c3 = c[i + 3];
        int r0 = i * kc, r1 = r0 + kc, r2 = r1 + kc, r3 = r2 + kc;
        for (int p = 0; p < kc; p += K_STEP) {
            float a00 = a[r0 + p], a01 = a[r0 + p + 1], a02 = a[r0 + p + 2], a03 = a[r0 + p + 3];
            float a10 = a[r1 + p], a11 = a[r1 + p + 1], a12 = a[r1 + p + 2], a13 = a[r1 + p + 3];
            float a20 = a[r2 + p], a21 = a[r2 + p + 1], a22 = a[r2 + p + 2], a23 = a[r2 + p + 3];
            float a30 = a[r3 + p], a31 = a[r3 + p + 1], a32 = a[r3 + p + 2], a33 = a[r3 + p + 3];
            float[] b0 = b[p], b1 = b[p + 1], b2 = b[p + 2], b3 = b[p + 3];
            for (int j = 0; j < n; j++) {
                float y0 = b0[j], y1 = b1[j], y2 = b2[j], y3 = b3[j];
                c0[j] = Math.fma(a03, y3, Math.fma(a02, y2, Math.fma(a01, y1, Math.fma(a00, y0, c0[j]))));
                c1[j] = Math.fma(a13, y3, Math.fma(a12, y2, Math.fma(a11, y1, Math.fma(a10, y0, c1[j]))));
                c2[j] = Math.fma(a23, y3, Math.fma(a22, y2, Math.fma(a21, y1, Math.fma(a20, y0, c2[j]))));
                c3[j] = Math.fma(a33, y3, Math.fma(a32, y2, Math.fma(a31, y1, Math.fma(a30, y0, c3[j]))));
            }
        }
    }

    private static void fmaRow(float[] a, int i, int kc, float[][] b, float[] c0, int n) {
        int r0 = i * kc;
        for (int p = 0; p < kc; p += K_STEP) {
            float a00 = a[r0 + p], a01 = a[r0 + p + 1], a02 = a[r0 + p + 2], a03 = a[r0 + p + 3];
            float[] b0 = b[p], b1 = b[p + 1], b2 = b[p + 2], b3 = b[p + 3];
            for (int j = 0; j < n; j++) {
                c0[j] = Math.fma(a03, b3[j], Math.fma(a02, b2[j], Math.fma(a01, b1[j], Math.fma(a00, b0[j], c0[j]))));
            }
        }
    }

    // Without fusion C2 vectorises two rows but not four (measured), hence a narrower block here.
    private static void mulAddRows2(float[] a, int i, int kc, float[][] b, float[][] c, int n) {
        float[] c0 = c[i], c1 = c[i + 1];
        int r0 = i * kc, r1 = r0 + kc;
        for (int p = 0; p < kc; p += K_STEP) {
            float a00 = a[r0 + p], a01 = a[r0 + p + 1], a02 = a[r0 + p + 2], a03 = a[r0 + p + 3];
            float a10 = a[r1 + p], a11 = a[r1 + p + 1], a12 = a[r1 + p + 2], a13 = a[r1 + p + 3];
            float[] b0 = b[p], b1 = b[p + 1], b2 = b[p + 2], b3 = b[p + 3];
            for (int j = 0; j < n; j++) {
                float y0 = b0[j], y1 = b1[j], y2 = b2[j], y3 = b3[j];
                c0[j] += a00 * y0 + a01 * y1 + a02 * y2 + a03 * y3;
                c1[j] += a10 * y0 + a11 * y1 + a12 * y2 + a13 * y3;
            }
        }
    }

    private static void mulAddRow(float[] a, int i, int kc, float[][] b, float[] c0, int n) {
        int r0 = i * kc;
        for (int p = 0; p < kc; p += K_STEP) {
            float a00 = a[r0 + p], a01 = a[r0 + p + 1], a02 = a[r0 + p + 2], a03 = a[r0 + p + 3];
            float[] b0 = b[p], b1 = b[p + 1], b2 = b[p + 2], b3 = b[p + 3];
            for (int j = 0; j < n; j++) {
                c0[j] += a00 * b0[j] + a01 * b1[j] + a02 * b2[j] + a03 * b3[j];
            }
        }
    }
}
