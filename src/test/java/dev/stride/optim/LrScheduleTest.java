package dev.stride.optim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class LrScheduleTest {

    @Test
    void constant() {
        LrSchedule s = LrSchedule.constant(0.05);
        assertEquals(0.05, s.lr(0));
        assertEquals(0.05, s.lr(1_000_000));
    }

    @Test
    void stepDecayDropsAtEachBoundary() {
        LrSchedule s = LrSchedule.stepDecay(0.1, 30, 0.1);
        assertEquals(0.1, s.lr(0), 1e-15);
        assertEquals(0.1, s.lr(29), 1e-15);
        assertEquals(0.01, s.lr(30), 1e-15);
        assertEquals(0.01, s.lr(59), 1e-15);
        assertEquals(0.001, s.lr(60), 1e-15);
    }

    @Test
    void cosineFromMaxThroughMidpointToMin() {
        LrSchedule s = LrSchedule.cosine(0.1, 0.001, 100);
        assertEquals(0.1, s.lr(0), 1e-15);
        assertEquals((0.1 + 0.001) / 2, s.lr(50), 1e-15);
        // A quarter of the way: (1 + cos(pi / 4)) / 2 of the range above the minimum.
        assertEquals(0.001 + 0.099 * (1 + Math.sqrt(0.5)) / 2, s.lr(25), 1e-15);
        assertEquals(0.001, s.lr(100), 1e-15);
        assertEquals(0.001, s.lr(150), 1e-15, "stays at the minimum past the period");
        for (int t = 1; t <= 100; t++) {
            assertTrue(s.lr(t) <= s.lr(t - 1), "not decreasing at t = " + t);
        }
    }

    @Test
    void warmupRampsLinearlyThenHandsOver() {
        LrSchedule s = LrSchedule.warmup(4, LrSchedule.stepDecay(0.1, 10, 0.5));
        assertEquals(0.02, s.lr(0), 1e-15);
        assertEquals(0.04, s.lr(1), 1e-15);
        assertEquals(0.08, s.lr(3), 1e-15);
        assertEquals(0.1, s.lr(4), 1e-15, "the wrapped schedule starts its own clock at the end of the warm-up");
        assertEquals(0.1, s.lr(13), 1e-15);
        assertEquals(0.05, s.lr(14), 1e-15);
        assertEquals("warmup(4) then step(0.1 x0.5 every 10)", s.describe());
    }

    @Test
    void badArgumentsAreClearErrors() {
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(0.01, 0.1, 10));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.stepDecay(0.1, 0, 0.1));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.constant(-1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LrSchedule.constant(0.1).lr(-1));
        assertTrue(e.getMessage().contains("t = -1"), e.getMessage());
    }

    @Test
    void drivesTheOptimiser() {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            ScalarModel model = new ScalarModel(arena);
            Sgd sgd = new Sgd(model.parameters(), arena, SgdSpec.of(1.0));
            LrSchedule s = LrSchedule.stepDecay(0.1, 1, 0.5);
            sgd.setLr(s.lr(1));
            model.step(sgd, 0);
            assertEquals(1 - 0.05 * 0.1, model.weight.value().getFlat(0), 1e-7);
        }
    }
}
