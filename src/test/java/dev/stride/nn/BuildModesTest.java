package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.testing.Backends;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Inference builds (no training memory, no backward), parameters shared between instances, and one thread per model. */
class BuildModesTest {
    private static final Gemm GEMM = Backends.all().get(0);

    /** VGG-small at batch 64: what a training build allocates against an inference build. */
    @Test
    void anInferenceBuildOfVggSmallAllocatesFarLess() {
        long training;
        long inference;
        try (CountingArena arena = new CountingArena()) {
            Models.vggSmall(GEMM).build(Shape.of(64, 3, 32, 32), arena, BuildOptions.training().withThreads(1));
            training = arena.bytes();
        }
        try (CountingArena arena = new CountingArena()) {
            Models.vggSmall(GEMM).build(Shape.of(64, 3, 32, 32), arena, BuildOptions.inference().withThreads(1));
            inference = arena.bytes();
        }
        // Inference keeps the outputs, the weights and one part's scratch; training adds every input
        // gradient, the weight gradients and the columns and transforms kept for backward.
        assertTrue(inference * 2 < training, "inference " + inference + " bytes, training " + training);
    }

    @Test
    void anInferenceBuildRunsForwardAndRefusesBackward() {
        try (Arena arena = Arena.ofConfined()) {
            Sequential trained = Models.lenet5(GEMM);
            trained.build(Shape.of(2, 1, 28, 28), arena);
            Init.he(1).apply(trained.parameters());
            Sequential served = Models.lenet5(GEMM);
            served.build(Shape.of(2, 1, 28, 28), arena, BuildOptions.inference().withThreads(1));
            for (Map.Entry<String, Tensor> e : trained.state().entrySet()) {
                served.state().get(e.getKey()).copyFrom(e.getValue());
            }
            Tensor x = GradientCheck.random(arena, 3, 2, 1, 28, 28);
            trained.setTraining(false);
            float[] expected = trained.forward(x).toArray();
            assertArrayEquals(expected, served.forward(x).toArray());
            assertFalse(served.isTraining());

            Tensor dy = Tensor.zeros(arena, 2, 10);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> served.backward(dy));
            assertTrue(e.getMessage().contains("built for inference") && e.getMessage().contains("BuildOptions.training()"), e.getMessage());
            Parameter w = served.parameters().getFirst();
            assertFalse(w.hasGrad());
            e = assertThrows(IllegalStateException.class, w::grad);
            assertTrue(e.getMessage().contains("0.weight"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> served.setTraining(true));
        }
    }

    @Test
    void instancesShareTheParametersOfOneModelAndEachOwnsItsActivations() {
        try (Arena arena = Arena.ofShared()) {
            Sequential source = ModelTreeTest.nested();
            source.build(Shape.of(4, 2, 6, 6), arena);
            Init.he(5).apply(source.parameters());
            source.forward(GradientCheck.random(arena, 6, 4, 2, 6, 6)); // a running mean worth sharing
            source.setTraining(false);
            Sequential a = ModelTreeTest.nested();
            Sequential b = ModelTreeTest.nested();
            a.build(Shape.of(1, 2, 6, 6), arena, BuildOptions.inference().withThreads(1).sharingWith(source));
            b.build(Shape.of(3, 2, 6, 6), arena, BuildOptions.inference().withThreads(1).sharingWith(source));
            for (String name : source.state().keySet()) {
                assertSame(source.state().get(name).segment(), a.state().get(name).segment(), name);
                assertSame(source.state().get(name).segment(), b.state().get(name).segment(), name);
            }
            Tensor x = GradientCheck.random(arena, 7, 1, 2, 6, 6);
            float[] expected = source.forward(x).toArray();
            Tensor ya = a.forward(x);
            assertArrayEquals(expected, ya.toArray());
            b.forward(GradientCheck.random(arena, 8, 3, 2, 6, 6));
            assertArrayEquals(expected, ya.toArray(), "b's pass wrote into a's output");

            Sequential other = Models.lenet5(GEMM);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> other.build(Shape.of(1, 1, 28, 28),
                    arena, BuildOptions.inference().withThreads(1).sharingWith(source)));
            assertTrue(e.getMessage().contains("'0.weight'") && e.getMessage().contains("same architecture"), e.getMessage());
        }
    }

    /** Issue 19: two threads in one model's pass used to corrupt each other's outputs silently. */
    @Test
    void aSecondThreadEnteringARunningPassIsRefused() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            Sequential model = ModelTreeTest.nested();
            model.build(Shape.of(2, 2, 6, 6), arena);
            RunningMeanProbe probe = (RunningMeanProbe) model.children().get("features").children().get("probe");
            Tensor x = GradientCheck.random(arena, 1, 2, 2, 6, 6);
            probe.entered = new CountDownLatch(1);
            probe.release = new CountDownLatch(1);
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<Tensor> first = pool.submit(() -> model.forward(x));
                assertTrue(probe.entered.await(10, TimeUnit.SECONDS));
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.forward(x));
                assertTrue(e.getMessage().contains("one thread at a time") && e.getMessage().contains("sharingWith"), e.getMessage());
                probe.release.countDown();
                assertEquals(Shape.of(2, 4), first.get(10, TimeUnit.SECONDS).shape());
            } finally {
                probe.release.countDown();
                pool.shutdownNow();
            }
            probe.entered = null;
            assertEquals(Shape.of(2, 4), model.forward(x).shape(), "the model is free again once the pass is over");
            model.backward(Tensor.zeros(arena, 2, 4));
        }
    }

    /** The policy, not a constructor, picks a convolution's lowering. */
    @Test
    void thePolicyPicksTheLowering() {
        try (Arena arena = Arena.ofShared()) {
            Conv2d wide = new Conv2d(Conv2dSpec.of(64, 64, 3, 1, 1), GEMM);
            BuildOptions one = BuildOptions.training().withThreads(1);
            wide.build(Shape.of(8, 64, 8, 8), arena, one); // 8 samples of 16 tiles: 128 a part
            assertEquals(ConvPolicy.Lowering.WINOGRAD, wide.lowering());
            wide.build(Shape.of(8, 64, 8, 8), arena, BuildOptions.training().withThreads(2));
            assertEquals(ConvPolicy.Lowering.IM2COL, wide.lowering(), "64 tiles a part: too few for Winograd");
            wide.build(Shape.of(1, 64, 8, 8), arena, one.withConv(ConvPolicy.defaults().withWinogradMinTiles(1)));
            assertEquals(ConvPolicy.Lowering.WINOGRAD, wide.lowering());
            wide.build(Shape.of(8, 64, 8, 8), arena, one.withConv(ConvPolicy.im2colOnly()));
            assertEquals(ConvPolicy.Lowering.IM2COL, wide.lowering());
            Conv2d floored = new Conv2d(Conv2dSpec.of(16, 16, 3, 1, 1).withFloor(true), GEMM);
            floored.build(Shape.of(1, 16, 32, 32), arena, one);
            assertEquals(ConvPolicy.Lowering.WINOGRAD, floored.lowering(), "flooring changes nothing at stride 1");
            Conv2d narrow = new Conv2d(Conv2dSpec.of(3, 16, 3, 1, 1), GEMM);
            narrow.build(Shape.of(8, 3, 32, 32), arena, one);
            assertEquals(ConvPolicy.Lowering.IM2COL, narrow.lowering(), "3 input channels: GEMMs too shallow");
            Conv2d valid = new Conv2d(Conv2dSpec.of(6, 16, 5, 1, 0), GEMM);
            valid.build(Shape.of(1, 6, 14, 14), arena, BuildOptions.training().withThreads(1)
                    .withConv(ConvPolicy.defaults().withShift(ConvPolicy.Shift.ALWAYS)));
            assertEquals(ConvPolicy.Lowering.SHIFT, valid.lowering());
        }
    }
}
