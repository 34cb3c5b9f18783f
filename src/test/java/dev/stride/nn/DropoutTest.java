package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.tensor.Workspace;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Arrays;

import static dev.stride.nn.PoolLayersTest.built;
import static dev.stride.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.*;

class DropoutTest {

    @Test
    void evaluationIsTheIdentity() {
        try (Arena arena = Arena.ofConfined()) {
            Dropout dropout = built(new Dropout(0.5f, 1), arena, 2, 3, 4, 4);
            dropout.setTraining(false);
            Tensor x = GradientCheck.random(arena, 2, 2, 3, 4, 4);
            assertClose(x.toArray(), dropout.forward(x), 0, 0);
            Tensor dy = GradientCheck.random(arena, 3, 2, 3, 4, 4);
            assertClose(dy.toArray(), dropout.backward(dy, true), 0, 0);
        }
    }

    @Test
    void trainingKeepsTheMeanAndDropsAboutP() {
        try (Arena arena = Arena.ofConfined()) {
            Dropout dropout = built(new Dropout(0.3f, 7), arena, 10, 1000);
            Tensor x = Tensor.zeros(arena, 10, 1000);
            x.fill(1f);
            float[] y = dropout.forward(x).toArray();
            double sum = 0;
            int dropped = 0;
            for (float v : y) {
                sum += v;
                dropped += v == 0f ? 1 : 0;
                assertTrue(v == 0f || Math.abs(v - 1 / 0.7f) < 1e-6, "kept units are scaled by 1/(1-p): " + v);
            }
            assertEquals(1.0, sum / y.length, 0.03);
            assertEquals(0.3, dropped / (double) y.length, 0.03);
        }
    }

    @Test
    void theSameSeedGivesTheSameMasksAndEachForwardANewOne() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = GradientCheck.random(arena, 4, 4, 50);
            Dropout a = built(new Dropout(0.5f, 42), arena, 4, 50);
            Dropout b = built(new Dropout(0.5f, 42), arena, 4, 50);
            Dropout c = built(new Dropout(0.5f, 43), arena, 4, 50);
            float[] first = a.forward(x).toArray();
            assertArrayEquals(first, b.forward(x).toArray());
            assertFalse(Arrays.equals(first, c.forward(x).toArray()));
            float[] second = a.forward(x).toArray();
            assertFalse(Arrays.equals(first, second), "the mask is redrawn every forward");
            assertArrayEquals(second, b.forward(x).toArray());
        }
    }

    @Test
    void theGradientIsTheMaskTimesTheScale() {
        try (Arena arena = Arena.ofConfined()) {
            Dropout dropout = built(new Dropout(0.25f, 5), arena, 3, 2, 5, 5);
            Tensor ones = Tensor.zeros(arena, 2, 2, 5, 5); // a smaller batch than built
            ones.fill(1f);
            float[] maskTimesScale = dropout.forward(ones).toArray(); // y = mask*scale when x is 1
            Tensor dy = GradientCheck.random(arena, 6, 2, 2, 5, 5);
            float[] expected = dy.toArray();
            for (int i = 0; i < expected.length; i++) {
                expected[i] *= maskTimesScale[i];
            }
            assertClose(expected, dropout.backward(dy, true), 0, 0);
        }
    }

    @Test
    void finiteDifferencesThroughAFreshlySeededLayer() {
        // The mask changes every forward, so each evaluation of the objective uses a new layer with
        // the same seed: all of them draw the first mask, the one the analytic gradient used.
        try (Arena arena = Arena.ofConfined()) {
            Shape shape = Shape.of(2, 3, 3, 3);
            Tensor x = GradientCheck.random(arena, 8, shape.dims());
            Tensor dy = GradientCheck.random(arena, 9, shape.dims());
            Dropout dropout = built(new Dropout(0.4f, 11), arena, shape.dims());
            dropout.forward(x);
            float[] analytic = dropout.backward(dy, true).toArray();
            GradientCheck.compare("Dropout dx", x, analytic, () -> {
                Dropout fresh = new Dropout(0.4f, 11);
                fresh.build(shape, arena, new Workspace(arena));
                float[] y = fresh.forward(x).toArray();
                double s = 0;
                for (int i = 0; i < y.length; i++) {
                    s += (double) y[i] * dy.getFlat(i);
                }
                return s;
            });
        }
    }

    @Test
    void pMustBeAProbabilityBelowOne() {
        assertThrows(IllegalArgumentException.class, () -> new Dropout(1f, 1));
        assertThrows(IllegalArgumentException.class, () -> new Dropout(-0.1f, 1));
        assertThrows(IllegalArgumentException.class, () -> new Dropout(Float.NaN, 1));
        assertEquals("Dropout(p=0.5)", new Dropout(0.5f, 1).describe());
    }
}
