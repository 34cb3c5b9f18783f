package dev.stride.ops;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * The weight gradient's half of {@link Winograd}'s F(2x2, 3x3). The forward computes
 * M[xi] = U[xi] V[xi] and Y = A^T m A per tile, so by the chain rule dM = A dY A^T per tile
 * ({@link #transformOutputGradient}, the adjoint of {@link WinogradOutput#transform}),
 * dU[xi] = dM[xi] V[xi]^T (16 GEMMs, the caller's), and dW = G^T dU G per filter
 * ({@link WinogradFilters#transformGradient}). The multiplications fall to 16/36 of im2col's, as in
 * the forward pass.
 */
public final class WinogradGradient {
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private WinogradGradient() {
    }

    /**
     * dM = A dY A^T for every 2x2 block of dY (samples, K, outH, outW) at {@code dyOffset}, into
     * [16][K][samples * g.tilesPerSample()] at {@code dmOffset}: zero where a block overhangs an
     * odd-sized output. When {@code db} is not null, adds each filter's sum of
     * dY over the samples to {@code db[k]} (summed in a fixed order, so results repeat bitwise).
     */
    public static void transformOutputGradient(Winograd g, MemorySegment dy, long dyOffset, int samples, int k,
                                               MemorySegment dm, long dmOffset, MemorySegment db, long dbOffset) {
        int tilesH = g.tilesH();
        int tilesW = g.tilesW();
        int outH = g.outH();
        int outW = g.outW();
        int tileRow = g.tileRow();
        int tiles = g.tilesPerSample();
        int ld = samples * tiles;
        int evenW = 2 * tilesW;
        int plane = outH * outW;
        boolean whole = evenW == outW && 2 * tilesH == outH; // no block overhangs the plane
        Scratch s = SCRATCH.get().ensure(plane, 2 * tilesH * evenW, ld, g.vector() ? 0 : ld);
        float[] in = s.in;       // one dY plane
        float[] p = s.padded;    // (2 tilesH, 2 tilesW): the plane, zero where a block overhangs it
        float[] d00 = s.d[0];    // the four values of every block, by tile slot, for all the samples
        float[] d01 = s.d[1];
        float[] d10 = s.d[2];
        float[] d11 = s.d[3];
        float[][] out = s.out;   // [16][samples * tiles] of one filter (plain loops only)
        Arrays.fill(p, 0, 2 * tilesH * evenW, 0f);
        for (float[] d : s.d) {
            Arrays.fill(d, 0, ld, 0f); // the unused slots, where g has them
        }
        // Without a bias to sum, a plane of whole blocks splits straight from dY on the Vector API.
        boolean direct = whole && db == null && g.pairsOnVectors();
        for (int f = 0; f < k; f++) {
            float total = 0f;
            for (int n = 0; n < samples; n++) {
                if (direct) {
                    long planeAt = dyOffset + ((long) n * k + f) * plane;
                    for (int th = 0, j = n * tiles; th < tilesH; th++, j += tileRow) {
                        long rowAt = planeAt + (long) 2 * th * outW;
                        VectorPairs.split(dy, rowAt, outW, d00, j, d01, j);
                        VectorPairs.split(dy, rowAt + outW, outW, d10, j, d11, j);
                    }
                    continue;
                }
                MemorySegment.copy(dy, FLOAT, (dyOffset + ((long) n * k + f) * plane) * Float.BYTES, in, 0, plane);
                if (db != null) { // the zoo's convolutions have no bias: no sum to make
                    total += FloatSums.sum(in, plane);
                }
                float[] src = in;
                if (!whole) {
                    for (int r = 0; r < outH; r++) {
                        System.arraycopy(in, r * outW, p, r * evenW, outW);
                    }
                    src = p;
                }
                for (int th = 0; th < tilesH; th++) {
                    for (int tw = 0, j = n * tiles + th * tileRow, o = 2 * th * evenW; tw < tilesW; tw++, j++, o += 2) {
                        d00[j] = src[o];
                        d01[j] = src[o + 1];
                        d10[j] = src[o + evenW];
                        d11[j] = src[o + evenW + 1];
                    }
                }
            }
            // A dY: rows d0, d0 + d1, d0 - d1, -d1 (of the block's two rows); then (.) A^T on each
            // row (a, b): a, a + b, a - b, -b. One loop per row of dM over every sample's tiles (a
            // loop per sample ran 16 times at 8x8), stores at j.
            for (int i = 0; i < 4; i++) {
                float s0 = i == 3 ? 0f : 1f;                  // weight of the block's first row
                float s1 = i == 0 ? 0f : i == 1 ? 1f : -1f;   // weight of its second row
                if (g.vector()) { // straight into dM
                    VectorLoops.gradientRowInto(s0, s1, d00, d01, d10, d11, ld, dm,
                            dmOffset + ((long) 4 * i * k + f) * ld, (long) k * ld);
                    continue;
                }
                float[] h0 = out[4 * i];
                float[] h1 = out[4 * i + 1];
                float[] h2 = out[4 * i + 2];
                float[] h3 = out[4 * i + 3];
                for (int j = 0; j < ld; j++) {
                    float a = s0 * d00[j] + s1 * d10[j];
                    float b = s0 * d01[j] + s1 * d11[j];
                    h0[j] = a;
                    h1[j] = a + b;
                    h2[j] = a - b;
                    h3[j] = -b;
                }
            }
            if (!g.vector()) {
                for (int e = 0; e < Winograd.ELEMENTS; e++) {
                    MemorySegment.copy(out[e], 0, dm, FLOAT, (dmOffset + ((long) e * k + f) * ld) * Float.BYTES, ld);
                }
            }
            if (db != null) {
                long at = dbOffset + f;
                db.setAtIndex(FLOAT, at, db.getAtIndex(FLOAT, at) + total);
            }
        }
    }

    /** One thread's heap arrays, grown to the largest geometry seen and then reused. */
    private static final class Scratch {
        float[] in = new float[0];
        float[] padded = new float[0];
        final float[][] d = new float[4][0];
        final float[][] out = new float[Winograd.ELEMENTS][0];

        /** out is what only the plain loops fill: plainLength each. */
        Scratch ensure(int plane, int paddedPlane, int ld, int plainLength) {
            if (in.length < plane) {
                in = new float[plane];
            }
            if (padded.length < paddedPlane) {
                padded = new float[paddedPlane];
            }
            for (int i = 0; i < 4; i++) {
                if (d[i].length < ld) {
                    d[i] = new float[ld];
                }
            }
            for (int i = 0; i < Winograd.ELEMENTS; i++) {
                if (out[i].length < plainLength) {
                    out[i] = new float[plainLength];
                }
            }
            return this;
        }
    }
}
