package dev.stride.tensor;

import java.lang.foreign.MemorySegment;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * Per-thread heap arrays for element-wise loops over segments: copy a chunk of each operand in, run
 * the arithmetic on the arrays, copy the results out.
 *
 * <p>Why: C2 (JDK 25) does not vectorise a loop that reads one segment and writes another, since
 * it cannot rule out that they overlap, while the same loop over float[] vectorises, and the bulk
 * copies are memcpy (docs/design-measurements.md). Loops whose bodies branch unpredictably (a
 * select on a compare) are the exception: on arrays C2 compiles them to branches, far slower than
 * the segment loop, so those stay on segments.
 *
 * <p>Chunks are small enough that three of them stay in the L2 cache and large enough that the two
 * copies per chunk cost little; {@link #SIZE} was the fastest size tried. Each thread has its own, so
 * the parallel parts of a layer never share one; a kernel must not hold them across a call that
 * may use them too.
 */
public final class HeapChunks {
    /** Floats per chunk: the fastest of the sizes tried (docs/design-measurements.md). */
    public static final int SIZE = 4096;

    private static final ThreadLocal<HeapChunks> CHUNKS = ThreadLocal.withInitial(HeapChunks::new);

    /** The first chunk, {@link #SIZE} floats. */
    public final float[] a = new float[SIZE];
    /** The second chunk, {@link #SIZE} floats. */
    public final float[] b = new float[SIZE];
    /** The third chunk, {@link #SIZE} floats. */
    public final float[] c = new float[SIZE];

    private HeapChunks() {
    }

    /**
     * The calling thread's chunks.
     *
     * @return this thread's three chunks, created on its first call
     */
    public static HeapChunks get() {
        return CHUNKS.get();
    }

    /** A loop over one chunk: {@code b[i] = f(a[i], b[i])} for i below {@code len}. */
    @FunctionalInterface
    public interface Pairwise {
        /**
         * Runs the loop over the first {@code len} elements.
         *
         * @param a the first operand's chunk
         * @param b the second operand's chunk, overwritten with the result
         * @param len how many elements of the chunks hold data
         */
        void apply(float[] a, float[] b, int len);
    }

    /**
     * out = f(a, b) element by element over {@code count} floats, a chunk at a time. The kernel is
     * called once per chunk, not per element, so its own loop is what C2 compiles and vectorises.
     *
     * @param a the first operand
     * @param aOffset where it starts in {@code a}, in floats
     * @param b the second operand
     * @param bOffset where it starts in {@code b}, in floats
     * @param out where the result goes (may be {@code a} or {@code b})
     * @param outOffset where it starts in {@code out}, in floats
     * @param count how many floats
     * @param f the loop over one chunk
     */
    public static void pairwise(MemorySegment a, long aOffset, MemorySegment b, long bOffset, MemorySegment out,
                                long outOffset, long count, Pairwise f) {
        HeapChunks c = get();
        for (long at = 0; at < count; at += SIZE) {
            int len = (int) Math.min(SIZE, count - at);
            load(a, aOffset + at, c.a, len);
            load(b, bOffset + at, c.b, len);
            f.apply(c.a, c.b, len);
            store(c.b, len, out, outOffset + at);
        }
    }

    /**
     * Copies {@code count} floats from {@code segment} at float offset {@code offset} into {@code into}.
     *
     * @param segment the source
     * @param offset the first float to copy, in floats
     * @param into the destination, from index 0
     * @param count how many floats
     */
    public static void load(MemorySegment segment, long offset, float[] into, int count) {
        MemorySegment.copy(segment, FLOAT, offset * Float.BYTES, into, 0, count);
    }

    /**
     * Copies the first {@code count} floats of {@code from} to {@code segment} at float offset {@code
     * offset}.
     *
     * @param from the source, from index 0
     * @param count how many floats
     * @param segment the destination
     * @param offset where the first float goes, in floats
     */
    public static void store(float[] from, int count, MemorySegment segment, long offset) {
        MemorySegment.copy(from, 0, segment, FLOAT, offset * Float.BYTES, count);
    }
}
