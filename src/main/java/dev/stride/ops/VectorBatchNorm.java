package dev.stride.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * Batch norm's per-element pass on the Vector API, for {@link BatchNorm} when
 * {@link VectorSupport#enabled} (only then may this class load): C2 leaves the plain loop scalar
 * because it stores into a segment. The operations are the plain loop's, in its order, and
 * lanewise max and min are Math.max and Math.min, so the bits are the same.
 */
final class VectorBatchNorm {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private VectorBatchNorm() {
    }

    /** y = min(max(((x - hi) - lo) * scale + beta, min), max) over channel {@code c}; y may be x. */
    static void normalize(int n, int channels, int plane, int c, float hi, float lo, float scale, float beta,
                          float min, float max, MemorySegment x, long xOff, MemorySegment y, long yOff) {
        long stride = (long) channels * plane;
        long first = (long) c * plane;
        int bound = SPECIES.loopBound(plane);
        for (int i = 0; i < n; i++) {
            long xAt = xOff + first + i * stride;
            long yAt = yOff + first + i * stride;
            int j = 0;
            for (; j < bound; j += SPECIES.length()) {
                FloatVector.fromMemorySegment(SPECIES, x, (xAt + j) * Float.BYTES, ORDER).sub(hi).sub(lo).mul(scale).add(beta)
                        .max(min).min(max).intoMemorySegment(y, (yAt + j) * Float.BYTES, ORDER);
            }
            for (; j < plane; j++) {
                float centred = (x.getAtIndex(FLOAT, xAt + j) - hi) - lo;
                y.setAtIndex(FLOAT, yAt + j, Math.min(Math.max(centred * scale + beta, min), max));
            }
        }
    }
}
