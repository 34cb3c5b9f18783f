package dev.stride.bench;

import dev.stride.nn.Init;
import dev.stride.nn.Models;
import dev.stride.nn.Layer;
import dev.stride.nn.SoftmaxCrossEntropy;
import dev.stride.optim.Sgd;
import dev.stride.optim.SgdSpec;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

/**
 * The training step every net benchmark times: a zoo model with 10 classes built for one batch at
 * its input size (MobileNetV2 at 96x96, a size its five stride-2 stages leave 3x3 of), PyTorch's
 * default initialisation, softmax cross-entropy, SGD with momentum 0.9, and one fixed random batch
 * with random labels (the same for a given net and batch size), all in the caller's arena.
 */
final class BenchStep {
    final Layer model;
    final SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
    final Sgd sgd;
    final Tensor x;
    final int[] labels;

    /** {@code net} names a zoo model (lenet5, vgg_small, resnet20, mobilenet_v2); {@code backend} openblas or java (see {@link BenchBackends}). */
    BenchStep(Arena arena, String net, int batch, String backend, int threads) {
        Models.Name name = Models.Name.valueOf(net);
        int[] sample = name.inputShape();
        int size = name == Models.Name.mobilenet_v2 ? 96 : sample[1];
        model = Models.byName(name, 10, sample[0], BenchBackends.gemm(backend));
        Shape in = Shape.of(batch, sample[0], size, size);
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
