package dev.stride.bench;

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

/**
 * The training step every net benchmark times: LeNet-5 or VGG-small built for one batch, PyTorch's
 * default initialisation, softmax cross-entropy, SGD with momentum 0.9, and one fixed random batch
 * with random labels (the same for a given net and batch size), all in the caller's arena.
 */
final class BenchStep {
    final Sequential model;
    final SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
    final Sgd sgd;
    final Tensor x;
    final int[] labels;

    /** {@code net} is lenet5 or vgg_small; {@code backend} openblas or java (see {@link BenchBackends}). */
    BenchStep(Arena arena, String net, int batch, String backend, int threads) {
        boolean vgg = switch (net) {
            case "vgg_small" -> true;
            case "lenet5" -> false;
            default -> throw new IllegalArgumentException("unknown net " + net + ": use lenet5 or vgg_small");
        };
        model = vgg ? Models.vggSmall(BenchBackends.gemm(backend)) : Models.lenet5(BenchBackends.gemm(backend));
        Shape in = vgg ? Shape.of(batch, 3, 32, 32) : Shape.of(batch, 1, 28, 28);
        model.build(in, arena, threads);
        Init.pytorchDefault(1).apply(model.parameters());
        loss.build(model.outputShape(), arena);
        sgd = new Sgd(model.parameters(), arena, SgdSpec.of(0.01).withMomentum(0.9));
        SplittableRandom random = new SplittableRandom(7);
        x = LayerBenchmark.random(arena, in, random);
        labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = random.nextInt(10);
        }
    }

    /** One step: zero the gradients, forward, loss, backward, SGD. Returns the loss. */
    float run() {
        sgd.zeroGrad();
        float value = loss.forward(model.forward(x), labels);
        model.backward(loss.backward());
        sgd.step();
        return value;
    }
}
