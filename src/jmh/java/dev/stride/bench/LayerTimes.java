package dev.stride.bench;

import dev.stride.nn.Layer;
import dev.stride.nn.SoftmaxCrossEntropy;
import dev.stride.optim.Sgd;
import dev.stride.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.Locale;

/**
 * Where a training step's time goes: the mean forward and backward time of every layer of LeNet-5
 * or VGG-small, the loss and the SGD step, over steps after a warm-up. Not JMH: one JVM, one
 * trial, timers around each layer; use it to compare layers within a run (for instance with
 * {@code -Dstride.winograd=false} against the default), and NetBenchmark for whole-step figures.
 *
 * <pre>scripts/layer-times [lenet5|vgg_small] [threads] [batch] [openblas|java]</pre>
 */
public final class LayerTimes {
    private LayerTimes() {
    }

    public static void main(String[] args) {
        String name = args.length > 0 ? args[0] : "vgg_small";
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        String backend = args.length > 3 ? args[3] : "openblas";
        boolean vgg = !name.equals("lenet5");
        // The JIT is still compiling after a few VGG steps, and at 2 threads it takes a core from the
        // step, so VGG warms up longer (docs/design-measurements.md).
        int warmup = vgg ? 16 : 200;
        int steps = vgg ? 8 : 200;
        try (Arena arena = Arena.ofShared()) {
            BenchStep bench = new BenchStep(arena, name, batch, backend, threads);
            SoftmaxCrossEntropy loss = bench.loss;
            Sgd sgd = bench.sgd;
            Tensor x = bench.x;
            int[] labels = bench.labels;
            // The model's top-level children: layers of a Sequential, a ResNet's stages.
            List<Layer> layers = List.copyOf(bench.model.children().values());
            long[] forward = new long[layers.size()];
            long[] backward = new long[layers.size()];
            long[] rest = new long[2]; // loss, SGD
            long total = 0;
            for (int step = 0; step < warmup + steps; step++) {
                boolean timed = step >= warmup;
                long start = System.nanoTime();
                sgd.zeroGrad();
                Tensor h = x;
                for (int i = 0; i < layers.size(); i++) {
                    long t = System.nanoTime();
                    h = layers.get(i).forward(h);
                    forward[i] += timed ? System.nanoTime() - t : 0;
                }
                long t = System.nanoTime();
                loss.forward(h, labels);
                Tensor g = loss.backward();
                rest[0] += timed ? System.nanoTime() - t : 0;
                for (int i = layers.size() - 1; i >= 0; i--) {
                    t = System.nanoTime();
                    g = layers.get(i).backward(g, i > 0);
                    backward[i] += timed ? System.nanoTime() - t : 0;
                }
                t = System.nanoTime();
                sgd.step();
                rest[1] += timed ? System.nanoTime() - t : 0;
                total += timed ? System.nanoTime() - start : 0;
            }
            System.out.printf(Locale.ROOT, "%s, batch %d, %d thread(s), %s; ms per step, mean of %d after %d warm-up%n",
                    name, batch, threads, backend, steps, warmup);
            for (int i = 0; i < layers.size(); i++) {
                System.out.printf(Locale.ROOT, "%-42s forward %8.3f  backward %8.3f%n", layers.get(i).describe(),
                        forward[i] / 1e6 / steps, backward[i] / 1e6 / steps);
            }
            System.out.printf(Locale.ROOT, "loss %.3f, SGD %.3f, whole step %.3f ms (%.0f images/s)%n", rest[0] / 1e6 / steps,
                    rest[1] / 1e6 / steps, total / 1e6 / steps, batch * 1e9 * steps / total);
        }
    }
}
