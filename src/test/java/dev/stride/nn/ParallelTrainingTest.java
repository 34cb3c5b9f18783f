package dev.stride.nn;

import com.sun.management.ThreadMXBean;
import dev.stride.blas.Gemm;
import dev.stride.optim.Sgd;
import dev.stride.optim.SgdSpec;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.testing.Backends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Training LeNet-5 split across threads: same result as one thread, repeatable, and allocation-free. */
class ParallelTrainingTest {
    static final int BATCH = 12; // not a multiple of the thread counts below, so parts differ in size

    /** A model, its loss and optimiser, and one fixed batch. */
    record Step(Layer model, SoftmaxCrossEntropy loss, Sgd sgd, Tensor x, int[] labels) {
        static Step of(Arena arena, Gemm gemm, int threads, int batch) {
            return of(arena, Models.lenet5(gemm), Shape.of(batch, 1, 28, 28), threads);
        }

        static Step of(Arena arena, Layer model, Shape in, int threads) {
            int batch = in.dim(0);
            model.build(in, arena, threads);
            Init.he(3).apply(model.parameters());
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
            loss.build(model.outputShape(), arena);
            Sgd sgd = new Sgd(model.parameters(), arena, SgdSpec.of(0.05).withMomentum(0.9));
            SplittableRandom random = new SplittableRandom(5);
            Tensor x = Tensor.zeros(arena, in);
            for (long i = 0; i < x.size(); i++) {
                x.setFlat(i, (float) random.nextDouble(-1, 1));
            }
            int[] labels = new int[batch];
            for (int i = 0; i < batch; i++) {
                labels[i] = random.nextInt(10);
            }
            return new Step(model, loss, sgd, x, labels);
        }

        float run() {
            sgd.zeroGrad();
            float value = loss.forward(model.forward(x), labels);
            model.backward(loss.backward());
            sgd.step();
            return value;
        }

        List<float[]> weights() {
            List<float[]> w = new ArrayList<>();
            for (Parameter p : model.parameters()) {
                w.add(p.value().toArray());
            }
            return w;
        }
    }

    static List<Gemm> backends() {
        return Backends.all();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void threadsGiveTheSameTrainingUpToRoundingAndRepeatBitwise(Gemm gemm) {
        try (Arena arena = Arena.ofShared()) {
            Step one = Step.of(arena, gemm, 1, BATCH);
            Step two = Step.of(arena, gemm, 2, BATCH);
            Step twoAgain = Step.of(arena, gemm, 2, BATCH);
            Step three = Step.of(arena, gemm, 3, BATCH);
            for (int i = 0; i < 5; i++) {
                float l1 = one.run();
                assertEquals(l1, two.run(), 1e-4f * Math.max(1, Math.abs(l1)), "loss at step " + i);
                twoAgain.run();
                three.run();
            }
            List<float[]> w1 = one.weights();
            List<float[]> w2 = two.weights();
            List<float[]> w2again = twoAgain.weights();
            List<float[]> w3 = three.weights();
            for (int p = 0; p < w1.size(); p++) {
                assertArrayEquals(w2.get(p), w2again.get(p), "parameter " + p + ": 2 threads twice must agree bitwise");
                assertArrayEquals(w1.get(p), w2.get(p), 1e-4f, "parameter " + p + ": 1 against 2 threads");
                assertArrayEquals(w1.get(p), w3.get(p), 1e-4f, "parameter " + p + ": 1 against 3 threads");
            }
        }
    }

    /**
     * Steady-state steps allocate (almost) nothing on the Java heap: measured on the calling
     * thread and the Parallel workers together, over several steps after a warm-up, on both
     * backends. OpenBLAS calls slice their three segments to keep them alive during the call;
     * whether C2 removes those slices depends on what else the JVM has compiled, so up to three
     * small objects per GEMM call are allowed there, and nothing else.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void steadyStateStepsAllocateAlmostNothing(Gemm backend) {
        assertStepsAllocateAlmostNothing(backend, "lenet5", (gemm, threads, arena) -> Step.of(arena, gemm, threads, 16));
    }

    /**
     * The same for the blocks of the model zoo: ResNet-20 (batch norm, residual sums, option A
     * shortcuts) and a small net of an inverted residual with a depthwise convolution, an Inception
     * style concatenation and squeeze-and-excitation.
     */
    @Test
    void stepsThroughTheZoosBlocksAllocateAlmostNothing() {
        Gemm backend = Backends.all().get(0);
        assertStepsAllocateAlmostNothing(backend, "resnet20", (gemm, threads, arena) ->
                Step.of(arena, Models.byName(Models.Name.resnet20, 10, 3, gemm), Shape.of(4, 3, 8, 8), threads));
        assertStepsAllocateAlmostNothing(backend, "blocks", (gemm, threads, arena) -> {
            SequencedMap<String, Layer> branches = new LinkedHashMap<>();
            branches.put("branch1", new Conv2d(Conv2dSpec.of(8, 4, 1, 1, 0), gemm));
            branches.put("branch2", new Sequential(new Conv2d(Conv2dSpec.of(8, 4, 3, 1, 1), gemm), new Relu()));
            Sequential model = new Sequential(new Conv2d(Conv2dSpec.of(3, 8, 3, 1, 1), gemm), new BatchNorm2d(8), new Relu6(),
                    new InvertedResidual(8, 8, 1, 2, gemm), Concat.of(branches), new SqueezeExcitation(8, 2, gemm),
                    new GlobalAvgPool(), new Flatten(), new Linear(8, 10, true, gemm));
            return Step.of(arena, model, Shape.of(4, 3, 6, 6), threads);
        });
    }

    interface StepMaker {
        Step make(Gemm gemm, int threads, Arena arena);
    }

    private void assertStepsAllocateAlmostNothing(Gemm backend, String what, StepMaker maker) {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int threads : new int[] {1, 2}) {
            try (Arena arena = Arena.ofShared()) {
                CountingGemm gemm = new CountingGemm(backend);
                Step step = maker.make(gemm, threads, arena);
                for (int i = 0; i < 300; i++) { // long enough for C2 to compile the step and remove short-lived objects
                    step.run();
                }
                // Then rounds of steps until one stays under the allowance, for up to 20 s: until C2
                // has compiled every Vector API loop, their vectors are objects.
                long[] workers = workerIds();
                long[] before = new long[workers.length];
                long[] after = new long[workers.length];
                int steps = 20;
                long perStep;
                long slices;
                long deadline = System.nanoTime() + 20_000_000_000L;
                do {
                    long callsBefore = gemm.calls();
                    long start = allocated(mx, workers, before);
                    for (int i = 0; i < steps; i++) {
                        step.run();
                    }
                    long end = allocated(mx, workers, after);
                    long total = end - start;
                    for (int i = 0; i < workers.length; i++) {
                        total += after[i] - before[i];
                    }
                    perStep = total / steps;
                    slices = backend.name().equals("openblas") ? 3 * 48 * (gemm.calls() - callsBefore) / steps : 0;
                } while (perStep >= 512 + slices && System.nanoTime() < deadline);
                assertTrue(perStep < 512 + slices, what + ", " + backend.name() + ", " + threads + " thread(s): a training step allocated "
                        + perStep + " bytes on the Java heap (allowed " + (512 + slices)
                        + "); forward/backward/step must reuse their buffers and views");
            }
        }
    }

    /** Passes calls on and counts them (a long add: allocation-free). */
    static final class CountingGemm implements Gemm {
        private final Gemm inner;
        private final AtomicLong calls = new AtomicLong();

        CountingGemm(Gemm inner) {
            this.inner = inner;
        }

        @Override
        public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                          MemorySegment a, long aOffset, int lda,
                          MemorySegment b, long bOffset, int ldb,
                          float beta, MemorySegment c, long cOffset, int ldc) {
            calls.incrementAndGet();
            inner.sgemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public boolean thinCallsCheap() {
            return inner.thinCallsCheap();
        }

        long calls() {
            return calls.get();
        }
    }

    /** The ids of the Parallel workers, found before measuring (listing threads allocates). */
    private static long[] workerIds() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("stride-parallel-")).mapToLong(Thread::threadId).toArray();
    }

    /** Bytes this thread allocated so far; each worker's count goes to {@code workers} (an array made beforehand). */
    private static long allocated(ThreadMXBean mx, long[] ids, long[] workers) {
        long self = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < ids.length; i++) {
            workers[i] = mx.getThreadAllocatedBytes(ids[i]);
        }
        return self;
    }
}
