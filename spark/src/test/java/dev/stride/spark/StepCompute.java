package dev.stride.spark;

import dev.stride.nn.BuildOptions;
import dev.stride.nn.Init;
import dev.stride.nn.Layer;
import dev.stride.nn.Models;
import dev.stride.nn.SoftmaxCrossEntropy;
import dev.stride.optim.Sgd;
import dev.stride.optim.SgdSpec;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.Locale;
import java.util.Random;

/**
 * One worker's compute per example (forward, backward, SGD step) on this machine, for the scaling
 * model in docs/spark.md: the other half of a step besides the all-reduce. Not a test.
 * Run: java -cp spark/target/test-classes:spark/target/classes:spark/target/lib/* dev.stride.spark.StepCompute THREADS
 */
public final class StepCompute {
    private StepCompute() {
    }

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        run("lenet5", 64, 20, threads);
        run("resnet20", 32, 5, threads);
        run("resnet50", 8, 2, threads);
    }

    static void run(String name, int batch, int steps, int threads) {
        Models.Name m = Models.Name.valueOf(name);
        int[] in = Models.inputShape(m);
        Layer net = Models.byName(m);
        try (Arena arena = Arena.ofShared()) {
            net.build(Shape.of(batch, in[0], in[1], in[2]), arena, BuildOptions.training().withThreads(threads));
            new Init(Init.Scheme.HE_UNIFORM, Init.BiasScheme.ZERO, 1).apply(net.parameters());
            Sgd sgd = new Sgd(net.parameters(), arena, SgdSpec.of(0.01).withMomentum(0.9));
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
            loss.build(net.outputShape(), arena);
            Tensor x = Tensor.zeros(arena, net.inputShape());
            Random rnd = new Random(1);
            for (long i = 0; i < x.size(); i++) {
                x.setFlat(i, (float) rnd.nextGaussian());
            }
            int[] labels = new int[batch];
            int classes = net.outputShape().dim(1);
            for (int i = 0; i < batch; i++) {
                labels[i] = rnd.nextInt(classes);
            }
            long t0 = 0;
            for (int s = 0; s < steps + 2; s++) {
                if (s == 2) {
                    t0 = System.nanoTime();
                }
                sgd.zeroGrad();
                loss.forward(net.forward(x), labels);
                net.backward(loss.backward());
                sgd.step();
            }
            double perExample = (System.nanoTime() - t0) / 1e9 / steps / batch;
            System.out.printf(Locale.ROOT, "%-9s batch %3d, %d threads: %.3f ms per example (%.0f examples/s)%n", name, batch, threads,
                    perExample * 1e3, 1 / perExample);
        }
    }
}
