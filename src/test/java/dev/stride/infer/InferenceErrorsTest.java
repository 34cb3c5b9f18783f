package dev.stride.infer;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;
import dev.stride.data.Normalization;
import dev.stride.nn.Linear;
import dev.stride.nn.Sequential;
import dev.stride.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad inputs and misuse get a clear exception naming what to change; none runs a pass half-way. */
class InferenceErrorsTest {
    private static final Gemm GEMM = GemmBackend.java();

    private static InferenceModel lenet(Arena arena, InferenceOptions options) {
        return InferenceModel.of(Fixtures.lenet(GEMM, arena, 1, 1), Fixtures.grey(), List.of(), options);
    }

    private static InferenceOptions options() {
        return InferenceOptions.defaults(GEMM).withMaxBatch(4).withMaxSamplesPerCall(10);
    }

    private static void assertMessage(Exception e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void inputsOfTheWrongLengthOrCountAreRefused() {
        try (Arena arena = Arena.ofShared(); InferenceModel model = lenet(arena, options())) {
            assertMessage(assertThrows(IllegalArgumentException.class, () -> model.predict(new float[784 * 2 + 1], 2)),
                    "2 samples of 1x28x28 are 1568 floats", "1569");
            assertMessage(assertThrows(IllegalArgumentException.class, () -> model.predict(MemorySegment.ofArray(new float[784]), 2)),
                    "6272 bytes", "3136");
            assertMessage(assertThrows(IllegalArgumentException.class, () -> model.predict(new float[0], 0)), "1 to 10 samples", "got 0");
            // Above maxSamplesPerCall, although chunks of maxBatch could run it.
            assertMessage(assertThrows(IllegalArgumentException.class, () -> model.predict(new float[784 * 11], 11)),
                    "1 to 10 samples", "maxSamplesPerCall", "split the call");
            assertEquals(10, model.predict(new float[784 * 10], 10).size(), "10 samples in chunks of 4");
            assertMessage(assertThrows(IllegalArgumentException.class, () -> model.predict(List.<java.awt.image.BufferedImage>of())),
                    "1 to 10 samples", "got 0");
        }
    }

    @Test
    void aNanOrInfiniteInputIsRefusedNamingTheSample() {
        try (Arena arena = Arena.ofShared(); InferenceModel model = lenet(arena, options())) {
            float[] x = new float[784 * 3];
            x[784 * 2 + 5] = Float.NaN;
            assertMessage(assertThrows(IllegalArgumentException.class, () -> model.predict(x, 3)),
                    "sample 2, element 5 of 1x28x28 is NaN", "finite");
            x[784 * 2 + 5] = 0;
            x[7] = Float.NEGATIVE_INFINITY;
            assertMessage(assertThrows(IllegalArgumentException.class, () -> model.predict(MemorySegment.ofArray(x), 3)),
                    "sample 0, element 7", "-Infinity");
        }
    }

    @Test
    void aClosedModelOrPredictorThrows() {
        try (Arena arena = Arena.ofShared()) {
            InferenceModel model = lenet(arena, options());
            Predictor own = model.newPredictor();
            model.predict(new float[784], 1);
            model.close();
            model.close(); // idempotent
            assertMessage(assertThrows(IllegalStateException.class, () -> model.predict(new float[784], 1)), "InferenceModel is closed");
            assertMessage(assertThrows(IllegalStateException.class, model::newPredictor), "closed");
            assertMessage(assertThrows(IllegalStateException.class, model::warmup), "closed");
            assertMessage(assertThrows(IllegalStateException.class, () -> own.predict(new float[784], 1)),
                    "Predictor is closed", "InferenceModel");
        }
    }

    @Test
    void aModelThatTakesNoPicturesSaysSo() {
        try (Arena arena = Arena.ofShared()) {
            Sequential mlp = new Sequential(new Linear(12, 3, true, GEMM));
            mlp.build(Shape.of(1, 12), arena, 1);
            try (InferenceModel model = InferenceModel.of(mlp, Fixtures.grey(), List.of("a", "b", "c"), null,
                    InferenceOptions.defaults(GEMM))) {
                assertEquals("b", model.predict(new float[12], 1).getFirst().name(1));
                BufferedImage picture = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
                assertMessage(assertThrows(IllegalStateException.class, () -> model.predict(picture)), "takes 12 inputs, not pictures");
            }
        }
    }

    @Test
    void aModelIsRefusedItsWrongNamesNormalisationPreparationOrThreadBudget() {
        try (Arena arena = Arena.ofShared()) {
            Sequential net = Fixtures.lenet(GEMM, arena, 1, 1);
            assertMessage(assertThrows(IllegalArgumentException.class, () -> InferenceModel.of(net, Fixtures.grey(),
                    List.of("a", "b"), options())), "2 class names for a model with 10 outputs");
            assertMessage(assertThrows(IllegalArgumentException.class, () -> InferenceModel.of(net, Normalization.identity(3),
                    List.of(), options())), "normalisation has 3 channels but the model takes 1");
            int cores = Runtime.getRuntime().availableProcessors();
            assertMessage(assertThrows(IllegalArgumentException.class, () -> InferenceModel.of(net, Fixtures.grey(), List.of(),
                    options().withPredictors(cores).withThreadsPerPredictor(2))), "threads, more than the " + cores + " processors",
                    "withForceThreads");
            InferenceModel.of(net, Fixtures.grey(), List.of(), options().withPredictors(cores).withThreadsPerPredictor(2)
                    .withForceThreads(true)).close();
            Sequential unbuilt = dev.stride.nn.Models.lenet5(GEMM);
            assertMessage(assertThrows(IllegalStateException.class, () -> InferenceModel.of(unbuilt, Fixtures.grey(), List.of(),
                    options())), "not built yet");
        }
    }

    @Test
    void aBatchingFrontLargerThanTheModelsPassesIsRefused() {
        try (Arena arena = Arena.ofShared(); InferenceModel model = lenet(arena, options())) {
            assertMessage(assertThrows(IllegalArgumentException.class, () -> BatchingPredictor.start(model,
                    BatchingOptions.defaults(model).withMaxBatch(5))), "maxBatch 5", "(4, InferenceOptions.maxBatch)");
            assertMessage(assertThrows(IllegalArgumentException.class, () -> new BatchingOptions(4, java.time.Duration.ofMillis(-1), 8, 1)),
                    "maxWait");
        }
    }
}
