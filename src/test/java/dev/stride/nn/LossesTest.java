package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static dev.stride.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.*;

/** Softmax cross-entropy and the SVM hinge loss: hand-computed cases, stability, errors, gradients. */
class LossesTest {

    @Test
    void softmaxCrossEntropyByHand() {
        try (Arena arena = Arena.ofConfined()) {
            SoftmaxCrossEntropy loss = built(new SoftmaxCrossEntropy(), arena, 2, 3);
            Tensor z = Tensor.of(arena, new float[]{1, 2, 3, 0, 0, 0}, 2, 3);
            // Row 0: log(e + e^2 + e^3) - 3 = 0.40760596; row 1: log 3 = 1.09861229.
            assertEquals((0.40760596 + 1.09861229) / 2, loss.forward(z, new int[]{2, 0}), 1e-6);
            float p0 = 0.09003057f, p1 = 0.24472847f, p2 = 0.66524096f, t = 1 / 3f;
            assertClose(new float[]{p0, p1, p2, t, t, t}, loss.probabilities(), 1e-6, 0);
            assertClose(new float[]{p0 / 2, p1 / 2, (p2 - 1) / 2, (t - 1) / 2, t / 2, t / 2}, loss.backward(), 1e-6, 0);
        }
    }

    @Test
    void softmaxCrossEntropyStaysFiniteForHugeLogits() {
        try (Arena arena = Arena.ofConfined()) {
            SoftmaxCrossEntropy loss = built(new SoftmaxCrossEntropy(), arena, 1, 3);
            Tensor z = Tensor.of(arena, new float[]{1000, -1000, 0}, 1, 3);
            assertEquals(0f, loss.forward(z, new int[]{0}), 1e-6);
            assertEquals(2000f, loss.forward(z, new int[]{1}), 1e-3);
            assertClose(new float[]{1, -1, 0}, loss.backward(), 0, 1e-6);
            Tensor tie = Tensor.of(arena, new float[]{1000, 1000, -1000}, 1, 3);
            assertEquals(Math.log(2), loss.forward(tie, new int[]{1}), 1e-6);
        }
    }

    @Test
    void nonFiniteScoresGiveANaNLossInsteadOfAnException() {
        try (Arena arena = Arena.ofConfined()) {
            SoftmaxCrossEntropy ce = built(new SoftmaxCrossEntropy(), arena, 2, 2);
            SvmHinge svm = built(new SvmHinge(), arena, 2, 2);
            for (float bad : new float[]{Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                Tensor z = Tensor.of(arena, new float[]{0, 1, bad, 2}, 2, 2);
                assertTrue(Float.isNaN(ce.forward(z, new int[]{0, 1})), "softmax CE with " + bad);
                assertTrue(Float.isNaN(svm.forward(z, new int[]{0, 1})), "SVM with " + bad);
            }
        }
    }

    @Test
    void labelsOutOfRangeNameTheIndexTheLabelAndTheClassCount() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor z = Tensor.zeros(arena, 3, 10);
            for (Loss loss : new Loss[]{new SoftmaxCrossEntropy(), new SvmHinge()}) {
                loss.build(Shape.of(4, 10), arena);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> loss.forward(z, new int[]{1, 10, 2}));
                assertTrue(e.getMessage().contains("index 1") && e.getMessage().contains(" 10 ")
                        && e.getMessage().contains("10 classes"), e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> loss.forward(z, new int[]{1, -1, 2}));
                assertThrows(IllegalArgumentException.class, () -> loss.forward(z, new int[]{1, 2}));
                ShapeException s = assertThrows(ShapeException.class, () -> loss.forward(Tensor.zeros(arena, 3, 9), new int[]{0, 0, 0}));
                assertTrue(s.getMessage().contains("[3, 9]"), s.getMessage());
            }
        }
    }

    @Test
    void svmHingeByHand() {
        try (Arena arena = Arena.ofConfined()) {
            SvmHinge loss = built(new SvmHinge(), arena, 3, 3);
            Tensor s = Tensor.of(arena, new float[]{3.2f, 5.1f, -1.7f, 1.3f, 4.9f, 2.0f, 2.2f, 2.5f, -3.1f}, 3, 3);
            // Per row: 2.9 + 0, 0 + 0, 6.3 + 6.6.
            assertEquals((2.9 + 0 + 12.9) / 3, loss.forward(s, new int[]{0, 1, 2}), 1e-5);
            float t = 1 / 3f;
            assertClose(new float[]{-t, t, 0, 0, 0, 0, t, t, -2 * t}, loss.backward(), 1e-6, 0);
        }
    }

    @Test
    void svmHingeMarginOfExactlyZeroHasZeroSubgradient() {
        try (Arena arena = Arena.ofConfined()) {
            SvmHinge loss = built(new SvmHinge(0.5f), arena, 1, 3);
            Tensor s = Tensor.of(arena, new float[]{1, 0.5f, 1.25f}, 1, 3);
            assertEquals(0.75f, loss.forward(s, new int[]{0}), 0);
            assertClose(new float[]{-1, 0, 1}, loss.backward(), 0, 0);
        }
    }

    @Test
    void gradientsMatchFiniteDifferencesIncludingSmallerBatches() {
        try (Arena arena = Arena.ofConfined()) {
            int[] labels = {3, 0, 4, 1, 2};
            for (int n : new int[]{5, 1}) {
                Tensor z = GradientCheck.random(arena, 40 + n, n, 7);
                for (long i = 0; i < z.size(); i++) {
                    z.setFlat(i, 4 * z.getFlat(i));
                }
                GradientCheck.checkLoss(built(new SoftmaxCrossEntropy(), arena, 5, 7), z, labels);
                GradientCheck.checkLoss(built(new SvmHinge(), arena, 5, 7), z, labels);
            }
        }
    }

    @Test
    void backwardBeforeForwardAndScoresOfTheWrongRank() {
        try (Arena arena = Arena.ofConfined()) {
            SoftmaxCrossEntropy loss = built(new SoftmaxCrossEntropy(), arena, 2, 3);
            assertThrows(IllegalStateException.class, loss::backward);
            assertThrows(IllegalStateException.class, loss::probabilities);
            assertThrows(ShapeException.class, () -> new SvmHinge().build(Shape.of(2, 3, 4, 4), arena));
        }
        assertEquals("SvmHinge(delta=1.0)", new SvmHinge().describe());
    }

    private static <L extends Loss> L built(L loss, Arena arena, int... dims) {
        loss.build(Shape.of(dims), arena);
        return loss;
    }
}
