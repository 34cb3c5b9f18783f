package dev.stride.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * The Winograd transforms' inner loops on the Vector API, for when {@link VectorSupport#enabled}
 * (only then may this class load: it needs {@code jdk.incubator.vector}). Each does exactly the
 * float operations of the plain loop it replaces, in the same order, so both give the same bits;
 * what changes is that reads at an offset and stores into segments no longer go through heap copies.
 */
final class VectorLoops {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /** Two vectors' first halves interleaved, lane by lane (an index below 0 takes the second vector's lane + length). */
    private static final VectorShuffle<Float> ZIP_LOW = VectorShuffle.fromOp(SPECIES,
            i -> i % 2 == 0 ? i / 2 : i / 2 - SPECIES.length());
    /** Their second halves interleaved. */
    private static final VectorShuffle<Float> ZIP_HIGH = VectorShuffle.fromOp(SPECIES,
            i -> SPECIES.length() / 2 + (i % 2 == 0 ? i / 2 : i / 2 - SPECIES.length()));

    private VectorLoops() {
    }

    /** {@link Winograd}'s 1-D transform B^T [d0, d1, d2, d3] for every slot j below {@code len}, into heap arrays. */
    static void bt(float[] even, float[] odd, int step, int len, float[] o0, float[] o1, float[] o2, float[] o3) {
        int j = 0;
        for (int bound = SPECIES.loopBound(len); j < bound; j += SPECIES.length()) {
            FloatVector d0 = FloatVector.fromArray(SPECIES, even, j);
            FloatVector d1 = FloatVector.fromArray(SPECIES, odd, j);
            FloatVector d2 = FloatVector.fromArray(SPECIES, even, j + step);
            FloatVector d3 = FloatVector.fromArray(SPECIES, odd, j + step);
            d0.sub(d2).intoArray(o0, j);
            d1.add(d2).intoArray(o1, j);
            d2.sub(d1).intoArray(o2, j);
            d1.sub(d3).intoArray(o3, j);
        }
        for (; j < len; j++) {
            float d1 = odd[j];
            float d2 = even[j + step];
            o0[j] = even[j] - d2;
            o1[j] = d1 + d2;
            o2[j] = d2 - d1;
            o3[j] = d1 - odd[j + step];
        }
    }

    /** {@link #bt} storing output r (0..3) into {@code out} at float {@code at + r * stride}. */
    static void btInto(float[] even, float[] odd, int step, int len, MemorySegment out, long at, long stride) {
        long b0 = at * Float.BYTES;
        long rowBytes = stride * Float.BYTES; // from one of the four rows to the next
        int j = 0;
        for (int bound = SPECIES.loopBound(len); j < bound; j += SPECIES.length()) {
            FloatVector d0 = FloatVector.fromArray(SPECIES, even, j);
            FloatVector d1 = FloatVector.fromArray(SPECIES, odd, j);
            FloatVector d2 = FloatVector.fromArray(SPECIES, even, j + step);
            FloatVector d3 = FloatVector.fromArray(SPECIES, odd, j + step);
            long o = (long) j * Float.BYTES;
            d0.sub(d2).intoMemorySegment(out, b0 + o, ORDER);
            d1.add(d2).intoMemorySegment(out, b0 + rowBytes + o, ORDER);
            d2.sub(d1).intoMemorySegment(out, b0 + 2 * rowBytes + o, ORDER);
            d1.sub(d3).intoMemorySegment(out, b0 + 3 * rowBytes + o, ORDER);
        }
        for (; j < len; j++) {
            float d1 = odd[j];
            float d2 = even[j + step];
            out.setAtIndex(FLOAT, at + j, even[j] - d2);
            out.setAtIndex(FLOAT, at + stride + j, d1 + d2);
            out.setAtIndex(FLOAT, at + 2 * stride + j, d2 - d1);
            out.setAtIndex(FLOAT, at + 3 * stride + j, d1 - odd[j + step]);
        }
    }

    /**
     * {@link #btInto} for V without the unused slots: of each quarter plane's {@code tilesH} rows of
     * {@code rowLength} slots (of {@code blocks} planes, {@code quarter} slots apart), only the first
     * {@code tilesW} slots, stored one tile after another from {@code at} (so tiles * blocks floats
     * an output), in place of a pass over every slot and a gather through an index map.
     */
    static void btTilesInto(float[] even, float[] odd, int blocks, int quarter, int tilesH, int tilesW, int rowLength,
                            MemorySegment out, long at, long stride) {
        long o1 = stride * Float.BYTES;
        long o2 = 2 * o1;
        long o3 = 3 * o1;
        int lanes = SPECIES.length();
        for (int b = 0; b < blocks; b++) {
            for (int th = 0; th < tilesH; th++) {
                int src = b * quarter + th * rowLength;
                long dst = (at + ((long) b * tilesH + th) * tilesW) * Float.BYTES;
                for (int tw = 0; tw < tilesW; tw += lanes) {
                    VectorMask<Float> m = SPECIES.indexInRange(tw, tilesW);
                    int j = src + tw;
                    FloatVector d0 = FloatVector.fromArray(SPECIES, even, j, m);
                    FloatVector d1 = FloatVector.fromArray(SPECIES, odd, j, m);
                    FloatVector d2 = FloatVector.fromArray(SPECIES, even, j + 1, m);
                    FloatVector d3 = FloatVector.fromArray(SPECIES, odd, j + 1, m);
                    long o = dst + (long) tw * Float.BYTES;
                    d0.sub(d2).intoMemorySegment(out, o, ORDER, m);
                    d1.add(d2).intoMemorySegment(out, o + o1, ORDER, m);
                    d2.sub(d1).intoMemorySegment(out, o + o2, ORDER, m);
                    d1.sub(d3).intoMemorySegment(out, o + o3, ORDER, m);
                }
            }
        }
    }

    /**
     * {@link WinogradOutput}'s first stage for one column of the tile: with r_i read from {@code m}
     * at float {@code at + i * stride}, u = r0 + r1 + r2 and l = r1 - r2 - r3 for j below {@code len}.
     */
    static void outputColumn(MemorySegment m, long at, long stride, int len, float[] u, float[] l) {
        long b0 = at * Float.BYTES;
        long rowBytes = stride * Float.BYTES; // from one of the four rows to the next
        int j = 0;
        for (int bound = SPECIES.loopBound(len); j < bound; j += SPECIES.length()) {
            long o = (long) j * Float.BYTES;
            FloatVector r0 = FloatVector.fromMemorySegment(SPECIES, m, b0 + o, ORDER);
            FloatVector r1 = FloatVector.fromMemorySegment(SPECIES, m, b0 + rowBytes + o, ORDER);
            FloatVector r2 = FloatVector.fromMemorySegment(SPECIES, m, b0 + 2 * rowBytes + o, ORDER);
            FloatVector r3 = FloatVector.fromMemorySegment(SPECIES, m, b0 + 3 * rowBytes + o, ORDER);
            r0.add(r1).add(r2).intoArray(u, j);
            r1.sub(r2).sub(r3).intoArray(l, j);
        }
        for (; j < len; j++) {
            float r1 = m.getAtIndex(FLOAT, at + stride + j);
            float r2 = m.getAtIndex(FLOAT, at + 2 * stride + j);
            u[j] = m.getAtIndex(FLOAT, at + j) + r1 + r2;
            l[j] = r1 - r2 - m.getAtIndex(FLOAT, at + 3 * stride + j);
        }
    }

    /**
     * {@link WinogradGradient}'s row i of dM: a = s0 d00 + s1 d10 and b = s0 d01 + s1 d11, then
     * a, a + b, a - b, -b stored into {@code out} at float {@code at + r * stride} (r = 0..3).
     */
    static void gradientRowInto(float s0, float s1, float[] d00, float[] d01, float[] d10, float[] d11, int len,
                                MemorySegment out, long at, long stride) {
        long b0 = at * Float.BYTES;
        long rowBytes = stride * Float.BYTES; // from one of the four rows to the next
        int j = 0;
        for (int bound = SPECIES.loopBound(len); j < bound; j += SPECIES.length()) {
            long o = (long) j * Float.BYTES;
            FloatVector a = FloatVector.fromArray(SPECIES, d00, j).mul(s0).add(FloatVector.fromArray(SPECIES, d10, j).mul(s1));
            FloatVector b = FloatVector.fromArray(SPECIES, d01, j).mul(s0).add(FloatVector.fromArray(SPECIES, d11, j).mul(s1));
            a.intoMemorySegment(out, b0 + o, ORDER);
            a.add(b).intoMemorySegment(out, b0 + rowBytes + o, ORDER);
            a.sub(b).intoMemorySegment(out, b0 + 2 * rowBytes + o, ORDER);
            b.neg().intoMemorySegment(out, b0 + 3 * rowBytes + o, ORDER);
        }
        for (; j < len; j++) {
            float a = s0 * d00[j] + s1 * d10[j];
            float b = s0 * d01[j] + s1 * d11[j];
            out.setAtIndex(FLOAT, at + j, a);
            out.setAtIndex(FLOAT, at + stride + j, a + b);
            out.setAtIndex(FLOAT, at + 2 * stride + j, a - b);
            out.setAtIndex(FLOAT, at + 3 * stride + j, -b);
        }
    }
    /**
     * {@link WinogradOutput}'s second stage, written straight into the output planes: for output
     * row parity {@code r}, with c_i the first stage's rows, the left column of every 2x2 block is
     * c0 + c1 + c2 + b and the right one c1 - c2 - c3 + b (the plain loop's operations in order),
     * and the two are interleaved into output row 2 th + r of each sample's plane of filter f
     * ({@code y} at {@code planeAt} for sample 0, {@code sampleStride} floats per sample), clipped
     * to {@code outH} x {@code outW}. Replaces the plain loop's per-element placement into a heap
     * plane and its copy into the segment.
     */
    static void outputRowsInto(float[] c0, float[] c1, float[] c2, float[] c3, float b, int r, Winograd g,
                               int samples, MemorySegment y, long planeAt, long sampleStride) {
        int lanes = SPECIES.length();
        int tiles = g.tilesPerSample();
        int tileRow = g.tileRow();
        int tilesW = g.tilesW();
        int outH = g.outH();
        int outW = g.outW();
        for (int n = 0; n < samples; n++) {
            for (int th = 0; th < g.tilesH() && 2 * th + r < outH; th++) {
                int j0 = n * tiles + th * tileRow;
                long rowAt = (planeAt + n * sampleStride + (long) (2 * th + r) * outW) * Float.BYTES;
                for (int tw = 0; tw < tilesW; tw += lanes) {
                    VectorMask<Float> in = SPECIES.indexInRange(tw, tilesW);
                    int j = j0 + tw;
                    FloatVector v1 = FloatVector.fromArray(SPECIES, c1, j, in);
                    FloatVector v2 = FloatVector.fromArray(SPECIES, c2, j, in);
                    FloatVector left = FloatVector.fromArray(SPECIES, c0, j, in).add(v1).add(v2).add(b);
                    FloatVector right = v1.sub(v2).sub(FloatVector.fromArray(SPECIES, c3, j, in)).add(b);
                    int column = 2 * tw;
                    left.rearrange(ZIP_LOW, right).intoMemorySegment(y, rowAt + (long) column * Float.BYTES, ORDER,
                            SPECIES.indexInRange(column, outW));
                    if (column + lanes < outW) {
                        left.rearrange(ZIP_HIGH, right).intoMemorySegment(y, rowAt + (long) (column + lanes) * Float.BYTES,
                                ORDER, SPECIES.indexInRange(column + lanes, outW));
                    }
                }
            }
        }
    }
}
