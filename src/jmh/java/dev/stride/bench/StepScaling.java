package dev.stride.bench;

import java.lang.foreign.Arena;
import java.util.Locale;

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

    /** {@code steps} training steps of {@code step}. */
    private static void run(BenchStep step, int steps) {
        for (int i = 0; i < steps; i++) {
            step.run();
        }
    }

    public static void main(String[] args) throws InterruptedException {
        String name = args.length > 0 ? args[0] : "lenet5";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        if (batch < 2 || batch % 2 != 0) {
            throw new IllegalArgumentException("batch must be even and at least 2 (two halves), got " + batch);
        }
        int steps = name.equals("vgg_small") ? 12 : 300;
        try (Arena arena = Arena.ofShared()) {
            BenchStep one = new BenchStep(arena, name, batch, "openblas", 1);
            BenchStep two = new BenchStep(arena, name, batch, "openblas", 2);
            BenchStep halfA = new BenchStep(arena, name, batch / 2, "openblas", 1);
            BenchStep halfB = new BenchStep(arena, name, batch / 2, "openblas", 1);
            System.out.printf(Locale.ROOT, "%s, batch %d, OpenBLAS; ms per step over rounds of %d steps (the first round is warm-up)%n",
                    name, batch, steps);
            System.out.println("1 thread ms | 2 threads ms | two halves at once ms | 2 threads / 1 | halves at once / 1");
            for (int round = 0; round <= rounds; round++) {
                long start = System.nanoTime();
                run(one, steps);
                long single = (System.nanoTime() - start) / steps;
                start = System.nanoTime();
                run(two, steps);
                long split = (System.nanoTime() - start) / steps;
                start = System.nanoTime();
                Thread other = Thread.ofPlatform().start(() -> run(halfB, steps));
                run(halfA, steps);
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
