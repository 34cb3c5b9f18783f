package dev.stride.testing;

import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

import java.util.Arrays;

/** Element-wise comparison that reports the first bad coordinate as (n, c, h, w). */
public final class TensorAssert {
    private TensorAssert() {
    }

    /** Asserts {@code |actual - expected| <= atol + rtol * |expected|} everywhere (NaN never passes). */
    public static void assertClose(float[] expected, Tensor actual, double rtol, double atol) {
        assertClose(expected, actual.toArray(), actual.shape(), rtol, atol, "");
    }

    public static void assertClose(Tensor expected, Tensor actual, double rtol, double atol) {
        if (!expected.shape().equals(actual.shape())) {
            throw new AssertionError("shape: expected " + expected.shape() + ", got " + actual.shape());
        }
        assertClose(expected.toArray(), actual.toArray(), actual.shape(), rtol, atol, "");
    }

    public static void assertClose(float[] expected, float[] actual, Shape shape, double rtol, double atol, String what) {
        if (expected.length != actual.length) {
            throw new AssertionError(what + " length: expected " + expected.length + ", got " + actual.length);
        }
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            double a = actual[i];
            if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
                String at = shape != null && shape.size() == expected.length
                        ? Arrays.toString(shape.indexOf(i)).replace('[', '(').replace(']', ')')
                        : "(" + i + ")";
                throw new AssertionError(what + (what.isEmpty() ? "" : " ") + "differs at " + at
                        + ": expected " + e + ", got " + a + " (rtol " + rtol + ", atol " + atol + ")");
            }
        }
    }
}
