package dev.stride.optim;

import dev.stride.nn.InitRule;
import dev.stride.nn.Parameter;
import dev.stride.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A weight of three scalars and a bias of one, fed the same gradients for three steps, so every
 * optimiser test compares against the same script of numbers.
 */
final class ScalarModel {
    static final float[] W0 = {1.0f, -2.0f, 0.5f};
    static final float[] B0 = {0.3f};
    static final float[][] WEIGHT_GRADS = {{0.1f, -0.2f, 0.3f}, {-0.4f, 0.5f, 0.6f}, {0.2f, 0.2f, -0.1f}};
    static final float[][] BIAS_GRADS = {{0.05f}, {-0.05f}, {0.1f}};

    final Parameter weight;
    final Parameter bias;

    ScalarModel(Arena arena) {
        weight = new Parameter("weight", Tensor.of(arena, W0.clone(), 3), Tensor.zeros(arena, 3), 3, 1, InitRule.WEIGHT, true);
        bias = new Parameter("bias", Tensor.of(arena, B0.clone(), 1), Tensor.zeros(arena, 1), 3, 1, InitRule.BIAS, false);
    }

    List<Parameter> parameters() {
        return List.of(weight, bias);
    }

    /** Sets the gradients of step {@code s} (0-based) as a backward pass would, and steps. */
    void step(Optimizer opt, int s) {
        opt.zeroGrad();
        weight.grad().copyFrom(WEIGHT_GRADS[s]);
        bias.grad().copyFrom(BIAS_GRADS[s]);
        opt.step();
    }

    /**
     * Runs three steps and checks the values after each against {@code expected[s] = {w0, w1, w2, b}}.
     */
    void assertTrajectory(Optimizer opt, double[][] expected) {
        for (int s = 0; s < 3; s++) {
            step(opt, s);
            float[] w = weight.value().toArray();
            for (int i = 0; i < 3; i++) {
                assertEquals(expected[s][i], w[i], 2e-6, "weight[" + i + "] after step " + (s + 1));
            }
            assertEquals(expected[s][3], bias.value().getFlat(0), 2e-6, "bias after step " + (s + 1));
        }
    }
}
