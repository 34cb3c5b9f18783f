package dev.stride.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static dev.stride.tensor.Tensor.FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The depthwise loops on the Vector API against the plain loops, to the bit: forward, input
 * gradient (the gather form at stride 1, the scatter at larger strides) and the folded weight and
 * bias gradients over several planes, at sizes that leave scalar tails; backward over stacks of
 * planes against one plane at a time. The layer tests
 * (Conv2dTest, GroupedConvTest, the reference cases) check the results themselves, on the Vector
 * API in this JVM and on the plain loops in the build's JVM without it.
 */
class DepthwiseTest {

    @ParameterizedTest(name = "{0}x{1}, {2}x{3} stride {4} pad {5}")
    @CsvSource({"48, 48, 3, 3, 1, 1", "48, 48, 3, 3, 2, 1", "7, 9, 3, 3, 1, 1", "9, 7, 3, 3, 2, 0", "13, 11, 5, 5, 1, 2",
            "10, 11, 2, 3, 3, 2", "5, 5, 1, 1, 2, 0", "21, 20, 3, 3, 2, 1",
            "12, 70, 3, 3, 2, 1", "11, 67, 3, 3, 2, 0", "3, 3, 3, 3, 1, 1", "6, 6, 3, 3, 2, 1"})
    void vectorLoopsMatchThePlainLoopsBitwise(int h, int w, int kH, int kW, int stride, int pad) {
        assertTrue(VectorSupport.enabled(), "the tests run with --add-modules " + VectorSupport.MODULE);
        int outH = (h + 2 * pad - kH) / stride + 1;
        int outW = (w + 2 * pad - kW) / stride + 1;
        int filters = 2;
        int planes = 3;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = random(arena, planes * h * w, 1);
            MemorySegment weights = random(arena, filters * kH * kW, 2);
            MemorySegment dy = random(arena, planes * filters * outH * outW, 3);
            float[][] results = new float[2][];
            for (int v = 0; v < 2; v++) {
                Depthwise d = new Depthwise(h, w, kH, kW, stride, pad, outH, outW, v == 1);
                Depthwise.Planes p = d.planes(true, filters, 1);
                MemorySegment y = arena.allocate((long) planes * filters * outH * outW * Float.BYTES);
                MemorySegment dx = arena.allocate((long) planes * h * w * Float.BYTES);
                MemorySegment dw = arena.allocate((long) filters * kH * kW * Float.BYTES);
                MemorySegment db = arena.allocate((long) filters * Float.BYTES);
                d.clearSums(p);
                for (int s = 0; s < planes; s++) {
                    d.loadInput(x, (long) s * h * w, p);
                    d.clearInputGrad(p);
                    for (int f = 0; f < filters; f++) {
                        d.loadFilter(weights, 0, f, p);
                        long plane = ((long) s * filters + f) * outH * outW;
                        d.forward(0.25f * f, p, y, plane);
                        d.loadGradient(dy, plane, p);
                        d.accumulateParameterGrads(f, p);
                        d.accumulateInputGrad(p);
                    }
                    d.storeInputGrad(p, dx, (long) s * h * w);
                }
                for (int f = 0; f < filters; f++) {
                    d.finishParameterGrads(f, p, dw, (long) f * kH * kW, true, db, f);
                }
                results[v] = concat(y, dx, dw, db);
            }
            assertArrayEquals(results[0], results[1]);

            // Backward over stacks of planes (2, then the last 1) against one plane at a time: the
            // input gradient to the bit, the weight and bias gradients (folded in another order)
            // within rounding; and the stacked loops on the Vector API against the plain ones.
            float[][] oneAtATime = backward(h, w, kH, kW, stride, pad, 1, true, x, weights, dy, arena);
            float[][] stacked = backward(h, w, kH, kW, stride, pad, 2, true, x, weights, dy, arena);
            float[][] stackedPlain = backward(h, w, kH, kW, stride, pad, 2, false, x, weights, dy, arena);
            assertArrayEquals(oneAtATime[0], stacked[0], "input gradient");
            assertClose(oneAtATime[1], stacked[1], 1e-4f, "weight and bias gradients"); // a 48x48 plane folds 2,304 products per tap
            assertArrayEquals(stackedPlain[0], stacked[0]);
            assertArrayEquals(stackedPlain[1], stacked[1]);
        }
    }

    /** Depthwise backward of one channel's samples in stacks of {@code stack}: {dx, dW and dB}. */
    private static float[][] backward(int h, int w, int kH, int kW, int stride, int pad, int stack, boolean vector,
                                      MemorySegment x, MemorySegment weights, MemorySegment dy, Arena arena) {
        int outH = (h + 2 * pad - kH) / stride + 1;
        int outW = (w + 2 * pad - kW) / stride + 1;
        int filters = (int) (weights.byteSize() / Float.BYTES / (kH * kW));
        int samples = (int) (x.byteSize() / Float.BYTES / (h * w));
        Depthwise d = new Depthwise(h, w, kH, kW, stride, pad, outH, outW, vector);
        Depthwise.Planes p = d.planes(true, filters, stack);
        MemorySegment dx = arena.allocate((long) samples * h * w * Float.BYTES);
        MemorySegment dw = arena.allocate((long) filters * kH * kW * Float.BYTES);
        MemorySegment db = arena.allocate((long) filters * Float.BYTES);
        d.clearSums(p);
        for (int s0 = 0; s0 < samples; s0 += stack) {
            int count = Math.min(stack, samples - s0);
            for (int i = 0; i < count; i++) {
                d.loadInput(x, (long) (s0 + i) * h * w, p, i);
            }
            d.clearInputGrad(p);
            for (int f = 0; f < filters; f++) {
                for (int i = 0; i < count; i++) {
                    d.loadGradient(dy, ((long) (s0 + i) * filters + f) * outH * outW, p, i);
                }
                d.accumulateParameterGrads(f, p, count);
                d.loadFilter(weights, 0, f, p);
                d.accumulateInputGrad(p, count);
            }
            for (int i = 0; i < count; i++) {
                d.storeInputGrad(p, i, dx, (long) (s0 + i) * h * w);
            }
        }
        for (int f = 0; f < filters; f++) {
            d.finishParameterGrads(f, p, dw, (long) f * kH * kW, true, db, f);
        }
        return new float[][] {dx.toArray(FLOAT), concat(dw, db)};
    }

    private static void assertClose(float[] expected, float[] actual, float tolerance, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance * Math.max(1, Math.abs(expected[i])), what + " at " + i);
        }
    }

    /**
     * A fused batch norm and ReLU6 applied on the heap before the plane is stored gives the bits of
     * the separate pass over the stored plane, on either loop, with a mean that float rounds.
     */
    @ParameterizedTest(name = "{0}x{1}, {2}x{3} stride {4} pad {5}")
    @CsvSource({"14, 14, 3, 3, 1, 1", "7, 7, 3, 3, 1, 1", "28, 28, 3, 3, 2, 1", "9, 7, 3, 3, 2, 0", "13, 11, 5, 5, 1, 2"})
    void normalizingBeforeTheStoreMatchesTheSeparatePass(int h, int w, int kH, int kW, int stride, int pad) {
        int outH = (h + 2 * pad - kH) / stride + 1;
        int outW = (w + 2 * pad - kW) / stride + 1;
        int plane = outH * outW;
        double mean = 0.1 + 1e-9;
        float scale = 7.5f;
        float beta = 0.5f;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = random(arena, h * w, 4);
            MemorySegment weights = random(arena, kH * kW, 5);
            for (boolean vector : new boolean[] {false, true}) {
                Depthwise d = new Depthwise(h, w, kH, kW, stride, pad, outH, outW, vector);
                Depthwise.Planes p = d.planes(false, 1, 1);
                MemorySegment separate = arena.allocate((long) plane * Float.BYTES);
                MemorySegment fused = arena.allocate((long) plane * Float.BYTES);
                d.loadInput(x, 0, p);
                d.loadFilter(weights, 0, 0, p);
                d.forward(0.25f, p, separate, 0);
                BatchNorm.normalize(1, 1, plane, 0, mean, scale, beta, 0f, 6f, separate, 0, separate, 0);
                d.forwardNormalized(0.25f, mean, scale, beta, 0f, 6f, p, fused, 0);
                float[] expected = separate.toArray(FLOAT);
                assertArrayEquals(expected, fused.toArray(FLOAT), "vector " + vector);
                assertTrue(contains(expected, 0f) && contains(expected, 6f), "the clamp is exercised at both ends");
            }
        }
    }

    private static boolean contains(float[] a, float v) {
        for (float f : a) {
            if (f == v) {
                return true;
            }
        }
        return false;
    }

    @Test
    void windowsThatDoNotFitAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Depthwise(5, 5, 3, 3, 1, 0, 4, 3, false));
        assertTrue(e.getMessage().contains("4x3 windows of 3x3"), e.getMessage());
    }

    private static MemorySegment random(Arena arena, int n, long seed) {
        MemorySegment s = arena.allocate((long) n * Float.BYTES);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            s.setAtIndex(FLOAT, i, (float) r.nextDouble(-1, 1));
        }
        return s;
    }

    private static float[] concat(MemorySegment... segments) {
        int n = 0;
        for (MemorySegment s : segments) {
            n += (int) (s.byteSize() / Float.BYTES);
        }
        float[] out = new float[n];
        int at = 0;
        for (MemorySegment s : segments) {
            int len = (int) (s.byteSize() / Float.BYTES);
            MemorySegment.copy(s, FLOAT, 0, out, at, len);
            at += len;
        }
        return out;
    }
}
