package dev.stride.ops;

import dev.stride.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * ReLU on the Vector API gives the plain loops' bits, special values included (NaN, infinities,
 * both zeros), at offsets and lengths that leave a scalar tail. The layer tests (ActivationsTest,
 * gradient checks, reference cases) run whichever path the JVM takes, the Vector API's in this build.
 */
class VectorActivationsTest {

    @ParameterizedTest(name = "{0} floats")
    @ValueSource(ints = {1, 15, 16, 17, 1000, 4099})
    void reluMatchesThePlainLoopsBitwise(int count) {
        try (Arena arena = Arena.ofConfined()) {
            int off = 3; // every operand starts off the vector alignment
            Tensor x = values(arena, count + off, 1);
            Tensor dy = values(arena, count + off, 2);
            Tensor plain = Tensor.zeros(arena, count + off);
            Tensor vector = Tensor.zeros(arena, count + off);

            Activations.reluForwardPlain(x.segment(), off, plain.segment(), off, count);
            VectorActivations.reluForward(x.segment(), off, vector.segment(), off, count);
            assertArrayEquals(plain.toArray(), vector.toArray(), "forward");

            Tensor dxPlain = Tensor.zeros(arena, count + off);
            Tensor dxVector = Tensor.zeros(arena, count + off);
            Activations.reluBackwardPlain(plain.segment(), off, dy.segment(), off, dxPlain.segment(), off, count);
            VectorActivations.reluBackward(plain.segment(), off, dy.segment(), off, dxVector.segment(), off, count);
            assertArrayEquals(dxPlain.toArray(), dxVector.toArray(), "backward");
        }
    }

    /** Random values with every special value among them. */
    private static Tensor values(Arena arena, int count, long seed) {
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE};
        SplittableRandom random = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(arena, count);
        for (int i = 0; i < count; i++) {
            float v = random.nextInt(4) == 0 ? special[random.nextInt(special.length)] : (float) random.nextDouble(-2, 2);
            t.setFlat(i, v);
        }
        return t;
    }
}
