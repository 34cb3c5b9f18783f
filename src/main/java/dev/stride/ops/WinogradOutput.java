package dev.stride.ops;

import java.lang.foreign.MemorySegment;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * The output half of {@link Winograd}'s F(2x2, 3x3): after the 16 products M[xi] = U[xi] V[xi],
 * each 2x2 output block is A^T m A of its tile's 16 products, with A^T = [[1, 1, 1, 0], [0, 1, -1, -1]].
 */
public final class WinogradOutput {
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private WinogradOutput() {
    }

    /**
     * Y = A^T m A for every tile of {@code g}: reads M [16][K][samples * g.tilesPerSample()] at {@code mOffset} and
     * overwrites the (samples, K, outH, outW) NCHW output at {@code yOffset}, adding {@code bias[k]}
     * (when {@code bias} is not null) to every output of filter k. The arithmetic is one flat loop
     * over the tiles of all samples; only placing the 2x2 blocks into the plane is strided.
     */
    public static void transform(Winograd g, MemorySegment m, long mOffset, int samples, int k, MemorySegment bias,
                                 long biasOffset, MemorySegment y, long yOffset) {
        transform(g, m, mOffset, samples, k, 0, k, bias, biasOffset, y, yOffset);
    }

    /**
     * {@link #transform(Winograd, MemorySegment, long, int, int, MemorySegment, long, MemorySegment, long)}
     * for filters [f0, f1) of the K in M and in the output only, so that several threads can share
     * one M; {@code mOffset}, {@code biasOffset} and {@code yOffset} still point at filter 0.
     */
    public static void transform(Winograd g, MemorySegment m, long mOffset, int samples, int k, int f0, int f1,
                                 MemorySegment bias, long biasOffset, MemorySegment y, long yOffset) {
        if (f0 < 0 || f1 > k || f0 > f1) {
            throw new IllegalArgumentException("winograd output: filters [" + f0 + ", " + f1 + ") of " + k);
        }
        int tilesH = g.tilesH();
        int tilesW = g.tilesW();
        int outH = g.outH();
        int outW = g.outW();
        int tileRow = g.tileRow();
        int tiles = g.tilesPerSample();
        int ld = samples * tiles;
        int evenW = 2 * tilesW;
        int outPlane = outH * outW;
        Scratch s = SCRATCH.get().ensure(g.vector() ? 0 : 4 * tilesH * tilesW, ld, g.vector() ? 0 : ld);
        float[][] mt = s.elements; // [16][samples * tiles] for one filter (plain loops only), see Winograd.transformInput
        float[] y00 = s.blocks[0];
        float[] y01 = s.blocks[1];
        float[] y10 = s.blocks[2];
        float[] y11 = s.blocks[3];
        float[] yp = s.plane;     // (2 tilesH, 2 tilesW): one output plane, rounded up to whole tiles
        long elementStride = (long) k * ld;
        for (int f = f0; f < f1; f++) {
            float b = bias == null ? 0f : bias.getAtIndex(FLOAT, biasOffset + f);
            // A^T m in two stages, each a loop C2 vectorises: one loop over all 16 arrays stayed
            // scalar (docs/design-measurements.md). First the rows of every column c:
            // u = m0c + m1c + m2c and l = m1c - m2c - m3c; then the columns of u and l. On the
            // Vector API the first stage reads M's segment and the second writes the output rows
            // (VectorLoops); else heap copies of M's 16 rows, and the 2x2 blocks placed into a heap
            // plane one by one.
            float[][] t = s.rows; // u0..u3, l0..l3
            if (g.vector()) {
                for (int c = 0; c < 4; c++) {
                    VectorLoops.outputColumn(m, mOffset + f * (long) ld + c * elementStride, 4 * elementStride, ld,
                            t[c], t[4 + c]);
                }
                for (int r = 0; r < 2; r++) {
                    VectorLoops.outputRowsInto(t[4 * r], t[4 * r + 1], t[4 * r + 2], t[4 * r + 3], b, r, g, samples, y,
                            yOffset + (long) f * outPlane, (long) k * outPlane);
                }
                continue;
            }
            for (int e = 0; e < Winograd.ELEMENTS; e++) {
                MemorySegment.copy(m, FLOAT, (mOffset + ((long) e * k + f) * ld) * Float.BYTES, mt[e], 0, ld);
            }
            for (int c = 0; c < 4; c++) {
                float[] r0 = mt[c];
                float[] r1 = mt[4 + c];
                float[] r2 = mt[8 + c];
                float[] r3 = mt[12 + c];
                float[] u = t[c];
                float[] l = t[4 + c];
                for (int j = 0; j < ld; j++) {
                    u[j] = r0[j] + r1[j] + r2[j];
                    l[j] = r1[j] - r2[j] - r3[j];
                }
            }
            for (int r = 0; r < 2; r++) {
                float[] c0 = t[4 * r];
                float[] c1 = t[4 * r + 1];
                float[] c2 = t[4 * r + 2];
                float[] c3 = t[4 * r + 3];
                float[] left = r == 0 ? y00 : y10;
                float[] right = r == 0 ? y01 : y11;
                for (int j = 0; j < ld; j++) {
                    left[j] = c0[j] + c1[j] + c2[j] + b;
                    right[j] = c1[j] - c2[j] - c3[j] + b;
                }
            }
            for (int n = 0; n < samples; n++) {
                for (int th = 0; th < tilesH; th++) {
                    int j = n * tiles + th * tileRow;
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
        float[] plane = new float[0];
        final float[][] elements = new float[Winograd.ELEMENTS][0];
        final float[][] rows = new float[8][0];
        final float[][] blocks = new float[4][0];

        /**
         * rows: rowLength each; what only the plain loops use: plane, an output plane in whole
         * tiles, and elements and blocks, plainLength each.
         */
        Scratch ensure(int planeFloats, int rowLength, int plainLength) {
            if (plane.length < planeFloats) {
                plane = new float[planeFloats];
            }
            grow(elements, plainLength);
            grow(rows, rowLength + VectorSupport.SLACK_FLOATS);
            grow(blocks, plainLength);
            return this;
        }

        private static void grow(float[][] arrays, int length) {
            for (int i = 0; i < arrays.length; i++) {
                if (arrays[i].length < length) {
                    arrays[i] = new float[length];
                }
            }
        }
    }
}
