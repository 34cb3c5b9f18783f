package dev.stride.ops;

/**
 * exp for floats in a form C2 auto-vectorises, for the activations that need it (sigmoid, ELU,
 * SiLU). Math.exp has an intrinsic but only a scalar one, and it left those layers far behind
 * PyTorch (docs/design-measurements.md).
 *
 * <p>Cody-Waite range reduction x = n*ln2 + r with |r| <= ln2/2, Cephes' degree-7 minimax
 * polynomial for e^r (relative error below 1e-7 in float), and the scale 2^n built from its
 * exponent bits. The array kernel works in two loops on purpose: C2 vectorises float-int
 * conversions, min and max but not Float.intBitsToFloat, so the first loop (all the arithmetic)
 * vectorises and only the cheap bit reinterpretation in the second runs scalar.
 *
 * <p>Results: relative error below 4e-7 for x in [-87, 88.3]; 0 for x below about -87.34 (no
 * subnormals) and +inf above about 88.38 (just short of float's own overflow at 88.72); exp(NaN)
 * is NaN, exp(-inf) is 0, exp(+inf) is +inf and exp(0) is exactly 1.
 */
public final class FastExp {
    /** Elements per chunk in the array kernels' scratch: small enough to stay in cache (as HeapChunks.SIZE). */
    public static final int CHUNK = 4096;

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f; // few mantissa bits, so n*LN2_HI is exact
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f; // 1.5*2^23: adding and subtracting it rounds to an integer
    private static final float LO = -87.33654f; // ln(2^-126): below, 2^n would need subnormal bits
    private static final float HI = 88.37626f; // 127.5*ln2: above, n would reach 128
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;
    private static final float STEP = 0x1p100f;

    private FastExp() {
    }

    /** One value; the same arithmetic as the array kernel, bit for bit. */
    public static float exp(float x) {
        float v = Math.min(Math.max(x, LO), HI);
        float nf = (v * LOG2E + ROUND) - ROUND;
        return mantissa(x, v, nf) * Float.intBitsToFloat(((int) nf + 127) << 23);
    }

    /**
     * Overwrites y[0..len) with exp(x[0..len)); y may be x. bits is scratch of at least len ints.
     */
    public static void exp(float[] x, float[] y, int[] bits, int len) {
        for (int i = 0; i < len; i++) {
            float xv = x[i];
            float v = Math.min(Math.max(xv, LO), HI);
            float nf = (v * LOG2E + ROUND) - ROUND;
            bits[i] = ((int) nf + 127) << 23;
            y[i] = mantissa(xv, v, nf);
        }
        for (int i = 0; i < len; i++) {
            y[i] *= Float.intBitsToFloat(bits[i]);
        }
    }

    /**
     * e^r for r = v - nf*ln2, times two steps built from min and max rather than branches (C2
     * vectorises those, not float selects): 0 when x is below LO, huge (so the product overflows
     * to +inf) when x is above HI. NaN passes through both.
     */
    private static float mantissa(float x, float v, float nf) {
        float r = v - nf * LN2_HI - nf * LN2_LO;
        float p = ((((P0 * r + P1) * r + P2) * r + P3) * r + P4) * r + P5;
        p = p * r * r + r + 1f;
        float under = Math.min(Math.max((x - LO) * STEP, 0f), 1f);
        float over = Math.max((x - HI) * STEP, 1f);
        return p * under * over;
    }
}
