package dev.stride.ops;

/** One thread's heap copy of a pooling plane and its output, grown to the largest plane seen. */
final class PoolScratch {
    private static final ThreadLocal<PoolScratch> SCRATCH = ThreadLocal.withInitial(PoolScratch::new);

    float[] in = new float[0];
    float[] out = new float[0];
    int[] index = new int[0];

    private PoolScratch() {
    }

    /** This thread's scratch with at least {@code inFloats} in and {@code outFloats} out and index. */
    static PoolScratch get(int inFloats, int outFloats) {
        PoolScratch s = SCRATCH.get();
        if (s.in.length < inFloats) {
            s.in = new float[inFloats];
        }
        if (s.out.length < outFloats) {
            s.out = new float[outFloats];
            s.index = new int[outFloats];
        }
        return s;
    }
}
