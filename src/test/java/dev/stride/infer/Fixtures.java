package dev.stride.infer;

import dev.stride.blas.Gemm;
import dev.stride.data.Normalization;
import dev.stride.nn.Init;
import dev.stride.nn.Models;
import dev.stride.nn.Sequential;
import dev.stride.nn.SoftmaxCrossEntropy;
import dev.stride.optim.Sgd;
import dev.stride.optim.SgdSpec;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

/** Small models and inputs the inference tests share. */
final class Fixtures {
    static final int SAMPLE = 28 * 28; // LeNet-5's 1x28x28

    private Fixtures() {
    }

    /** LeNet-5 built for training batches of {@code batch} in {@code arena}, initialised from {@code seed}. */
    static Sequential lenet(Gemm gemm, Arena arena, int batch, long seed) {
        Sequential model = Models.lenet5(gemm);
        model.build(Shape.of(batch, 1, 28, 28), arena, 1);
        Init.pytorchDefault(seed).apply(model.parameters());
        return model;
    }

    /** {@code n} samples of uniform noise in [-1, 1), (n, 1, 28, 28). */
    static float[] inputs(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n * SAMPLE];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return x;
    }

    /** Sample {@code i} of a batch. */
    static float[] sample(float[] batch, int i) {
        float[] x = new float[SAMPLE];
        System.arraycopy(batch, i * SAMPLE, x, 0, SAMPLE);
        return x;
    }

    /** {@code steps} SGD steps on noise with labels 0..9, so the weights move. */
    static void train(Sequential model, Arena arena, int steps, long seed) {
        int batch = model.inputShape().dim(0);
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        loss.build(model.outputShape(), arena);
        Sgd sgd = new Sgd(model.parameters(), arena, SgdSpec.of(0.05));
        Tensor x = Tensor.zeros(arena, model.inputShape());
        int[] labels = new int[batch];
        for (int s = 0; s < steps; s++) {
            x.copyFrom(inputs(batch, seed + s));
            for (int i = 0; i < batch; i++) {
                labels[i] = (i + s) % 10;
            }
            sgd.zeroGrad();
            loss.forward(model.forward(x), labels);
            model.backward(loss.backward());
            sgd.step();
        }
    }

    static Normalization grey() {
        return Normalization.identity(1);
    }
}
