package dev.stride.ops;

import dev.stride.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Batch norm's per-element pass on the Vector API against the plain loop, to the bit, with and
 * without the clamp a fused activation adds (none, ReLU, ReLU6), in place and not, with a mean
 * that needs its low part, at planes that leave a scalar tail; and the clamped pass against the
 * batch norm pass followed by the activation's own loop, which is what fusion relies on.
 */
class VectorBatchNormTest {
    private static final float INF = Float.POSITIVE_INFINITY;

    @ParameterizedTest(name = "n {0}, C {1}, plane {2}, clamp [{3}, {4}]")
    @CsvSource({"1, 1, 1, -Infinity, Infinity", "2, 3, 17, -Infinity, Infinity", "2, 3, 17, 0, Infinity", "3, 5, 49, 0, 6",
            "1, 2, 1024, 0, 6", "2, 4, 15, 0, Infinity"})
    void theVectorPassMatchesThePlainLoopBitwise(int n, int channels, int plane, float min, float max) {
        try (Arena arena = Arena.ofConfined()) {
            int size = n * channels * plane;
            Tensor x = values(arena, size, 1);
            Tensor plain = Tensor.zeros(arena, size);
            Tensor vector = Tensor.zeros(arena, size);
            Tensor inPlace = Tensor.zeros(arena, size);
            inPlace.copyFrom(x.toArray());
            for (int c = 0; c < channels; c++) {
                double mean = 0.3 + c + 1e-9 * (c + 1); // hi and a non-zero lo
                float hi = (float) mean;
                float lo = (float) (mean - hi);
                float scale = 1.5f + 0.25f * c;
                float beta = -0.5f + c;
                BatchNorm.normalizePlain(n, channels, plane, c, hi, lo, scale, beta, min, max, x.segment(), 0, plain.segment(), 0);
                VectorBatchNorm.normalize(n, channels, plane, c, hi, lo, scale, beta, min, max, x.segment(), 0, vector.segment(), 0);
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

    /** Values around 0 and 6 after the affine, with the special values among them. */
    private static Tensor values(Arena arena, int count, long seed) {
        float[] special = {Float.NaN, INF, -INF, 0f, -0f, Float.MIN_VALUE};
        SplittableRandom random = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(arena, count);
        for (int i = 0; i < count; i++) {
            t.setFlat(i, random.nextInt(8) == 0 ? special[random.nextInt(special.length)] : (float) random.nextDouble(-4, 8));
        }
        return t;
    }
}
