package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.testing.Allocations;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Max pooling built for inference, which neither keeps nor computes the argmax: the training
 * build's outputs to the bit, no argmax memory, and no heap allocation once compiled.
 */
class MaxPoolBuildsTest {
    private static final PoolSpec[] SPECS = {
            PoolSpec.of(2, 2).withFloor(true),                  // the 2x2 path
            PoolSpec.of(3, 2).withPadding(1).withFloor(true),   // ResNet's stem
            PoolSpec.of(3, 1).withPadding(1).withCeil(true),    // GoogLeNet's pool branch
            PoolSpec.of(3, 2).withCeil(true),                   // GoogLeNet's rounded-up pools
            new PoolSpec(5, 4, 3, 2, true, false),              // a wide window, floored
    };

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 2})
    void anInferenceBuildGivesTheTrainingBuildsOutputsToTheBit(int threads) {
        Shape in = Shape.of(4, 3, 23, 37);
        for (PoolSpec spec : SPECS) {
            try (Arena arena = Arena.ofShared()) {
                Tensor x = values(arena, in);
                MaxPool2d training = new MaxPool2d(spec);
                training.build(in, arena, BuildOptions.training().withThreads(threads));
                MaxPool2d inference = new MaxPool2d(spec);
                inference.build(in, arena, BuildOptions.inference().withThreads(threads));
                assertArrayEquals(bits(training.forward(x)), bits(inference.forward(x)), spec.toString());
            }
        }
    }

    @ParameterizedTest(name = "{0}x{0} input")
    @ValueSource(ints = {8, 9})
    void anInferenceBuildKeepsNoArgmax(int side) {
        Shape in = Shape.of(2, 3, side, side);
        for (PoolSpec spec : SPECS) {
            long training;
            long inference;
            try (CountingArena arena = new CountingArena()) {
                new MaxPool2d(spec).build(in, arena, BuildOptions.training().withThreads(1));
                training = arena.bytes();
            }
            try (CountingArena arena = new CountingArena()) {
                new MaxPool2d(spec).build(in, arena, BuildOptions.inference().withThreads(1));
                inference = arena.bytes();
            }
            long inputGradient = in.size() * Float.BYTES;
            long argmax = new MaxPool2d(spec).outputShape(in).size() * Integer.BYTES;
            assertEquals(inputGradient + argmax, training - inference, spec.toString());
        }
    }

    @ParameterizedTest(name = "training {0}")
    @ValueSource(booleans = {false, true})
    void aForwardAllocatesNothingOnceCompiled(boolean training) {
        Shape in = Shape.of(2, 8, 30, 30);
        for (PoolSpec spec : SPECS) {
            try (Arena arena = Arena.ofConfined()) {
                MaxPool2d pool = new MaxPool2d(spec);
                pool.build(in, arena, (training ? BuildOptions.training() : BuildOptions.inference()).withThreads(1));
                Tensor x = values(arena, in);
                pool.forward(x); // grows this thread's scratch
                long perPass = Allocations.perCallOnceCompiled(50, 64, i -> pool.forward(x));
                assertTrue(perPass < 64, spec + ": a forward still allocated " + perPass + " bytes");
            }
        }
    }

    /** Few distinct values, so that windows tie, with both zeros and NaNs among them. */
    private static Tensor values(Arena arena, Shape shape) {
        float[] special = {Float.NaN, 0f, -0f, Float.NEGATIVE_INFINITY};
        SplittableRandom random = new SplittableRandom(3);
        Tensor x = Tensor.zeros(arena, shape);
        for (long i = 0; i < x.size(); i++) {
            x.setFlat(i, random.nextInt(8) == 0 ? special[random.nextInt(special.length)] : random.nextInt(-3, 4) * 0.5f);
        }
        return x;
    }

    private static int[] bits(Tensor t) {
        float[] v = t.toArray();
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Float.floatToRawIntBits(v[i]);
        }
        return b;
    }
}
