package dev.stride.ops;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FastExpTest {

    /** Every float step of 1e-3 over [-100, 100] through the array kernel, checked against Math.exp. */
    @Test
    void matchesMathExpOverADenseSweep() {
        int count = 200_001;
        float[] x = new float[count];
        for (int i = 0; i < count; i++) {
            x[i] = -100f + i * 1e-3f;
        }
        float[] y = new float[count];
        FastExp.exp(x, y, new int[count], count);
        double maxRel = 0;
        for (int i = 0; i < count; i++) {
            double ref = Math.exp(x[i]);
            if (x[i] >= -87f && x[i] <= 88.3f) {
                maxRel = Math.max(maxRel, Math.abs(y[i] - ref) / ref);
            } else if (x[i] < -87.34f) {
                assertEquals(0f, y[i], "exp(" + x[i] + ")");
            } else if (x[i] > 88.38f) {
                assertEquals(Float.POSITIVE_INFINITY, y[i], "exp(" + x[i] + ")");
            } else {
                // the narrow bands at the ends are within a factor of the true value or flushed
                assertTrue(y[i] == 0f || y[i] == Float.POSITIVE_INFINITY || Math.abs(y[i] - ref) <= 4e-7 * ref,
                        "exp(" + x[i] + ") = " + y[i]);
            }
            assertEquals(y[i], FastExp.exp(x[i]), "scalar and array kernels differ at " + x[i]);
        }
        assertTrue(maxRel <= 4e-7, "max relative error " + maxRel);
    }

    @Test
    void specialValues() {
        float[] x = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 1f, Float.MAX_VALUE, -Float.MAX_VALUE};
        float[] y = new float[x.length];
        FastExp.exp(x, y, new int[x.length], x.length);
        assertTrue(Float.isNaN(y[0]));
        assertEquals(Float.POSITIVE_INFINITY, y[1]);
        assertEquals(0f, y[2]);
        assertEquals(1f, y[3]);
        assertEquals(1f, y[4]);
        assertEquals((float) Math.E, y[5], 2e-7f);
        assertEquals(Float.POSITIVE_INFINITY, y[6]);
        assertEquals(0f, y[7]);
        assertTrue(Float.isNaN(FastExp.exp(Float.NaN)));
    }

    /** y may be x: the kernel reads each element before it overwrites it. */
    @Test
    void worksInPlace() {
        float[] x = {-3f, 0.5f, 10f};
        FastExp.exp(x, x, new int[3], 3);
        assertEquals((float) Math.exp(-3), x[0], 1e-7f * x[0]);
        assertEquals((float) Math.exp(0.5), x[1], 1e-7f * 2);
        assertEquals((float) Math.exp(10), x[2], 4e-7f * x[2]);
    }

    /** The activations built on it keep NaN, saturate at the infinities and never make NaN from finite input. */
    @Test
    void activationsHandleSpecialValues() {
        float[] in = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 200f, -200f, 0f, -1e-5f};
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            var x = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_FLOAT, in);
            var y = arena.allocate(4L * in.length);
            Activations.sigmoidForward(x, 0, y, 0, in.length);
            float[] s = y.toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
            assertTrue(Float.isNaN(s[0]));
            assertEquals(1f, s[1]);
            assertEquals(0f, s[2]);
            assertEquals(1f, s[3]);
            assertEquals(0f, s[4]);
            assertEquals(0.5f, s[5]);
            Activations.eluForward(1.5f, x, 0, y, 0, in.length);
            float[] e = y.toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
            assertTrue(Float.isNaN(e[0]));
            assertEquals(Float.POSITIVE_INFINITY, e[1]);
            assertEquals(-1.5f, e[2]);
            assertEquals(200f, e[3]);
            assertEquals(-1.5f, e[4]);
            assertEquals(0f, e[5]);
            assertEquals(1.5 * Math.expm1(-1e-5), e[6], 1e-7 * 1.5e-5);
            Activations.siluForward(x, 0, y, 0, in.length);
            float[] u = y.toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
            assertTrue(Float.isNaN(u[0]));
            assertEquals(Float.POSITIVE_INFINITY, u[1]);
            assertEquals(200f, u[3]);
            assertEquals(-0f, u[4], 1e-30f);
        }
    }
}
