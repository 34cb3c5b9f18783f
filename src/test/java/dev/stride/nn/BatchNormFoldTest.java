package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.testing.Backends;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static dev.stride.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Folding an evaluation-mode BN into the conv before it: the folded conv alone computes conv + BN. */
class BatchNormFoldTest {

    @Test
    void aFoldedConvWithBiasEqualsConvThenBatchNorm() {
        for (Gemm gemm : Backends.all()) {
            try (Arena arena = Arena.ofConfined()) {
                Sequential convBn = new Sequential(new Conv2d(Conv2dSpec.of(3, 4, 3, 1, 1), gemm), new BatchNorm2d(4));
                Tensor expected = trainedThenEvaluated(convBn, arena);
                Conv2d conv = (Conv2d) convBn.children().get("0");
                BatchNorm2d.foldInto(conv, (BatchNorm2d) convBn.children().get("1"), conv);
                assertClose(expected, conv.forward(input(arena)), 1e-4, 1e-5);
            }
        }
    }

    /** ResNet's convs have no bias: they fold into a copy built with one, as in a model without the BN layers. */
    @Test
    void aConvWithoutBiasFoldsIntoACopyWithABias() {
        for (Gemm gemm : Backends.all()) {
            try (Arena arena = Arena.ofConfined()) {
                Conv2dSpec spec = new Conv2dSpec(3, 5, 3, 3, 2, 1, false, true);
                Sequential convBn = new Sequential(new Conv2d(spec, gemm), new BatchNorm2d(5));
                Tensor expected = trainedThenEvaluated(convBn, arena);
                Conv2d folded = new Conv2d(spec.withBias(true), gemm);
                folded.build(Shape.of(6, 3, 7, 7), arena, BuildOptions.inference().withThreads(1));
                Conv2d conv = (Conv2d) convBn.children().get("0");
                BatchNorm2d.foldInto(conv, (BatchNorm2d) convBn.children().get("1"), folded);
                assertClose(expected, folded.forward(input(arena)), 1e-4, 1e-5);

                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> BatchNorm2d.foldInto(conv, (BatchNorm2d) convBn.children().get("1"), conv));
                assertTrue(e.getMessage().contains("no bias") && e.getMessage().contains("layer 0 (Conv2d)"), e.getMessage());
            }
        }
    }

    @Test
    void aBatchNormOfAnotherWidthIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            Sequential model = new Sequential(new Conv2d(Conv2dSpec.of(1, 2, 1, 1, 0)), new Conv2d(Conv2dSpec.of(2, 3, 1, 1, 0)),
                    new BatchNorm2d(3));
            model.build(Shape.of(2, 1, 2, 2), arena);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchNorm2d.foldInto(
                    (Conv2d) model.children().get("0"), (BatchNorm2d) model.children().get("2"), (Conv2d) model.children().get("0")));
            assertTrue(e.getMessage().contains("3 channels") && e.getMessage().contains("2 output channels"), e.getMessage());
        }
    }

    /**
     * Builds conv + BN, trains the BN's statistics and affine parameters away from their defaults with
     * a few training forwards, and returns the evaluation-mode output for {@link #input}.
     */
    private static Tensor trainedThenEvaluated(Sequential convBn, Arena arena) {
        convBn.build(Shape.of(6, 3, 7, 7), arena);
        Init.he(5).apply(convBn.parameters());
        BatchNorm2d bn = (BatchNorm2d) convBn.children().get("1");
        BatchNormTest.randomAffine(bn, 6);
        for (int i = 0; i < 5; i++) {
            convBn.forward(GradientCheck.random(arena, 10 + i, 6, 3, 7, 7));
        }
        convBn.setTraining(false);
        Tensor y = convBn.forward(input(arena));
        Tensor copy = Tensor.zeros(arena, y.shape());
        copy.copyFrom(y);
        return copy;
    }

    private static Tensor input(Arena arena) {
        return GradientCheck.random(arena, 99, 6, 3, 7, 7);
    }
}
