package dev.stride.ops;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * Winograd's minimal filtering F(2x2, 3x3) for 3x3 convolutions at stride 1 (Lavin and Gray, "Fast
 * Algorithms for Convolutional Neural Networks", 2015): each 2x2 block of output comes from a 4x4
 * input tile with 16 multiplications per channel pair instead of 36, so the GEMM work of a layer
 * falls to 16/36 of im2col's.
 *
 * <p>With U = G g G^T for each filter g and V = B^T d B for each input tile d, the 16 elements
 * (xi = 4i + j) of the transformed domain are independent: M[xi] = U[xi] V[xi] is one GEMM of
 * (K x C) by (C x tiles) per xi, and each output block is A^T m A of its 16 products. Layouts, all
 * row-major in floats: U is [16][K][C], V is [16][C][tiles], M is [16][K][tiles], where the tiles of
 * a run of samples are sample-major, then tile row, then tile column.
 *
 * <p>An instance holds one direction's geometry: input (C, H, W) padded by {@code pad} on every side,
 * output (K, H + 2 pad - 2, W + 2 pad - 2). The input gradient of such a layer is again one of these,
 * over dY with pad {@code 2 - pad} and the filters rotated and transposed, whose transform is U's
 * ({@link #rotatedElement}); so padding up to 2 is supported.
 *
 * <p>The transforms run on heap copies of whole planes, in loops over every column or tile that C2
 * vectorises; only the stride-2 picks into and out of the tile layout are scalar.
 */
public final class Winograd {
    /** Elements of the transformed 4x4 tile. */
    public static final int ELEMENTS = 16;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final int channels;
    private final int height;
    private final int width;
    private final int pad;
    private final int outH;
    private final int outW;
    private final int tilesH;
    private final int tilesW;

    public Winograd(int channels, int height, int width, int pad) {
        if (channels < 1 || pad < 0 || pad > 2 || height + 2 * pad < 3 || width + 2 * pad < 3) {
            throw new IllegalArgumentException("winograd: a 3x3 filter at stride 1 with padding " + pad
                    + " does not fit a " + channels + "x" + height + "x" + width + " input (padding must be 0..2)");
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.pad = pad;
        this.outH = height + 2 * pad - 2;
        this.outW = width + 2 * pad - 2;
        this.tilesH = (outH + 1) / 2;
        this.tilesW = (outW + 1) / 2;
    }

    /** True for the geometries this class computes: a 3x3 kernel, stride 1, padding 0..2. */
    public static boolean supports(int kernelH, int kernelW, int stride, int padding) {
        return kernelH == 3 && kernelW == 3 && stride == 1 && padding >= 0 && padding <= 2;
    }

    /** 2x2 output tiles per sample. */
    public int tilesPerSample() {
        return tilesH * tilesW;
    }

    public int outH() {
        return outH;
    }

    public int outW() {
        return outW;
    }

    public long inputSampleSize() {
        return (long) channels * height * width;
    }

    /**
     * U = G g G^T for every filter of W [K][C][3][3] at {@code wOffset}, into [16][K][C] at
     * {@code uOffset}. Each filter row's 16 x C values are made on the heap and copied out in 16 runs.
     */
    public static void transformFilters(MemorySegment w, long wOffset, int k, int c, MemorySegment u, long uOffset) {
        Scratch s = SCRATCH.get().ensureFilters(c);
        float[] g = s.filters;  // (C, 3, 3): one filter row
        float[] out = s.tiles;  // [16][C]
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
            for (int e = 0; e < ELEMENTS; e++) {
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
     * V = B^T d B for every tile of {@code samples} NCHW samples at {@code xOffset}, into
     * [16][C][samples * tilesPerSample()] at {@code vOffset}. Positions in the padding, and past
     * the input where the last tile overhangs an odd-sized output, read as zero.
     */
    public void transformInput(MemorySegment x, long xOffset, int samples, MemorySegment v, long vOffset) {
        int plane = height * width;
        int paddedW = 2 * tilesW + 2;
        int paddedH = 2 * tilesH + 2;
        int tiles = tilesPerSample();
        long ld = (long) samples * tiles;
        Scratch s = SCRATCH.get().ensure(plane, paddedH * paddedW, paddedW, tiles);
        float[] in = s.in;
        float[] p = s.padded;
        float[] w0 = s.w0;
        float[] w1 = s.w1;
        float[] w2 = s.w2;
        float[] w3 = s.w3;
        float[] out = s.tiles; // [16][tiles] for one channel of one sample
        Arrays.fill(p, 0, paddedH * paddedW, 0f); // the border stays zero; the interior is overwritten
        for (int n = 0; n < samples; n++) {
            for (int c = 0; c < channels; c++) {
                MemorySegment.copy(x, FLOAT, (xOffset + ((long) n * channels + c) * plane) * Float.BYTES, in, 0, plane);
                for (int r = 0; r < height; r++) {
                    System.arraycopy(in, r * width, p, (r + pad) * paddedW + pad, width);
                }
                for (int th = 0; th < tilesH; th++) {
                    int r0 = 2 * th * paddedW;
                    int r1 = r0 + paddedW;
                    int r2 = r1 + paddedW;
                    int r3 = r2 + paddedW;
                    for (int q = 0; q < paddedW; q++) { // B^T d: the rows, for every column at once
                        w0[q] = p[r0 + q] - p[r2 + q];
                        w1[q] = p[r1 + q] + p[r2 + q];
                        w2[q] = p[r2 + q] - p[r1 + q];
                        w3[q] = p[r1 + q] - p[r3 + q];
                    }
                    int t = th * tilesW;
                    pickColumns(w0, out, 0, t, tiles);
                    pickColumns(w1, out, 4, t, tiles);
                    pickColumns(w2, out, 8, t, tiles);
                    pickColumns(w3, out, 12, t, tiles);
                }
                for (int e = 0; e < ELEMENTS; e++) {
                    long at = vOffset + ((long) e * channels + c) * ld + (long) n * tiles;
                    MemorySegment.copy(out, e * tiles, v, FLOAT, at * Float.BYTES, tiles);
                }
            }
        }
    }

    /** (.) B for one transformed row: the four elements of every tile in the row, to out[(first + j) * tiles + t]. */
    private void pickColumns(float[] row, float[] out, int first, int t, int tiles) {
        int o0 = first * tiles + t;
        int o1 = o0 + tiles;
        int o2 = o1 + tiles;
        int o3 = o2 + tiles;
        for (int tw = 0, q = 0; tw < tilesW; tw++, q += 2) {
            float a = row[q];
            float b = row[q + 1];
            float c = row[q + 2];
            float d = row[q + 3];
            out[o0 + tw] = a - c;
            out[o1 + tw] = b + c;
            out[o2 + tw] = c - b;
            out[o3 + tw] = b - d;
        }
    }

    /**
     * Y = A^T m A for every tile: reads M [16][K][samples * tilesPerSample()] at {@code mOffset} and
     * overwrites the (samples, K, outH, outW) NCHW output at {@code yOffset}, adding {@code bias[k]}
     * (when {@code bias} is not null) to every output of filter k.
     */
    public void transformOutput(MemorySegment m, long mOffset, int samples, int k, MemorySegment bias, long biasOffset,
                                MemorySegment y, long yOffset) {
        int tiles = tilesPerSample();
        long ld = (long) samples * tiles;
        int evenW = 2 * tilesW;
        int outPlane = outH * outW;
        Scratch s = SCRATCH.get().ensure(0, 4 * tilesH * tilesW, 0, tiles);
        float[] mt = s.tiles;     // [16][tiles]
        float[] yp = s.padded;    // (2 tilesH, 2 tilesW): the output plane, rounded up to whole tiles
        for (int n = 0; n < samples; n++) {
            for (int f = 0; f < k; f++) {
                for (int e = 0; e < ELEMENTS; e++) {
                    long at = mOffset + ((long) e * k + f) * ld + (long) n * tiles;
                    MemorySegment.copy(m, FLOAT, at * Float.BYTES, mt, e * tiles, tiles);
                }
                float b = bias == null ? 0f : bias.getAtIndex(FLOAT, biasOffset + f);
                for (int th = 0; th < tilesH; th++) {
                    int top = 2 * th * evenW;
                    for (int tw = 0; tw < tilesW; tw++) {
                        int t = th * tilesW + tw;
                        // A^T m: two rows of four, then (.) A: two columns of each.
                        float u0 = mt[t] + mt[4 * tiles + t] + mt[8 * tiles + t];
                        float u1 = mt[tiles + t] + mt[5 * tiles + t] + mt[9 * tiles + t];
                        float u2 = mt[2 * tiles + t] + mt[6 * tiles + t] + mt[10 * tiles + t];
                        float u3 = mt[3 * tiles + t] + mt[7 * tiles + t] + mt[11 * tiles + t];
                        float l0 = mt[4 * tiles + t] - mt[8 * tiles + t] - mt[12 * tiles + t];
                        float l1 = mt[5 * tiles + t] - mt[9 * tiles + t] - mt[13 * tiles + t];
                        float l2 = mt[6 * tiles + t] - mt[10 * tiles + t] - mt[14 * tiles + t];
                        float l3 = mt[7 * tiles + t] - mt[11 * tiles + t] - mt[15 * tiles + t];
                        int o = top + 2 * tw;
                        yp[o] = u0 + u1 + u2 + b;
                        yp[o + 1] = u1 - u2 - u3 + b;
                        yp[o + evenW] = l0 + l1 + l2 + b;
                        yp[o + evenW + 1] = l1 - l2 - l3 + b;
                    }
                }
                long at = yOffset + ((long) n * k + f) * outPlane;
                if (evenW == outW) {
                    MemorySegment.copy(yp, 0, y, FLOAT, at * Float.BYTES, outPlane);
                } else {
                    for (int r = 0; r < outH; r++) {
                        MemorySegment.copy(yp, r * evenW, y, FLOAT, (at + (long) r * outW) * Float.BYTES, outW);
                    }
                }
            }
        }
    }

    /** One thread's heap planes, grown to the largest geometry seen and then reused. */
    private static final class Scratch {
        float[] in = new float[0];
        float[] padded = new float[0];
        float[] w0 = new float[0];
        float[] w1 = new float[0];
        float[] w2 = new float[0];
        float[] w3 = new float[0];
        float[] tiles = new float[0];
        float[] filters = new float[0];
        final float[] gg = new float[12];

        Scratch ensureFilters(int channels) {
            if (filters.length < channels * 9) {
                filters = new float[channels * 9];
            }
            if (tiles.length < ELEMENTS * channels) {
                tiles = new float[ELEMENTS * channels];
            }
            return this;
        }

        Scratch ensure(int plane, int paddedPlane, int paddedW, int tileCount) {
            if (in.length < plane) {
                in = new float[plane];
            }
            if (padded.length < paddedPlane) {
                padded = new float[paddedPlane];
            }
            if (w0.length < paddedW) {
                w0 = new float[paddedW];
                w1 = new float[paddedW];
                w2 = new float[paddedW];
                w3 = new float[paddedW];
            }
            if (tiles.length < ELEMENTS * tileCount) {
                tiles = new float[ELEMENTS * tileCount];
            }
            return this;
        }
    }
}
