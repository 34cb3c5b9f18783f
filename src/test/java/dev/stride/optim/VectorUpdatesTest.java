package dev.stride.optim;

import dev.stride.ops.VectorSupport;
import dev.stride.testing.Allocations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static dev.stride.tensor.Tensor.FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The optimisers' Vector API loops against their plain loops, to the bit, over three steps (so the
 * velocities and moments they carry are compared too), at lengths that leave a scalar tail and
 * offsets off the vector alignment. The optimiser tests (SgdTest, AdamTest against PyTorch's
 * numbers) run whichever path the JVM takes, the Vector API's in this build.
 */
class VectorUpdatesTest {
    private static final int OFF = 3;
    private static final int STEPS = 3;

    @ParameterizedTest(name = "{0} parameters, momentum {1}, nesterov {2}, weight decay {3}")
    @CsvSource({
            "1, 0, false, 0",
            "17, 0, false, 0.01",
            "4099, 0.9, false, 0",
            "4099, 0.9, true, 0.0005",
            "33, 0.5, true, 0",
    })
    void sgdMatchesThePlainLoopBitwise(int n, float mu, boolean nesterov, float wd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pPlain = values(arena, n, 1);
            MemorySegment pVector = copy(arena, pPlain);
            MemorySegment vPlain = mu > 0 ? values(arena, n, 2) : null;
            MemorySegment vVector = mu > 0 ? copy(arena, vPlain) : null;
            for (int step = 0; step < STEPS; step++) {
                MemorySegment g = values(arena, n, 10 + step);
                Sgd.updatePlain(pPlain, OFF, g, OFF, vPlain, OFF, n, 0.05f, wd, mu, nesterov);
                VectorUpdates.sgd(pVector, OFF, g, OFF, vVector, OFF, n, 0.05f, wd, mu, nesterov);
            }
            assertSame(pPlain, pVector, "parameters");
            if (mu > 0) {
                assertSame(vPlain, vVector, "velocities");
            }
        }
    }

    @ParameterizedTest(name = "{0} parameters, decoupled {1}")
    @CsvSource({"1, false", "17, true", "4099, false", "4099, true"})
    void adamMatchesThePlainLoopBitwise(int n, boolean decoupled) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pPlain = values(arena, n, 1);
            MemorySegment pVector = copy(arena, pPlain);
            MemorySegment mPlain = values(arena, n, 2);
            MemorySegment mVector = copy(arena, mPlain);
            MemorySegment vPlain = squares(arena, n, 3);
            MemorySegment vVector = copy(arena, vPlain);
            AdamStep s = new AdamStep();
            for (int step = 1; step <= STEPS; step++) {
                s.shrink = decoupled ? 1 - 1e-3f * 0.01f : 1f;
                s.l2 = decoupled ? 0f : 0.01f;
                s.beta1 = 0.9f;
                s.oneMinusBeta1 = 0.1f;
                s.beta2 = 0.999f;
                s.oneMinusBeta2 = (float) (1 - 0.999);
                s.stepSize = (float) (1e-3 / (1 - Math.pow(0.9, step)));
                s.bc2Sqrt = (float) Math.sqrt(1 - Math.pow(0.999, step));
                s.eps = 1e-8f;
                MemorySegment g = values(arena, n, 10 + step);
                Adam.updatePlain(pPlain, OFF, g, OFF, mPlain, OFF, vPlain, OFF, n, s);
                VectorUpdates.adam(pVector, OFF, g, OFF, mVector, OFF, vVector, OFF, n, s);
            }
            assertSame(pPlain, pVector, "parameters");
            assertSame(mPlain, mVector, "first moments");
            assertSame(vPlain, vVector, "second moments");
        }
    }

    /** Once compiled, both loops allocate nothing: C2 keeps the vectors and the mask in registers. */
    @Test
    void sgdAndAdamAllocateNothingOnceCompiled() {
        assertTrue(VectorSupport.enabled(), "the tests run with --add-modules " + VectorSupport.MODULE);
        int n = 4 * VectorUpdates.MIN_FLOATS + 5;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = values(arena, n, 1);
            MemorySegment g = values(arena, n, 2);
            MemorySegment m = values(arena, n, 3);
            MemorySegment v = squares(arena, n, 4);
            AdamStep s = new AdamStep();
            s.beta1 = 0.9f;
            s.beta2 = 0.999f;
            s.bc2Sqrt = 1f;
            long perCall = Allocations.perCallOnceCompiled(200, 16, i -> {
                VectorUpdates.sgd(p, OFF, g, OFF, null, 0, n, 1e-6f, 0f, 0f, false);
                VectorUpdates.sgd(p, OFF, g, OFF, m, OFF, n, 1e-6f, 1e-4f, 0.9f, i % 2 == 0);
                VectorUpdates.adam(p, OFF, g, OFF, m, OFF, v, OFF, n, s);
            });
            assertTrue(perCall < 16, "three updates still allocated " + perCall
                    + " bytes on the Java heap after 20 s of calls (allowed 16: an occasional recompilation)");
        }
    }

    private static void assertSame(MemorySegment expected, MemorySegment actual, String what) {
        long at = expected.mismatch(actual);
        assertEquals(-1, at, () -> what + " differ at " + (at / Float.BYTES - OFF) + ": expected "
                + expected.get(FLOAT, at & ~3) + ", got " + actual.get(FLOAT, at & ~3));
    }

    /** {@code n} floats in [-2, 2) after {@link #OFF} others, and a vector's worth past the end. */
    private static MemorySegment values(Arena arena, int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        MemorySegment s = arena.allocate((long) (OFF + n + 16) * Float.BYTES);
        for (int i = 0; i < OFF + n + 16; i++) {
            s.setAtIndex(FLOAT, i, (float) random.nextDouble(-2, 2));
        }
        return s;
    }

    /** Like {@link #values} but non-negative, as Adam's second moments are. */
    private static MemorySegment squares(Arena arena, int n, long seed) {
        MemorySegment s = values(arena, n, seed);
        for (int i = 0; i < OFF + n + 16; i++) {
            float v = s.getAtIndex(FLOAT, i);
            s.setAtIndex(FLOAT, i, v * v);
        }
        return s;
    }

    private static MemorySegment copy(Arena arena, MemorySegment s) {
        return arena.allocate(s.byteSize()).copyFrom(s);
    }
}
