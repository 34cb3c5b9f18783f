package dev.stride.nn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * {@link ShiftConv}'s two per-sample passes on the Vector API, for when
 * {@link dev.stride.ops.VectorSupport#enabled} (only then may this class load): segment to segment,
 * where the plain loops go through heap copies of every row and plane. The same float operations
 * in the same order, so the same bits. Offsets are in floats.
 */
final class ShiftConvVectors {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private ShiftConvVectors() {
    }

    /**
     * The (K, outH*W) product at {@code zOff} into one sample's NCHW output at {@code outOffset},
     * the first outW columns of each row of W, plus filter k's bias (0 without one).
     */
    static void narrow(MemorySegment ws, long zOff, MemorySegment bias, long biasOffset, int filters, int outH, int outW,
                       int width, MemorySegment out, long outOffset) {
        int lanes = SPECIES.length();
        for (int f = 0; f < filters; f++) {
            float v = bias == null ? 0f : bias.getAtIndex(FLOAT, biasOffset + f);
            for (int oh = 0; oh < outH; oh++) {
                long from = (zOff + ((long) f * outH + oh) * width) * Float.BYTES;
                long to = (outOffset + ((long) f * outH + oh) * outW) * Float.BYTES;
                for (int ow = 0; ow < outW; ow += lanes) {
                    VectorMask<Float> m = SPECIES.indexInRange(ow, outW);
                    long o = (long) ow * Float.BYTES;
                    FloatVector.fromMemorySegment(SPECIES, ws, from + o, ORDER, m).add(v)
                            .intoMemorySegment(out, to + o, ORDER, m);
                }
            }
        }
    }

    /**
     * One sample's dX (C, H*W) at {@code dxOffset} from B's gradient (C*kH rows of {@code ld} at
     * {@code at}): position t of channel c is the sum over ki, in order, of row (c, ki) at t - ki*W
     * where that lies within the row; starting from 0 as the plain loop does, so the lanes a row
     * does not reach (which add 0) change nothing.
     */
    static void addRowsBack(MemorySegment ws, long at, int channels, int kernelH, int ld, int plane, int width,
                            MemorySegment dx, long dxOffset) {
        int lanes = SPECIES.length();
        for (int c = 0; c < channels; c++) {
            long rows = at + (long) c * kernelH * ld;
            long to = (dxOffset + (long) c * plane) * Float.BYTES;
            for (int t = 0; t < plane; t += lanes) {
                FloatVector sum = FloatVector.zero(SPECIES);
                for (int ki = 0; ki < kernelH; ki++) {
                    int q = t - ki * width; // below 0 or from ld on: row ki does not reach position t
                    sum = sum.add(FloatVector.fromMemorySegment(SPECIES, ws, (rows + (long) ki * ld + q) * Float.BYTES,
                            ORDER, SPECIES.indexInRange(q, ld)));
                }
                sum.intoMemorySegment(dx, to + (long) t * Float.BYTES, ORDER, SPECIES.indexInRange(t, plane));
            }
        }
    }
}
