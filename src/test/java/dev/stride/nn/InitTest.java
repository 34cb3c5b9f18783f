package dev.stride.nn;

import dev.stride.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class InitTest {

    private static Parameter param(Arena arena, String name, InitRule init, int fanIn, int fanOut, int... dims) {
        return new Parameter(name, Tensor.zeros(arena, dims), Tensor.zeros(arena, dims), fanIn, fanOut, init, init == InitRule.WEIGHT);
    }

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) s += x;
        return s / v.length;
    }

    private static double std(float[] v) {
        double m = mean(v), s = 0;
        for (float x : v) s += (x - m) * (x - m);
        return Math.sqrt(s / (v.length - 1));
    }

    @ParameterizedTest
    @EnumSource(Init.Scheme.class)
    void sampleStdMatchesTheFormula(Init.Scheme scheme) {
        try (Arena arena = Arena.ofConfined()) {
            // A conv weight (64, 32, 3, 3): fanIn 32*9, fanOut 64*9; 18432 draws give std within ~1%.
            Parameter w = param(arena, "weight", InitRule.WEIGHT, 288, 576, 64, 32, 3, 3);
            new Init(scheme, Init.BiasScheme.ZERO, 42).apply(List.of(w));
            float[] v = w.value().toArray();
            double scale = scheme.scale(288, 576);
            double expectedStd = scheme.normal() ? scale : scale / Math.sqrt(3);
            assertEquals(expectedStd, std(v), 0.03 * expectedStd, scheme.name());
            assertEquals(0, mean(v), 0.03 * expectedStd, scheme.name());
            if (!scheme.normal()) {
                for (float x : v) assertTrue(Math.abs(x) <= scale, "draw " + x + " outside bound " + scale);
            }
        }
    }

    @Test
    void formulasAreThoseOfTorchNnInit() {
        assertEquals(Math.sqrt(6.0 / 100), Init.Scheme.HE_UNIFORM.scale(100, 7), 1e-15);
        assertEquals(Math.sqrt(2.0 / 100), Init.Scheme.HE_NORMAL.scale(100, 7), 1e-15);
        assertEquals(Math.sqrt(6.0 / 107), Init.Scheme.XAVIER_UNIFORM.scale(100, 7), 1e-15);
        assertEquals(Math.sqrt(2.0 / 107), Init.Scheme.XAVIER_NORMAL.scale(100, 7), 1e-15);
        // kaiming_uniform(a = sqrt(5)): gain sqrt(2 / (1 + 5)), bound gain * sqrt(3 / fanIn) = 1 / sqrt(fanIn).
        assertEquals(Math.sqrt(2.0 / 6) * Math.sqrt(3.0 / 100), Init.Scheme.PYTORCH_DEFAULT.scale(100, 7), 1e-15);
    }

    @Test
    void biasesAndSlopes() {
        try (Arena arena = Arena.ofConfined()) {
            Parameter b = param(arena, "bias", InitRule.BIAS, 400, 1, 10000);
            Parameter a = param(arena, "slope", InitRule.constant(0.25f), 1, 1, 16);
            b.value().fill(3f);
            Init.he(1).apply(List.of(b, a));
            for (float x : b.value().toArray()) assertEquals(0f, x);
            for (float x : a.value().toArray()) assertEquals(0.25f, x);

            Init.pytorchDefault(1).apply(List.of(b));
            float[] v = b.value().toArray();
            double bound = 1 / Math.sqrt(400);
            for (float x : v) assertTrue(Math.abs(x) <= bound);
            assertEquals(bound / Math.sqrt(3), std(v), 0.03 * bound / Math.sqrt(3));
        }
    }

    @Test
    void sameSeedSameBitsDifferentSeedDifferentValues() {
        try (Arena arena = Arena.ofConfined()) {
            List<Parameter> model = List.of(
                    param(arena, "weight", InitRule.WEIGHT, 25, 150, 6, 1, 5, 5),
                    param(arena, "bias", InitRule.BIAS, 25, 150, 6),
                    param(arena, "weight", InitRule.WEIGHT, 400, 120, 120, 400));
            Init.pytorchDefault(7).apply(model);
            float[][] first = model.stream().map(p -> p.value().toArray()).toArray(float[][]::new);
            Init.pytorchDefault(7).apply(model);
            for (int i = 0; i < model.size(); i++) {
                float[] again = model.get(i).value().toArray();
                for (int j = 0; j < again.length; j++) {
                    assertEquals(Float.floatToRawIntBits(first[i][j]), Float.floatToRawIntBits(again[j]), "parameter " + i + " element " + j);
                }
            }
            Init.pytorchDefault(8).apply(model);
            float[] other = model.get(2).value().toArray();
            int same = 0;
            for (int j = 0; j < other.length; j++) if (other[j] == first[2][j]) same++;
            assertTrue(same < 10, same + " of " + other.length + " values equal under a different seed");
        }
    }

    @Test
    void missingFansAreAClearError() {
        try (Arena arena = Arena.ofConfined()) {
            Parameter w = param(arena, "weight", InitRule.WEIGHT, 0, 10, 10, 3);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Init.he(1).apply(List.of(w)));
            assertTrue(e.getMessage().contains("fanIn 0"), e.getMessage());
        }
    }
}
