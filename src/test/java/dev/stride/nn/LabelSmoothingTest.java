package dev.stride.nn;

import dev.stride.tensor.Tensor;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static dev.stride.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Softmax cross-entropy with label smoothing against PyTorch's {@code cross_entropy(..., label_smoothing=0.1)}. */
class LabelSmoothingTest {

    @Test
    void lossAndGradientAreTorchs() {
        try (Arena arena = Arena.ofConfined()) {
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(0.1f);
            Tensor z = Tensor.of(arena, new float[] {2f, -1f, 0.5f, 0.1f, 0.2f, 3f}, 2, 3);
            loss.build(z.shape(), arena);
            // torch 1.13: F.cross_entropy(z, [0, 1], label_smoothing=0.1) and z.grad
            assertEquals(1.6054563522338867, loss.forward(z, new int[] {0, 1}), 1e-6);
            assertClose(new float[] {-0.07386815547943115f, 0.0028896182775497437f, 0.07097852975130081f,
                    0.00798899307847023f, -0.4394179582595825f, 0.4314289391040802f}, loss.backward(), 1e-5, 1e-7);
            SoftmaxCrossEntropy wider = new SoftmaxCrossEntropy(0.2f);
            Tensor scores = GradientCheck.random(arena, 3, 4, 5);
            wider.build(scores.shape(), arena);
            GradientCheck.checkLoss(wider, scores, new int[] {0, 4, 2, 2});
            assertThrows(IllegalArgumentException.class, () -> new SoftmaxCrossEntropy(1f));
        }
    }
}
