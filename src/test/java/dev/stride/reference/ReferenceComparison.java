package dev.stride.reference;

import dev.stride.tensor.Tensor;

import java.util.Arrays;

/**
 * The one comparison rule for reference cases: every element must satisfy
 * {@code |got - ref| <= 1e-4*|ref| + 1e-5*max|ref|}, the max taken over the whole expected array.
 * The second term lets values that are tiny next to the rest of their array (a gradient that
 * nearly cancels) differ by float32 rounding of the large ones.
 */
public final class ReferenceComparison {
    public static final double RELATIVE = 1e-4;
    public static final double OF_MAX = 1e-5;

    private ReferenceComparison() {
    }

    /** Compares a tensor with the case's expected array; the shapes must match too. */
    public static void assertClose(ReferenceCase c, String arrayName, Tensor actual) {
        int[] dims = c.array(arrayName).dims();
        if (!Arrays.equals(dims, actual.shape().dims())) {
            throw new AssertionError(c + ", array " + arrayName + ": expected shape " + Arrays.toString(dims)
                    + ", got " + actual.shape());
        }
        assertClose(c, arrayName, actual.toArray());
    }

    /** Compares values (row-major, in the expected array's shape) with the case's expected array. */
    public static void assertClose(ReferenceCase c, String arrayName, float[] actual) {
        assertClose(c.toString(), arrayName, c.array(arrayName).dims(), c.floats(arrayName), actual);
    }

    /**
     * @param label names the case in the message
     * @param dims  the shape, used to print the failing index as coordinates
     * @throws AssertionError naming the case, the array, the first failing coordinates and both values
     */
    public static void assertClose(String label, String arrayName, int[] dims, float[] expected, float[] actual) {
        if (expected.length != actual.length) {
            throw new AssertionError(label + ", array " + arrayName + " " + Arrays.toString(dims) + ": expected "
                    + expected.length + " values, got " + actual.length);
        }
        int first = firstMismatch(expected, actual);
        if (first < 0) {
            return;
        }
        double maxRef = maxAbs(expected);
        int bad = 0;
        for (int i = 0; i < expected.length; i++) {
            bad += close(expected[i], actual[i], maxRef) ? 0 : 1;
        }
        double ref = expected[first];
        double got = actual[first];
        throw new AssertionError(String.format(
                "%s, array %s %s: first mismatch at %s: got %s, expected %s (|got - ref| = %.3g > %.3g = "
                        + "1e-4*|ref| + 1e-5*max|ref|, max|ref| = %.4g); %d of %d elements differ",
                label, arrayName, Arrays.toString(dims), coordinates(dims, first), actual[first], expected[first],
                Math.abs(got - ref), tolerance(ref, maxRef), maxRef, bad, expected.length));
    }

    /** The index of the first element outside the tolerance, or -1 when all are within it. */
    public static int firstMismatch(float[] expected, float[] actual) {
        if (expected.length != actual.length) {
            throw new IllegalArgumentException("expected " + expected.length + " values, got " + actual.length);
        }
        double maxRef = maxAbs(expected);
        for (int i = 0; i < expected.length; i++) {
            if (!close(expected[i], actual[i], maxRef)) {
                return i;
            }
        }
        return -1;
    }

    /** A flat row-major index as coordinates in {@code dims}, e.g. {@code (1, 2, 0, 3)}. */
    public static String coordinates(int[] dims, long index) {
        long[] at = new long[dims.length];
        long rest = index;
        for (int d = dims.length - 1; d >= 0; d--) {
            at[d] = rest % dims[d];
            rest /= dims[d];
        }
        StringBuilder s = new StringBuilder("(");
        for (int d = 0; d < at.length; d++) {
            s.append(d == 0 ? "" : ", ").append(at[d]);
        }
        return s.append(')').toString();
    }

    // Written so that a NaN on either side fails: every comparison with NaN is false.
    private static boolean close(double ref, double got, double maxRef) {
        return Math.abs(got - ref) <= tolerance(ref, maxRef);
    }

    private static double tolerance(double ref, double maxRef) {
        return RELATIVE * Math.abs(ref) + OF_MAX * maxRef;
    }

    private static double maxAbs(float[] values) {
        double m = 0;
        for (float v : values) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
