package dev.stride.ops;

import dev.stride.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Batch norm's Vector API loops against the plain ones, to the bit: the statistics and gradient
 * sums (same slots, same order), normalisation (also with a fused activation's clamp) and both
 * input gradients, on planes that are whole blocks of 16, shorter than one, and with tails, with a
 * mean far from zero. BatchNormTest and the
 * reference cases check the values themselves on whichever path the JVM takes.
 */
class VectorBatchNormTest {
    private static final int CHANNELS = 3;
    private static final float NO_MIN = Float.NEGATIVE_INFINITY;
    private static final float NO_MAX = Float.POSITIVE_INFINITY;

    @ParameterizedTest(name = "n {0}, plane {1}")
    @CsvSource({"1, 1", "2, 9", "3, 15", "2, 16", "3, 17", "4, 36", "2, 144", "1, 1000", "2, 1024"})
    void everyPassMatchesThePlainLoopsBitwise(int n, int plane) {
        assertTrue(VectorSupport.enabled(), "the tests run with --add-modules " + VectorSupport.MODULE);
        int size = n * CHANNELS * plane;
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = values(arena, size, 1, 1000f);
            Tensor dy = values(arena, size, 2, 0f);
            for (int c = 0; c < CHANNELS; c++) {
                double[] meanP = new double[CHANNELS];
                double[] varP = new double[CHANNELS];
                double[] meanV = new double[CHANNELS];
                double[] varV = new double[CHANNELS];
                BatchNorm.statistics(n, CHANNELS, plane, c, x.segment(), 0, meanP, varP, false);
                BatchNorm.statistics(n, CHANNELS, plane, c, x.segment(), 0, meanV, varV, true);
                assertEquals(meanP[c], meanV[c], 0, "mean");
                assertEquals(varP[c], varV[c], 0, "variance");

                Tensor yP = Tensor.zeros(arena, size);
                Tensor yV = Tensor.zeros(arena, size);
                BatchNorm.normalize(n, CHANNELS, plane, c, meanP[c], 0.7f, -0.2f, NO_MIN, NO_MAX, x.segment(), 0, yP.segment(), 0, false);
                BatchNorm.normalize(n, CHANNELS, plane, c, meanP[c], 0.7f, -0.2f, NO_MIN, NO_MAX, x.segment(), 0, yV.segment(), 0, true);
                assertArrayEquals(yP.toArray(), yV.toArray(), "normalised");

                double[] sP = new double[CHANNELS];
                double[] pP = new double[CHANNELS];
                double[] sV = new double[CHANNELS];
                double[] pV = new double[CHANNELS];
                Tensor dxP = Tensor.zeros(arena, size);
                Tensor dxV = Tensor.zeros(arena, size);
                BatchNorm.gradientSums(n, CHANNELS, plane, c, meanP[c], x.segment(), 0, dy.segment(), 0, null, 0, 0f, sP, pP, 1.3f,
                        dxP.segment(), 0, false);
                BatchNorm.gradientSums(n, CHANNELS, plane, c, meanP[c], x.segment(), 0, dy.segment(), 0, null, 0, 0f, sV, pV, 1.3f,
                        dxV.segment(), 0, true);
                assertEquals(sP[c], sV[c], 0, "sum of dy");
                assertEquals(pP[c], pV[c], 0, "sum of dy * (x - mean)");
                assertArrayEquals(dxP.toArray(), dxV.toArray(), "dx with fixed statistics");

                BatchNorm.inputGrad(n, CHANNELS, plane, c, meanP[c], 1.3f, 0.01f, 0.02f, x.segment(), 0, dy.segment(), 0,
                        null, 0, 0f, dxP.segment(), 0, false);
                BatchNorm.inputGrad(n, CHANNELS, plane, c, meanP[c], 1.3f, 0.01f, 0.02f, x.segment(), 0, dy.segment(), 0,
                        null, 0, 0f, dxV.segment(), 0, true);
                assertArrayEquals(dxP.toArray(), dxV.toArray(), "dx with batch statistics");
            }
        }
    }

    /** The slots change the order of the sums, not their accuracy: a mean of 1e4 with a spread of 0.1. */
    @Test
    void theSlottedSumsStayExactWhereTheMeanDwarfsTheSpread() {
        int n = 4;
        int plane = 100;
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.zeros(arena, n * plane);
            float[] v = new float[n * plane];
            double sum = 0;
            for (int i = 0; i < v.length; i++) {
                v[i] = 10_000f + (i % 2 == 0 ? 0.125f : -0.125f) * (i % 5);
                sum += v[i];
            }
            x.copyFrom(v);
            double mean = sum / v.length;
            double sq = 0;
            for (float f : v) {
                sq += (f - mean) * (f - mean);
            }
            for (boolean vector : new boolean[] {false, true}) {
                double[] m = new double[1];
                double[] var = new double[1];
                BatchNorm.statistics(n, 1, plane, 0, x.segment(), 0, m, var, vector);
                assertEquals(mean, m[0], 1e-9);
                assertEquals(sq / v.length, var[0], 1e-9);
            }
        }
    }

    /**
     * The per-element pass with the clamp a fused activation adds (none, ReLU, ReLU6): Vector API
     * against plain loop, in place and not, with a mean that needs its low part, special values
     * among the inputs; and the clamped pass against the batch norm pass followed by the
     * activation's own loop, which is what fusion relies on.
     */
    @ParameterizedTest(name = "n {0}, C {1}, plane {2}, clamp [{3}, {4}]")
    @CsvSource({"1, 1, 1, -Infinity, Infinity", "2, 3, 17, -Infinity, Infinity", "2, 3, 17, 0, Infinity", "3, 5, 49, 0, 6",
            "1, 2, 1024, 0, 6", "2, 4, 15, 0, Infinity"})
    void theClampedPassMatchesThePlainLoopAndTheActivationAfterIt(int n, int channels, int plane, float min, float max) {
        try (Arena arena = Arena.ofConfined()) {
            int size = n * channels * plane;
            Tensor x = special(arena, size, 1);
            Tensor plain = Tensor.zeros(arena, size);
            Tensor vector = Tensor.zeros(arena, size);
            Tensor inPlace = Tensor.zeros(arena, size);
            inPlace.copyFrom(x.toArray());
            for (int c = 0; c < channels; c++) {
                double mean = 0.3 + c + 1e-9 * (c + 1); // hi and a non-zero lo
                float scale = 1.5f + 0.25f * c;
                float beta = -0.5f + c;
                BatchNorm.normalize(n, channels, plane, c, mean, scale, beta, min, max, x.segment(), 0, plain.segment(), 0, false);
                BatchNorm.normalize(n, channels, plane, c, mean, scale, beta, min, max, x.segment(), 0, vector.segment(), 0, true);
                BatchNorm.normalize(n, channels, plane, c, mean, scale, beta, min, max, inPlace.segment(), 0, inPlace.segment(), 0);
            }
            assertArrayEquals(plain.toArray(), vector.toArray(), "vector against plain");
            assertArrayEquals(plain.toArray(), inPlace.toArray(), "in place");

            Tensor unclamped = Tensor.zeros(arena, size);
            Tensor activated = Tensor.zeros(arena, size);
            for (int c = 0; c < channels; c++) {
                double mean = 0.3 + c + 1e-9 * (c + 1);
                BatchNorm.normalize(n, channels, plane, c, mean, 1.5f + 0.25f * c, -0.5f + c, x.segment(), 0, unclamped.segment(), 0);
            }
            if (max == 6) {
                Activations.relu6Forward(unclamped.segment(), 0, activated.segment(), 0, size);
            } else if (min == 0) {
                Activations.reluForward(unclamped.segment(), 0, activated.segment(), 0, size);
            } else {
                activated.copyFrom(unclamped.toArray());
            }
            assertArrayEquals(activated.toArray(), plain.toArray(), "batch norm, then the activation layer's loop");
        }
    }

    /**
     * The backward passes through a fused ReLU (ceiling NaN) or ReLU6 (ceiling 6): Vector API and
     * plain loops against each other and against the activation's own backward followed by the
     * unfused passes, to the bit, with y holding 0, 6, NaN, infinities and values around them.
     */
    @ParameterizedTest(name = "n {0}, plane {1}, ceiling {2}")
    @CsvSource({"2, 9, 6", "3, 17, 6", "2, 36, NaN", "1, 1024, 6", "4, 15, NaN", "2, 64, NaN"})
    void theFusedActivationGradientMatchesTheActivationsBackwardThenBatchNorm(int n, int plane, float ceiling) {
        int size = n * CHANNELS * plane;
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = values(arena, size, 3, 2f);
            Tensor dy = values(arena, size, 4, 0f);
            Tensor y = special(arena, size, 5);
            for (int i = 0; i < size; i += 7) {
                y.setFlat(i, i % 2 == 0 ? 6f : 0f); // the activations' edges, where the gradient is 0
            }
            Tensor g = Tensor.zeros(arena, size);
            if (Float.isNaN(ceiling)) {
                Activations.reluBackward(y.segment(), 0, dy.segment(), 0, g.segment(), 0, size);
            } else {
                Activations.relu6Backward(y.segment(), 0, dy.segment(), 0, g.segment(), 0, size);
            }
            for (int c = 0; c < CHANNELS; c++) {
                double mean = 2 + 0.01 * c;
                double[][] sums = new double[6][CHANNELS];
                Tensor[] dxFixed = {Tensor.zeros(arena, size), Tensor.zeros(arena, size), Tensor.zeros(arena, size)};
                Tensor[] dxBatch = {Tensor.zeros(arena, size), Tensor.zeros(arena, size), Tensor.zeros(arena, size)};
                BatchNorm.gradientSums(n, CHANNELS, plane, c, mean, x.segment(), 0, g.segment(), 0, null, 0, 0f,
                        sums[0], sums[1], 1.3f, dxFixed[0].segment(), 0, true);
                BatchNorm.inputGrad(n, CHANNELS, plane, c, mean, 1.3f, 0.01f, 0.02f, x.segment(), 0, g.segment(), 0,
                        null, 0, 0f, dxBatch[0].segment(), 0, true);
                for (int v = 0; v < 2; v++) {
                    boolean vector = v == 1;
                    BatchNorm.gradientSums(n, CHANNELS, plane, c, mean, x.segment(), 0, dy.segment(), 0, y.segment(), 0,
                            ceiling, sums[2 + 2 * v], sums[3 + 2 * v], 1.3f, dxFixed[1 + v].segment(), 0, vector);
                    BatchNorm.inputGrad(n, CHANNELS, plane, c, mean, 1.3f, 0.01f, 0.02f, x.segment(), 0, dy.segment(), 0,
                            y.segment(), 0, ceiling, dxBatch[1 + v].segment(), 0, vector);
                }
                for (int k = 1; k < 3; k++) {
                    String path = k == 1 ? "plain" : "vector";
                    assertEquals(sums[0][c], sums[2 * k][c], 0, path + ": sum of the gradient");
                    assertEquals(sums[1][c], sums[2 * k + 1][c], 0, path + ": sum of the gradient * (x - mean)");
                    assertArrayEquals(dxFixed[0].toArray(), dxFixed[k].toArray(), path + ": dx with fixed statistics");
                    assertArrayEquals(dxBatch[0].toArray(), dxBatch[k].toArray(), path + ": dx with batch statistics");
                }
            }
        }
    }

    /** Values around 0 and 6 after the affine, with the special values among them. */
    private static Tensor special(Arena arena, int count, long seed) {
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MIN_VALUE};
        SplittableRandom random = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(arena, count);
        for (int i = 0; i < count; i++) {
            t.setFlat(i, random.nextInt(8) == 0 ? special[random.nextInt(special.length)] : (float) random.nextDouble(-4, 8));
        }
        return t;
    }

    private static Tensor values(Arena arena, int size, long seed, float mean) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = mean + (float) random.nextGaussian();
        }
        Tensor t = Tensor.zeros(arena, size);
        t.copyFrom(v);
        return t;
    }
}
