package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;
import dev.stride.tensor.Workspace;
import dev.stride.testing.Allocations;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.SplittableRandom;

import static dev.stride.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * BatchNorm2d and BatchNorm1d against plain loops in double, finite differences in both modes, the
 * accuracy at a large mean, the split by channels, inference builds and the allocation-free step.
 * PyTorch's own cases are in the reference cases (op batchnorm2d).
 */
class BatchNormTest {

    @Test
    void parametersAndBuffersAreNamedAndSetAsPyTorchDoes() {
        try (Arena arena = Arena.ofConfined()) {
            Sequential model = new Sequential(new Conv2d(Conv2dSpec.of(1, 3, 3, 1, 1).withBias(false)), new BatchNorm2d(3));
            model.build(Shape.of(2, 1, 4, 4), arena);
            assertEquals(List.of("0.weight", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked"),
                    List.copyOf(model.state().keySet()));
            BatchNorm2d bn = (BatchNorm2d) model.children().get("1");
            assertEquals(InitRule.constant(1f), bn.weight().init());
            assertEquals(InitRule.constant(0f), bn.bias().init());
            assertFalse(bn.weight().decays());
            assertFalse(bn.bias().decays());
            assertClose(new float[] {1, 1, 1}, bn.weight().value(), 0, 0);
            assertClose(new float[] {0, 0, 0}, bn.bias().value(), 0, 0);
            assertClose(new float[] {0, 0, 0}, bn.runningMean(), 0, 0);
            assertClose(new float[] {1, 1, 1}, bn.runningVar(), 0, 0);
            assertEquals(Shape.of(1), bn.numBatchesTracked().shape());
            assertEquals(1e-5, bn.eps());
            assertEquals(0.1, bn.momentum());
            Init.he(3).apply(model.parameters()); // constants stay what PyTorch sets
            assertClose(new float[] {1, 1, 1}, bn.weight().value(), 0, 0);
            assertClose(new float[] {0, 0, 0}, bn.bias().value(), 0, 0);
        }
    }

    @Test
    void trainingNormalisesWithTheBatchAndMovesTheRunningStatistics() {
        try (Arena arena = Arena.ofConfined()) {
            BatchNorm2d bn = built(new BatchNorm2d(3, 1e-3, 0.25), arena, 4, 3, 5, 3);
            randomAffine(bn, 1);
            Tensor x = GradientCheck.random(arena, 2, 4, 3, 5, 3);
            float[] rm = bn.runningMean().toArray();
            float[] rv = bn.runningVar().toArray();
            Naive want = Naive.of(x, bn, true);
            assertClose(want.y, bn.forward(x), 1e-5, 1e-6);
            for (int c = 0; c < 3; c++) {
                assertEquals(0.75 * rm[c] + 0.25 * want.mean[c], bn.runningMean().getFlat(c), 1e-6);
                assertEquals(0.75 * rv[c] + 0.25 * want.var[c] * 60 / 59, bn.runningVar().getFlat(c), 1e-6);
            }
            assertEquals(1f, bn.numBatchesTracked().getFlat(0));
            bn.forward(x);
            assertEquals(2f, bn.numBatchesTracked().getFlat(0));
        }
    }

    @Test
    void evaluationNormalisesWithTheRunningStatisticsAndLeavesThemAlone() {
        try (Arena arena = Arena.ofConfined()) {
            BatchNorm1d bn = built(new BatchNorm1d(5), arena, 3, 5);
            randomAffine(bn, 4);
            bn.runningMean().copyFrom(new float[] {0.5f, -1, 2, 0, 0.25f});
            bn.runningVar().copyFrom(new float[] {0.5f, 2, 1, 0.1f, 3});
            bn.setTraining(false);
            Tensor x = GradientCheck.random(arena, 5, 3, 5);
            assertClose(Naive.of(x, bn, false).y, bn.forward(x), 1e-5, 1e-6);
            assertClose(new float[] {0.5f, -1, 2, 0, 0.25f}, bn.runningMean(), 0, 0);
            assertClose(new float[] {0.5f, 2, 1, 0.1f, 3}, bn.runningVar(), 0, 0);
            assertEquals(0f, bn.numBatchesTracked().getFlat(0));
        }
    }

    /** A mean of 1e4 against a spread of 0.1: E[x^2] - E[x]^2 in float32 would lose the variance entirely. */
    @Test
    void theVarianceStaysAccurateWhenTheMeanIsLargeAgainstTheSpread() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 8;
            int c = 3;
            BatchNorm2d bn = built(new BatchNorm2d(c), arena, n, c, 16, 16);
            Tensor x = Tensor.zeros(arena, n, c, 16, 16);
            SplittableRandom random = new SplittableRandom(11);
            for (long i = 0; i < x.size(); i++) {
                x.setFlat(i, (float) (1e4 + 0.1 * random.nextGaussian()));
            }
            Naive want = Naive.of(x, bn, true);
            float[] naiveFloat = new float[c];
            for (int ch = 0; ch < c; ch++) {
                naiveFloat[ch] = floatMomentsVariance(x, ch);
                assertTrue(Math.abs(naiveFloat[ch] - want.var[ch]) > 0.2 * want.var[ch],
                        "the test must tell: E[x^2] - E[x]^2 in float gives " + naiveFloat[ch] + " against " + want.var[ch]);
            }
            assertClose(want.y, bn.forward(x), 1e-4, 1e-5);
            for (int ch = 0; ch < c; ch++) {
                double unbiased = want.var[ch] * (n * 256.0) / (n * 256.0 - 1);
                assertEquals(0.9 + 0.1 * unbiased, bn.runningVar().getFlat(ch), 1e-7);
                assertEquals(0.1 * want.mean[ch], bn.runningMean().getFlat(ch), 1e-3);
            }
            Tensor dy = GradientCheck.random(arena, 2, n, c, 16, 16);
            Tensor dx = bn.backward(dy, true);
            float[] expected = Naive.inputGradTraining(x, dy, bn, want);
            assertClose(expected, dx, 1e-4, 1e-4);
        }
    }

    @Test
    void gradientsMatchFiniteDifferencesInBothModes() {
        try (Arena arena = Arena.ofConfined()) {
            for (boolean training : new boolean[] {true, false}) {
                BatchNorm2d conv = built(new BatchNorm2d(3), arena, 2, 3, 3, 4);
                randomAffine(conv, 7);
                conv.runningMean().copyFrom(new float[] {0.1f, -0.3f, 0.2f});
                conv.runningVar().copyFrom(new float[] {0.4f, 1.5f, 0.8f});
                conv.setTraining(training);
                GradientCheck.checkLayer(conv, GradientCheck.random(arena, 8, 2, 3, 3, 4), 9);

                BatchNorm1d dense = built(new BatchNorm1d(4), arena, 5, 4);
                randomAffine(dense, 10);
                dense.setTraining(training);
                GradientCheck.checkLayer(dense, GradientCheck.random(arena, 11, 5, 4), 12);

                BatchNorm1d sequence = built(new BatchNorm1d(2), arena, 3, 2, 3);
                randomAffine(sequence, 13);
                sequence.setTraining(training);
                GradientCheck.checkLayer(sequence, GradientCheck.random(arena, 14, 3, 2, 3), 15);
            }
        }
    }

    /**
     * Conv - BN - tanh - Linear - BN1d in training mode, as one model. Tanh rather than ReLU: BN moves
     * every value of a channel when one conv weight moves, so finite differences cross ReLU's kink at
     * many points at once, within both step sizes, which the checker cannot tell from a wrong gradient.
     */
    @Test
    void gradientsFlowThroughAConvBatchNormNetwork() {
        try (Arena arena = Arena.ofConfined()) {
            Sequential model = new Sequential(new Conv2d(Conv2dSpec.of(2, 3, 3, 1, 1).withBias(false)), new BatchNorm2d(3),
                    new Tanh(), new Flatten(), new Linear(3 * 4 * 4, 5), new BatchNorm1d(5));
            model.build(Shape.of(4, 2, 4, 4), arena);
            Init.he(21).apply(model.parameters());
            GradientCheck.checkLayer(model, GradientCheck.random(arena, 22, 4, 2, 4, 4), 23);
        }
    }

    /** Backward differentiates what its forward computed, even when the mode changed in between. */
    @Test
    void backwardFollowsTheStatisticsItsForwardUsed() {
        try (Arena arena = Arena.ofConfined()) {
            BatchNorm2d bn = built(new BatchNorm2d(2), arena, 3, 2, 2, 2);
            randomAffine(bn, 30);
            Tensor x = GradientCheck.random(arena, 31, 3, 2, 2, 2);
            Tensor dy = GradientCheck.random(arena, 32, 3, 2, 2, 2);
            bn.forward(x);
            float[] training = bn.backward(dy, true).toArray();
            bn.forward(x);
            bn.setTraining(false);
            assertArrayEquals(training, bn.backward(dy, true).toArray());
            bn.forward(x);
            assertFalse(java.util.Arrays.equals(training, bn.backward(dy, true).toArray()));
        }
    }

    @Test
    void oneValuePerChannelIsAnErrorInTrainingOnly() {
        try (Arena arena = Arena.ofConfined()) {
            Sequential model = new Sequential(new Linear(3, 4), new BatchNorm1d(4));
            model.build(Shape.of(8, 3), arena);
            Tensor one = GradientCheck.random(arena, 1, 1, 3);
            ShapeException e = assertThrows(ShapeException.class, () -> model.forward(one));
            assertTrue(e.getMessage().contains("layer 1 (BatchNorm1d)") && e.getMessage().contains("[1, 4]")
                    && e.getMessage().contains("more than one value per channel"), e.getMessage());
            model.setTraining(false);
            assertEquals(Shape.of(1, 4), model.forward(one).shape());

            BatchNorm2d image = built(new BatchNorm2d(2), arena, 1, 2, 1, 1);
            e = assertThrows(ShapeException.class, () -> image.forward(GradientCheck.random(arena, 2, 1, 2, 1, 1)));
            assertTrue(e.getMessage().contains("BatchNorm2d") && e.getMessage().contains("[1, 2, 1, 1]"), e.getMessage());
            assertEquals(0f, image.numBatchesTracked().getFlat(0));
        }
    }

    @Test
    void wrongShapesAreRejectedWithTheFix() {
        ShapeException e = assertThrows(ShapeException.class, () -> new BatchNorm2d(8).outputShape(Shape.of(2, 6, 4, 4)));
        assertTrue(e.getMessage().contains("C = 8") && e.getMessage().contains("[2, 6, 4, 4]"), e.getMessage());
        e = assertThrows(ShapeException.class, () -> new BatchNorm2d(8).outputShape(Shape.of(2, 8)));
        assertTrue(e.getMessage().contains("BatchNorm1d"), e.getMessage());
        e = assertThrows(ShapeException.class, () -> new BatchNorm1d(8).outputShape(Shape.of(2, 8, 2, 2)));
        assertTrue(e.getMessage().contains("BatchNorm2d"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BatchNorm2d(0));
        assertThrows(IllegalArgumentException.class, () -> new BatchNorm2d(4, 0, 0.1));
        assertThrows(IllegalArgumentException.class, () -> new BatchNorm2d(4, 1e-5, 1.5));
    }

    /** Each channel on one thread: two threads give the bits of one, in both modes. */
    @Test
    void splittingByChannelsGivesTheSameBits() {
        float[][] one = run(1);
        float[][] two = run(2);
        for (int i = 0; i < one.length; i++) {
            assertArrayEquals(one[i], two[i], "array " + i);
        }
    }

    private static float[][] run(int threads) {
        try (Arena arena = Arena.ofShared()) {
            BatchNorm2d bn = new BatchNorm2d(5);
            bn.build(Shape.of(3, 5, 4, 6), arena, BuildOptions.training().withThreads(threads).withSplitSmallLayers(true));
            randomAffine(bn, 3);
            Tensor x = GradientCheck.random(arena, 4, 3, 5, 4, 6);
            Tensor dy = GradientCheck.random(arena, 5, 3, 5, 4, 6);
            float[] y = bn.forward(x).toArray();
            float[] dx = bn.backward(dy, true).toArray();
            bn.setTraining(false);
            float[] yEval = bn.forward(x).toArray();
            float[] dxEval = bn.backward(dy, true).toArray();
            return new float[][] {y, dx, yEval, dxEval, bn.weight().grad().toArray(), bn.bias().grad().toArray(),
                    bn.runningMean().toArray(), bn.runningVar().toArray()};
        }
    }

    @Test
    void anInferenceBuildUsesTheRunningStatisticsAndCannotTrain() {
        try (Arena arena = Arena.ofConfined()) {
            BatchNorm2d trained = built(new BatchNorm2d(2), arena, 2, 2, 3, 3);
            randomAffine(trained, 2);
            trained.forward(GradientCheck.random(arena, 3, 2, 2, 3, 3)); // moves the running statistics
            BatchNorm2d served = new BatchNorm2d(2);
            served.build(Shape.of(2, 2, 3, 3), arena, BuildOptions.inference().withThreads(1).sharingWith(trained));
            assertFalse(served.isTraining());
            assertThrows(IllegalStateException.class, () -> served.setTraining(true));
            float[] mean = trained.runningMean().toArray();
            Tensor x = GradientCheck.random(arena, 4, 2, 2, 3, 3);
            trained.setTraining(false);
            assertArrayEquals(trained.forward(x).toArray(), served.forward(x).toArray());
            assertArrayEquals(mean, served.runningMean().toArray());
            assertFalse(served.weight().hasGrad());
        }
    }

    @Test
    void summaryLinesShowTheHyperparametersAndTheArithmetic() {
        try (Arena arena = Arena.ofConfined()) {
            BatchNorm2d bn = built(new BatchNorm2d(64), arena, 64, 64, 32, 32);
            assertEquals("BatchNorm2d(64, eps 1.0E-5, momentum 0.1)", bn.describe());
            assertEquals("[64, 64, 32, 32] -> [64, 64, 32, 32]; batch statistics over N*H*W = 64*32*32 = 65536 values per "
                    + "channel; parameters 2*64 = 128 (weight, bias); buffers running_mean, running_var (64 each), "
                    + "num_batches_tracked", bn.explain(bn.inputShape()));
            assertEquals(128, bn.parameterCount());
            assertTrue(new BatchNorm1d(10, 1e-3, 0.01).explain(Shape.of(4, 10)).contains("over N = 4 values"));
            assertEquals("BatchNorm1d(10, eps 0.001, momentum 0.01)", new BatchNorm1d(10, 1e-3, 0.01).describe());
        }
    }

    /** Forward and backward in both modes, on two threads split by channels. */
    @Test
    void aStepAllocatesNothingOnceCompiled() {
        try (Arena arena = Arena.ofShared()) {
            BatchNorm2d bn = new BatchNorm2d(8);
            bn.build(Shape.of(4, 8, 8, 8), arena, new Workspace(arena, 2), BuildOptions.training().withSplitSmallLayers(true));
            Tensor x = GradientCheck.random(arena, 1, 4, 8, 8, 8);
            Tensor dy = GradientCheck.random(arena, 2, 4, 8, 8, 8);
            long perStep = Allocations.perCallOnceCompiled(200, 64, i -> {
                bn.setTraining(i % 2 == 0);
                bn.forward(x);
                bn.backward(dy, true);
            });
            assertTrue(perStep < 64, "a forward and backward allocated " + perStep + " bytes");
        }
    }

    static <L extends Layer> L built(L layer, Arena arena, int... dims) {
        layer.build(Shape.of(dims), arena, new Workspace(arena));
        return layer;
    }

    static void randomAffine(BatchNormBase bn, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int c = 0; c < bn.channels(); c++) {
            bn.weight().value().setFlat(c, (float) random.nextDouble(0.5, 1.5) * (c % 2 == 0 ? 1 : -1));
            bn.bias().value().setFlat(c, (float) random.nextDouble(-0.5, 0.5));
        }
    }

    /** The variance as E[x^2] - E[x]^2 with float sums: what the kernel must not do. */
    private static float floatMomentsVariance(Tensor x, int c) {
        int n = x.dim(0);
        int channels = x.dim(1);
        int plane = (int) (x.shape().sampleSize() / channels);
        float sum = 0;
        float squares = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < plane; j++) {
                float v = x.getFlat(((long) i * channels + c) * plane + j);
                sum += v;
                squares += v * v;
            }
        }
        float mean = sum / (n * plane);
        return squares / (n * plane) - mean * mean;
    }

    /** Plain loops in double: the statistics a forward uses and its output. */
    record Naive(double[] mean, double[] var, float[] y) {
        static Naive of(Tensor x, BatchNormBase bn, boolean batch) {
            int n = x.dim(0);
            int channels = x.dim(1);
            int plane = (int) (x.shape().sampleSize() / channels);
            double[] mean = new double[channels];
            double[] var = new double[channels];
            float[] y = new float[(int) x.size()];
            for (int c = 0; c < channels; c++) {
                if (batch) {
                    double s = 0;
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < plane; j++) {
                            s += x.getFlat(((long) i * channels + c) * plane + j);
                        }
                    }
                    mean[c] = s / (n * plane);
                    double q = 0;
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < plane; j++) {
                            double d = x.getFlat(((long) i * channels + c) * plane + j) - mean[c];
                            q += d * d;
                        }
                    }
                    var[c] = q / (n * plane);
                } else {
                    mean[c] = bn.runningMean().getFlat(c);
                    var[c] = bn.runningVar().getFlat(c);
                }
                double scale = bn.weight().value().getFlat(c) / Math.sqrt(var[c] + bn.eps());
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < plane; j++) {
                        int at = (i * channels + c) * plane + j;
                        y[at] = (float) ((x.getFlat(at) - mean[c]) * scale + bn.bias().value().getFlat(c));
                    }
                }
            }
            return new Naive(mean, var, y);
        }

        /** dx with batch statistics, written out from the chain rule in double. */
        static float[] inputGradTraining(Tensor x, Tensor dy, BatchNormBase bn, Naive stats) {
            int n = x.dim(0);
            int channels = x.dim(1);
            int plane = (int) (x.shape().sampleSize() / channels);
            int m = n * plane;
            float[] dx = new float[(int) x.size()];
            for (int c = 0; c < channels; c++) {
                double invStd = 1 / Math.sqrt(stats.var[c] + bn.eps());
                double sumDy = 0;
                double sumDyXhat = 0;
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < plane; j++) {
                        int at = (i * channels + c) * plane + j;
                        sumDy += dy.getFlat(at);
                        sumDyXhat += dy.getFlat(at) * (x.getFlat(at) - stats.mean[c]) * invStd;
                    }
                }
                double k = bn.weight().value().getFlat(c) * invStd;
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < plane; j++) {
                        int at = (i * channels + c) * plane + j;
                        double xhat = (x.getFlat(at) - stats.mean[c]) * invStd;
                        dx[at] = (float) (k * (dy.getFlat(at) - sumDy / m - xhat * sumDyXhat / m));
                    }
                }
            }
            return dx;
        }
    }
}
