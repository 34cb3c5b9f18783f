package dev.stride.ops;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * Splitting a row of a tensor into its even and odd columns on the heap, and merging them back
 * into the tensor, on the Vector API (only when {@link VectorSupport#enabled}): what stride-2
 * depthwise layers do to every plane they read.
 *
 * <p>Why through longs: a pair of neighbouring floats is one 64-bit lane, so the even column is
 * the lane's low half and the odd column its high half. Narrowing the longs to ints (the low
 * halves) picks the evens in one instruction, a shift by 32 first the odds; merging widens, masks
 * and ORs. The plain loops read at stride 2, which C2 leaves scalar; the two-vector shuffles tried
 * before measured no faster than them (docs/design-measurements.md has both). Only bits move, so
 * the results are the plain loops' exactly. Each loop is one method body with no vector passed
 * between methods: a vector that crosses a call C2 does not inline is boxed on the heap.
 */
final class VectorPairs {
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED;
    /** Half the preferred width: the evens (or odds) of one preferred vector of floats, as ints and as floats. */
    private static final VectorSpecies<Integer> HALF_INTS =
            VectorSpecies.of(int.class, VectorShape.forBitSize(FLOATS.vectorBitSize() / 2));
    private static final VectorSpecies<Float> HALF_FLOATS =
            VectorSpecies.of(float.class, VectorShape.forBitSize(FLOATS.vectorBitSize() / 2));
    private static final int STEP = FLOATS.length();   // source floats per iteration
    private static final int HALF = STEP / 2;
    private static final long LOW = 0xFFFF_FFFFL;

    private VectorPairs() {
    }

    /**
     * Whether these loops pay: only AVX-512 narrows and widens in one instruction. With 256-bit
     * vectors (-XX:UseAVX=2 on a Zen 4) C2 did not compile the casts: the loop ran ten times slower
     * than the plain one and allocated, so callers keep their plain loops there.
     */
    static boolean inHardware() {
        return FLOATS.vectorBitSize() >= 512;
    }

    /**
     * even[evenAt + k] = src[from + 2k] for 2k below n, odd[oddAt + k] = src[from + 2k + 1] for
     * 2k + 1 below n, the row read from a segment ({@code from} in floats) with no copy to the heap
     * first. {@code even} and {@code odd} may be one array.
     */
    static void split(MemorySegment src, long from, int n, float[] even, int evenAt, float[] odd, int oddAt) {
        int i = 0;
        int k = 0;
        for (; i < n; i += STEP, k += HALF) {
            boolean whole = i + STEP <= n;
            // The last partial vector too, read whole and stored with masks where the segment and
            // the arrays hold a whole vector there (a small plane's rows are only that).
            if (!whole && !(VectorSupport.holds(src, from + i, STEP) && evenAt + k + HALF <= even.length && oddAt + k + HALF <= odd.length)) {
                break;
            }
            LongVector pairs = FloatVector.fromMemorySegment(FLOATS, src, (from + i) * Float.BYTES, ByteOrder.nativeOrder())
                    .reinterpretAsLongs();
            FloatVector evens = pairs.convertShape(VectorOperators.L2I, HALF_INTS, 0).reinterpretAsFloats();
            FloatVector odds = pairs.lanewise(VectorOperators.LSHR, 32).convertShape(VectorOperators.L2I, HALF_INTS, 0)
                    .reinterpretAsFloats();
            if (whole) {
                evens.intoArray(even, evenAt + k);
                odds.intoArray(odd, oddAt + k);
            } else {
                evens.intoArray(even, evenAt + k, HALF_FLOATS.indexInRange(0, (n - i + 1) / 2));
                odds.intoArray(odd, oddAt + k, HALF_FLOATS.indexInRange(0, (n - i) / 2));
                return;
            }
        }
        for (; i + 1 < n; i += 2, k++) {
            even[evenAt + k] = src.getAtIndex(FLOAT, from + i);
            odd[oddAt + k] = src.getAtIndex(FLOAT, from + i + 1);
        }
        if (i < n) {
            even[evenAt + k] = src.getAtIndex(FLOAT, from + i);
        }
    }

    /**
     * The inverse of {@link #split}: dst[to + 2k] = even[evenAt + k], dst[to + 2k + 1] = odd[oddAt + k]
     * below n, written to a segment ({@code to} in floats).
     */
    static void merge(float[] even, int evenAt, float[] odd, int oddAt, MemorySegment dst, long to, int n) {
        int i = 0;
        int k = 0;
        for (; i < n; i += STEP, k += HALF) {
            boolean whole = i + STEP <= n;
            if (!whole && !(VectorSupport.holds(dst, to + i, STEP) && evenAt + k + HALF <= even.length && oddAt + k + HALF <= odd.length)) {
                break;
            }
            LongVector low = (LongVector) FloatVector.fromArray(HALF_FLOATS, even, evenAt + k).reinterpretAsInts()
                    .convertShape(VectorOperators.I2L, LONGS, 0);
            LongVector high = (LongVector) FloatVector.fromArray(HALF_FLOATS, odd, oddAt + k).reinterpretAsInts()
                    .convertShape(VectorOperators.I2L, LONGS, 0);
            FloatVector row = low.and(LOW).or(high.lanewise(VectorOperators.LSHL, 32)).reinterpretAsFloats();
            if (whole) {
                row.intoMemorySegment(dst, (to + i) * Float.BYTES, ByteOrder.nativeOrder());
            } else {
                row.intoMemorySegment(dst, (to + i) * Float.BYTES, ByteOrder.nativeOrder(), FLOATS.indexInRange(0, n - i));
                return;
            }
        }
        for (; i + 1 < n; i += 2, k++) {
            dst.setAtIndex(FLOAT, to + i, even[evenAt + k]);
            dst.setAtIndex(FLOAT, to + i + 1, odd[oddAt + k]);
        }
        if (i < n) {
            dst.setAtIndex(FLOAT, to + i, even[evenAt + k]);
        }
    }
}
