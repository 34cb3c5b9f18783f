package dev.stride.ops;

import java.lang.foreign.MemorySegment;

import static dev.stride.tensor.Tensor.FLOAT;

/** The filter side of {@link Winograd}'s F(2x2, 3x3): U = G g G^T, and its relation to the rotated filters. */
public final class WinogradFilters {
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private WinogradFilters() {
    }

    /**
     * U = G g G^T for every filter of W [K][C][3][3] at {@code wOffset}, into [16][K][C] at
     * {@code uOffset}. Each filter row's 16 x C values are made on the heap and copied out in 16 runs.
     */
    public static void transform(MemorySegment w, long wOffset, int k, int c, MemorySegment u, long uOffset) {
        transform(w, wOffset, 0, k, k, c, u, uOffset);
    }

    /** {@link #transform} for filters [kFrom, kTo) of K, so that threads can share the work by rows. */
    public static void transform(MemorySegment w, long wOffset, int kFrom, int kTo, int k, int c, MemorySegment u,
                                 long uOffset) {
        Scratch s = SCRATCH.get().ensure(c);
        float[] g = s.filters;  // (C, 3, 3): one filter row
        float[] out = s.out;    // [16][C]
        long plane = (long) k * c;
        for (int f = kFrom; f < kTo; f++) {
            MemorySegment.copy(w, FLOAT, (wOffset + (long) f * c * 9) * Float.BYTES, g, 0, c * 9);
            for (int ch = 0; ch < c; ch++) {
                int at = ch * 9;
                for (int j = 0; j < 3; j++) { // G g, column j: rows g0, (g0+g1+g2)/2, (g0-g1+g2)/2, g2
                    float g0 = g[at + j];
                    float g1 = g[at + 3 + j];
                    float g2 = g[at + 6 + j];
                    s.gg[j] = g0;
                    s.gg[3 + j] = 0.5f * (g0 + g1 + g2);
                    s.gg[6 + j] = 0.5f * (g0 - g1 + g2);
                    s.gg[9 + j] = g2;
                }
                for (int i = 0; i < 4; i++) { // (G g) G^T, row i
                    float a = s.gg[3 * i];
                    float b = s.gg[3 * i + 1];
                    float d = s.gg[3 * i + 2];
                    out[(4 * i) * c + ch] = a;
                    out[(4 * i + 1) * c + ch] = 0.5f * (a + b + d);
                    out[(4 * i + 2) * c + ch] = 0.5f * (a - b + d);
                    out[(4 * i + 3) * c + ch] = d;
                }
            }
            for (int e = 0; e < Winograd.ELEMENTS; e++) {
                MemorySegment.copy(out, e * c, u, FLOAT, (uOffset + e * plane + (long) f * c) * Float.BYTES, c);
            }
        }
    }

    /**
     * The element of U that element {@code e} of the rotated filters' transform equals. Rotating g
     * by 180 degrees reverses its rows and columns, and G with its rows reversed is G with its
     * first and last rows swapped, so G rot(g) G^T = P U P^T with P swapping elements 0 and 3. The
     * input gradient's transformed filters are therefore U's matrices, transposed and re-indexed.
     */
    public static int rotatedElement(int e) {
        int i = e / 4;
        int j = e % 4;
        return 4 * swapEnds(i) + swapEnds(j);
    }

    private static int swapEnds(int i) {
        return i == 0 ? 3 : i == 3 ? 0 : i;
    }

    /**
     * dW = G^T dU G for every filter: reads dU [16][K][C] at {@code duOffset} (the gradient of the
     * transformed filters U) and adds the 3x3 result to W's gradient [K][C][3][3] at {@code dwOffset},
     * or overwrites it when {@code accumulate} is false. The adjoint of {@link #transform}.
     */
    public static void transformGradient(MemorySegment du, long duOffset, int k, int c, MemorySegment dw, long dwOffset,
                                         boolean accumulate) {
        transformGradient(du, duOffset, 0, k, k, c, dw, dwOffset, accumulate);
    }

    /** {@link #transformGradient} for filters [kFrom, kTo) of K. */
    public static void transformGradient(MemorySegment du, long duOffset, int kFrom, int kTo, int k, int c,
                                         MemorySegment dw, long dwOffset, boolean accumulate) {
        Scratch s = SCRATCH.get().ensure(c);
        float[] in = s.out;      // [16][C]: one filter row of dU
        float[] g = s.filters;   // (C, 3, 3): that row's dW
        float[] t = s.gg;        // G^T dU: 3 rows of 4
        long plane = (long) k * c;
        for (int f = kFrom; f < kTo; f++) {
            for (int e = 0; e < Winograd.ELEMENTS; e++) {
                MemorySegment.copy(du, FLOAT, (duOffset + e * plane + (long) f * c) * Float.BYTES, in, e * c, c);
            }
            long at = (dwOffset + (long) f * c * 9) * Float.BYTES;
            if (accumulate) {
                MemorySegment.copy(dw, FLOAT, at, g, 0, c * 9);
            } else {
                java.util.Arrays.fill(g, 0, c * 9, 0f);
            }
            for (int ch = 0; ch < c; ch++) {
                for (int j = 0; j < 4; j++) { // G^T dU, column j: rows u0 + (u1+u2)/2, (u1-u2)/2, (u1+u2)/2 + u3
                    float u0 = in[j * c + ch];
                    float u1 = in[(4 + j) * c + ch];
                    float u2 = in[(8 + j) * c + ch];
                    float u3 = in[(12 + j) * c + ch];
                    t[j] = u0 + 0.5f * (u1 + u2);
                    t[4 + j] = 0.5f * (u1 - u2);
                    t[8 + j] = 0.5f * (u1 + u2) + u3;
                }
                int o = ch * 9;
                for (int i = 0; i < 3; i++) { // (.) G, row i
                    float a = t[4 * i];
                    float b = t[4 * i + 1];
                    float cc = t[4 * i + 2];
                    float d = t[4 * i + 3];
                    g[o + 3 * i] += a + 0.5f * (b + cc);
                    g[o + 3 * i + 1] += 0.5f * (b - cc);
                    g[o + 3 * i + 2] += 0.5f * (b + cc) + d;
                }
            }
            MemorySegment.copy(g, 0, dw, FLOAT, at, c * 9);
        }
    }

    /** One thread's heap copy of a filter row and its transform, grown to the most channels seen. */
    private static final class Scratch {
        float[] filters = new float[0];
        float[] out = new float[0];
        final float[] gg = new float[12]; // G g (4 rows of 3), or G^T dU (3 rows of 4)

        Scratch ensure(int channels) {
            if (filters.length < channels * 9) {
                filters = new float[channels * 9];
                out = new float[Winograd.ELEMENTS * channels];
            }
            return this;
        }
    }
}
