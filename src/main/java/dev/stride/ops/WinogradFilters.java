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
        Scratch s = SCRATCH.get().ensure(c);
        float[] g = s.filters;  // (C, 3, 3): one filter row
        float[] out = s.out;    // [16][C]
        long plane = (long) k * c;
        for (int f = 0; f < k; f++) {
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

    /** One thread's heap copy of a filter row and its transform, grown to the most channels seen. */
    private static final class Scratch {
        float[] filters = new float[0];
        float[] out = new float[0];
        final float[] gg = new float[12];

        Scratch ensure(int channels) {
            if (filters.length < channels * 9) {
                filters = new float[channels * 9];
                out = new float[Winograd.ELEMENTS * channels];
            }
            return this;
        }
    }
}
