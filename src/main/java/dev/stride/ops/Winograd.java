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

    /**
     * Tile slots per sample in V and M: tile rows times (tile columns + 1). Each tile row carries
     * one slot past its last tile, whose values are never used: with it, every transform step is
     * one unit-stride loop over a sample's slots, which C2 vectorises (see {@link #transformInput}).
     */
    public int tilesPerSample() {
        return tilesH * (tilesW + 1);
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
     *
     * <p>How: tile (th, tw) reads padded rows 2th..2th+3 and columns 2tw..2tw+3. Each padded plane
     * is split into four quarters by row and column parity, (tilesH + 1) x (tilesW + 1) each; then
     * a tile's rows 2th, 2th+1, 2th+2, 2th+3 are quarter rows th, th, th+1, th+1, and its columns
     * likewise, so both 1-D transforms become flat loops over slot j reading j, j + 1 and j + L.
     * The first version picked the four columns of every tile with stride-2 reads and measured 4x
     * slower.
     */
    public void transformInput(MemorySegment x, long xOffset, int samples, MemorySegment v, long vOffset) {
        int plane = height * width;
        int row = tilesW + 1;                   // L: a quarter's row length, and slots per tile row
        int quarter = (tilesH + 1) * row;
        int slots = tilesPerSample();
        int ld = samples * slots;
        Scratch s = SCRATCH.get().ensure(plane, quarter + 1, slots + 1, ELEMENTS * ld);
        float[] in = s.in;
        float[][] q = s.quarters;               // [row parity * 2 + column parity][quarter row * L + quarter column]
        float[][] a = s.rows;                   // B^T d for even columns (a[0..3]) and odd ones (a[4..7])
        float[] out = s.tiles;                  // [16][samples * slots] for one channel
        for (float[] part : q) {
            Arrays.fill(part, 0, quarter + 1, 0f); // the padding; the interior is overwritten for every plane
        }
        for (int c = 0; c < channels; c++) {
            for (int n = 0; n < samples; n++) {
                MemorySegment.copy(x, FLOAT, (xOffset + ((long) n * channels + c) * plane) * Float.BYTES, in, 0, plane);
                for (int r = 0; r < height; r++) {
                    int pr = r + pad;
                    int at = (pr >> 1) * row;
                    // Input column col lands in padded column col + pad: even ones in one quarter, odd in the other.
                    float[] even = q[(pr & 1) * 2];
                    float[] odd = q[(pr & 1) * 2 + 1];
                    int first = pad & 1; // the first input column whose padded column is even
                    for (int col = first; col < width; col += 2) {
                        even[at + ((col + pad) >> 1)] = in[r * width + col];
                    }
                    for (int col = 1 - first; col < width; col += 2) {
                        odd[at + ((col + pad) >> 1)] = in[r * width + col];
                    }
                }
                for (int par = 0; par < 2; par++) { // B^T d over the rows, for even then odd columns
                    float[] re = q[par];
                    float[] ro = q[2 + par];
                    float[] a0 = a[4 * par];
                    float[] a1 = a[4 * par + 1];
                    float[] a2 = a[4 * par + 2];
                    float[] a3 = a[4 * par + 3];
                    for (int j = 0; j < slots; j++) {
                        a0[j] = re[j] - re[j + row];
                        a1[j] = ro[j] + re[j + row];
                        a2[j] = re[j + row] - ro[j];
                        a3[j] = ro[j] - ro[j + row];
                    }
                }
                // (.) B over the columns, into one array per element with the plain index j: C2
                // vectorises a loop only when its stores carry no offset (measured: a store to
                // out[base + j] ran at scalar speed, out[j] 4x faster). Then one copy per element.
                float[][] h = s.elements;
                for (int i = 0; i < 4; i++) {
                    float[] e = a[i];
                    float[] o = a[4 + i];
                    float[] h0 = h[4 * i];
                    float[] h1 = h[4 * i + 1];
                    float[] h2 = h[4 * i + 2];
                    float[] h3 = h[4 * i + 3];
                    for (int j = 0; j < slots; j++) {
                        h0[j] = e[j] - e[j + 1];
                        h1[j] = o[j] + e[j + 1];
                        h2[j] = e[j + 1] - o[j];
                        h3[j] = o[j] - o[j + 1];
                    }
                }
                for (int e = 0; e < ELEMENTS; e++) {
                    System.arraycopy(h[e], 0, out, e * ld + n * slots, slots);
                }
            }
            for (int e = 0; e < ELEMENTS; e++) {
                long at = vOffset + ((long) e * channels + c) * ld;
                MemorySegment.copy(out, e * ld, v, FLOAT, at * Float.BYTES, ld);
            }
        }
    }

    /**
     * Y = A^T m A for every tile: reads M [16][K][samples * tilesPerSample()] at {@code mOffset} and
     * overwrites the (samples, K, outH, outW) NCHW output at {@code yOffset}, adding {@code bias[k]}
     * (when {@code bias} is not null) to every output of filter k. The arithmetic is one flat loop
     * over the slots of all samples; only placing the 2x2 blocks into the plane is strided.
     */
    public void transformOutput(MemorySegment m, long mOffset, int samples, int k, MemorySegment bias, long biasOffset,
                                MemorySegment y, long yOffset) {
        int row = tilesW + 1;
        int slots = tilesPerSample();
        int ld = samples * slots;
        int evenW = 2 * tilesW;
        int outPlane = outH * outW;
        Scratch s = SCRATCH.get().ensure(4 * tilesH * tilesW, 0, ld, 0);
        float[][] mt = s.elements; // [16][samples * slots] for one filter: one array each, see transformInput
        float[] y00 = s.rows[0];
        float[] y01 = s.rows[1];
        float[] y10 = s.rows[2];
        float[] y11 = s.rows[3];
        float[] yp = s.in;        // (2 tilesH, 2 tilesW): one output plane, rounded up to whole tiles
        for (int f = 0; f < k; f++) {
            for (int e = 0; e < ELEMENTS; e++) {
                MemorySegment.copy(m, FLOAT, (mOffset + ((long) e * k + f) * ld) * Float.BYTES, mt[e], 0, ld);
            }
            float b = bias == null ? 0f : bias.getAtIndex(FLOAT, biasOffset + f);
            float[] m0 = mt[0];
            float[] m1 = mt[1];
            float[] m2 = mt[2];
            float[] m3 = mt[3];
            float[] m4 = mt[4];
            float[] m5 = mt[5];
            float[] m6 = mt[6];
            float[] m7 = mt[7];
            float[] m8 = mt[8];
            float[] m9 = mt[9];
            float[] m10 = mt[10];
            float[] m11 = mt[11];
            float[] m12 = mt[12];
            float[] m13 = mt[13];
            float[] m14 = mt[14];
            float[] m15 = mt[15];
            for (int j = 0; j < ld; j++) {
                // A^T m: two rows of four (u, l), then (.) A: two columns of each.
                float u0 = m0[j] + m4[j] + m8[j];
                float u1 = m1[j] + m5[j] + m9[j];
                float u2 = m2[j] + m6[j] + m10[j];
                float u3 = m3[j] + m7[j] + m11[j];
                float l0 = m4[j] - m8[j] - m12[j];
                float l1 = m5[j] - m9[j] - m13[j];
                float l2 = m6[j] - m10[j] - m14[j];
                float l3 = m7[j] - m11[j] - m15[j];
                y00[j] = u0 + u1 + u2 + b;
                y01[j] = u1 - u2 - u3 + b;
                y10[j] = l0 + l1 + l2 + b;
                y11[j] = l1 - l2 - l3 + b;
            }
            for (int n = 0; n < samples; n++) {
                for (int th = 0; th < tilesH; th++) {
                    int j = n * slots + th * row;
                    int o = 2 * th * evenW;
                    for (int tw = 0; tw < tilesW; tw++, j++, o += 2) {
                        yp[o] = y00[j];
                        yp[o + 1] = y01[j];
                        yp[o + evenW] = y10[j];
                        yp[o + evenW + 1] = y11[j];
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

    /** One thread's heap arrays, grown to the largest geometry seen and then reused. */
    private static final class Scratch {
        float[] in = new float[0];
        final float[][] quarters = new float[4][0];
        final float[][] rows = new float[8][0];
        final float[][] elements = new float[ELEMENTS][0];
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

        /** in: a plane; quarters: one quarter plane each; rows: one sample's (or group's) slots each; tiles: [16][slots]. */
        Scratch ensure(int plane, int quarter, int rowLength, int tileFloats) {
            if (in.length < plane) {
                in = new float[plane];
            }
            for (int i = 0; i < 4; i++) {
                if (quarters[i].length < quarter) {
                    quarters[i] = new float[quarter];
                }
            }
            for (int i = 0; i < 8; i++) {
                if (rows[i].length < rowLength) {
                    rows[i] = new float[rowLength];
                }
            }
            for (int i = 0; i < ELEMENTS; i++) {
                if (elements[i].length < rowLength) {
                    elements[i] = new float[rowLength];
                }
            }
            if (tiles.length < tileFloats) {
                tiles = new float[tileFloats];
            }
            return this;
        }
    }
}
