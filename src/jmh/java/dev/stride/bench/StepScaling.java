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
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What 2 threads give a training step, against what this machine gives two threads that share
 * nothing. Per round, alternating: one model on 1 thread at batch B; one model on 2 threads at
 * batch B (Stride's split of the batch); and two separate 1-thread models at batch B/2 stepping at
 * the same time on two threads, which is the ceiling for any split of the same work: no shared
 * weights or gradients, no waiting for the other thread, no serial layers. Reported as ms per step
 * of B images (a round's wall time over its steps, as throughput counts them, slow steps included;
 * for the halves, until both are done) and as speed-ups over 1 thread.
 *
 * <pre>scripts/step-scaling [lenet5|vgg_small] [batch] [rounds]</pre>
 */
public final class StepScaling {
    private StepScaling() {
    }

    /** A model with its loss, optimiser and one fixed batch. */
    private static final class Step {
        private final Sequential model;
        private final SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        private final Sgd sgd;
        private final Tensor x;
        private final int[] labels;

        Step(Arena arena, boolean vgg, int batch, int threads) {
            model = vgg ? Models.vggSmall(BenchBackends.gemm("openblas")) : Models.lenet5(BenchBackends.gemm("openblas"));
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

        void run() {
            sgd.zeroGrad();
            loss.forward(model.forward(x), labels);
            model.backward(loss.backward());
            sgd.step();
        }

        void run(int steps) {
            for (int i = 0; i < steps; i++) {
                run();
            }
        }
    }

    public static void main(String[] args) throws InterruptedException {
        String name = args.length > 0 ? args[0] : "lenet5";
        boolean vgg = switch (name) {
            case "vgg_small" -> true;
            case "lenet5" -> false;
            default -> throw new IllegalArgumentException("unknown net " + name + ": use lenet5 or vgg_small");
        };
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        if (batch < 2 || batch % 2 != 0) {
            throw new IllegalArgumentException("batch must be even and at least 2 (two halves), got " + batch);
        }
        int steps = vgg ? 12 : 300;
        try (Arena arena = Arena.ofShared()) {
            Step one = new Step(arena, vgg, batch, 1);
            Step two = new Step(arena, vgg, batch, 2);
            Step halfA = new Step(arena, vgg, batch / 2, 1);
            Step halfB = new Step(arena, vgg, batch / 2, 1);
            System.out.printf(Locale.ROOT, "%s, batch %d, OpenBLAS; ms per step over rounds of %d steps (the first round is warm-up)%n",
                    name, batch, steps);
            System.out.println("1 thread ms | 2 threads ms | two halves at once ms | 2 threads / 1 | halves at once / 1");
            for (int round = 0; round <= rounds; round++) {
                long start = System.nanoTime();
                one.run(steps);
                long single = (System.nanoTime() - start) / steps;
                start = System.nanoTime();
                two.run(steps);
                long split = (System.nanoTime() - start) / steps;
                start = System.nanoTime();
                Thread other = Thread.ofPlatform().start(() -> halfB.run(steps));
                halfA.run(steps);
                other.join();
                long apart = (System.nanoTime() - start) / steps; // B images a step, once both halves are done
                if (round > 0) {
                    System.out.printf(Locale.ROOT, "%11.3f | %12.3f | %21.3f | %13.2f | %18.2f%n", single / 1e6, split / 1e6,
                            apart / 1e6, (double) single / split, (double) single / apart);
                }
            }
        }
    }
}
