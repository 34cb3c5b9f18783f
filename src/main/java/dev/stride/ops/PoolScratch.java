package dev.stride.ops;

/**
 * One thread's heap copy of a pooling plane, its output and argmax, and max pooling's row maxima,
 * each grown to the largest seen.
 */
final class PoolScratch {
    private static final ThreadLocal<PoolScratch> SCRATCH = ThreadLocal.withInitial(PoolScratch::new);

    float[] in = new float[0];
    float[] out = new float[0];
    int[] index = new int[0];
    /** Max pooling's row maxima (input rows, window starts) and one line after them. */
    float[] rows = new float[0];
    /** Where each of {@link #rows} lies in the plane. */
    int[] rowIndex = new int[0];

    private PoolScratch() {
    }

    /** This thread's scratch with at least {@code inFloats} in and {@code outFloats} out and index. */
    static PoolScratch get(int inFloats, int outFloats) {
        return get(inFloats, outFloats, 0);
    }

    /** {@link #get(int, int)} with at least {@code rowFloats} in {@link #rows} and {@link #rowIndex}. */
    static PoolScratch get(int inFloats, int outFloats, int rowFloats) {
        PoolScratch s = SCRATCH.get();
        if (s.in.length < inFloats) {
            s.in = new float[inFloats];
        }
        if (s.out.length < outFloats) {
            s.out = new float[outFloats];
            s.index = new int[outFloats];
        }
        if (s.rows.length < rowFloats) {
            s.rows = new float[rowFloats];
            s.rowIndex = new int[rowFloats];
        }
        return s;
    }
}
