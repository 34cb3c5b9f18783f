package dev.stride.train;

import dev.stride.blas.GemmBackend;
import dev.stride.data.Normalization;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Conv2dSpec;
import dev.stride.nn.Flatten;
import dev.stride.nn.GlobalAvgPool;
import dev.stride.nn.Init;
import dev.stride.nn.Layer;
import dev.stride.nn.Linear;
import dev.stride.nn.Parameter;
import dev.stride.nn.Relu6;
import dev.stride.nn.Sequential;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelCheckpointTest {

    @Test
    void aLoadedModelComputesWhatTheSavedOneDid(@TempDir Path dir) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            TrainerTest.Run run = TrainerTest.Run.fresh(arena, GemmBackend.java(), 11);
            run.epoch(0);
            Path file = dir.resolve("m.stride");
            Normalization norm = Normalization.of(TrainerTest.TRAIN);
            ModelCheckpoint.save(file, run.model(), norm, run.optimizer(),
                    new ModelCheckpoint.Progress(1, run.trainer().globalStep(), 11), Map.of("note", "x"));

            ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(file, GemmBackend.openBlas(), arena, 4);
            assertEquals(new ModelCheckpoint.Progress(1, run.trainer().globalStep(), 11), loaded.progress());
            assertEquals(norm, loaded.normalization());
            assertEquals("x", loaded.checkpoint().meta("note"));
            assertEquals(Shape.of(4, 1, 12, 12), loaded.model().inputShape());
            Tensor x = GradientCheck.random(arena, 1, 4, 1, 12, 12);
            float[] expected = run.model().forward(x).toArray();
            assertArrayEquals(expected, loaded.model().forward(x).toArray(), 1e-5f);
        }
    }

    @Test
    void aResumedRunEndsWithTheWeightsOfAnUninterruptedOne(@TempDir Path dir) throws IOException {
        float[] straight;
        try (Arena arena = Arena.ofConfined()) {
            TrainerTest.Run run = TrainerTest.Run.fresh(arena, GemmBackend.java(), 9);
            run.epoch(0);
            run.epoch(1);
            run.epoch(2);
            straight = TrainerTest.allValues(run.model());
        }
        Path file = dir.resolve("resume.stride");
        try (Arena arena = Arena.ofConfined()) {
            TrainerTest.Run run = TrainerTest.Run.fresh(arena, GemmBackend.java(), 9);
            run.epoch(0);
            ModelCheckpoint.save(file, run.model(), Normalization.of(TrainerTest.TRAIN), run.optimizer(),
                    new ModelCheckpoint.Progress(1, run.trainer().globalStep(), 9), Map.of());
        }
        try (Arena arena = Arena.ofConfined()) {
            ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(file, GemmBackend.java(), arena, TrainerTest.BATCH);
            TrainerTest.Run run = TrainerTest.Run.around(loaded.model(), arena, loaded.progress().seed());
            loaded.restore(run.optimizer());
            run.trainer().setGlobalStep(loaded.progress().globalStep());
            for (int e = loaded.progress().epochsDone(); e < 3; e++) {
                run.epoch(e);
            }
            assertArrayEquals(straight, TrainerTest.allValues(run.model()));
        }
    }

    @Test
    void transferLearningFreezesTheFeaturesAndTrainsANewHead(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("base.stride");
        try (Arena arena = Arena.ofConfined()) {
            TrainerTest.Run run = TrainerTest.Run.fresh(arena, GemmBackend.java(), 4);
            run.epoch(0);
            ModelCheckpoint.save(file, run.model(), Normalization.of(TrainerTest.TRAIN), null,
                    new ModelCheckpoint.Progress(1, run.trainer().globalStep(), 4), Map.of());
        }
        try (Arena arena = Arena.ofConfined()) {
            Sequential base = (Sequential) ModelCheckpoint.load(file, GemmBackend.java(), arena, TrainerTest.BATCH).model();
            List<dev.stride.nn.Layer> layers = new ArrayList<>(base.layers());
            layers.set(layers.size() - 1, new Linear(4 * 6 * 6, 3, true, GemmBackend.java()));
            Sequential tuned = new Sequential(layers);
            tuned.build(base.inputShape(), arena);
            TrainerTest.Run run = TrainerTest.Run.around(tuned, arena, 4);
            List<Parameter> features = tuned.layers().getFirst().parameters();
            run.optimizer().freeze(features);
            float[] before = features.get(0).value().toArray();
            float[] headBefore = tuned.parameters().getLast().value().toArray();
            EpochResult r = run.epoch(0);
            assertArrayEquals(before, features.get(0).value().toArray(), "a frozen layer changed");
            assertFalse(java.util.Arrays.equals(headBefore, tuned.parameters().getLast().value().toArray()));
            assertTrue(r.testAccuracy() > 0.8, "a new head on the trained features should learn fast: " + r);

            Path tunedFile = dir.resolve("tuned.stride");
            ModelCheckpoint.save(tunedFile, tuned, Normalization.of(TrainerTest.TRAIN), run.optimizer(),
                    new ModelCheckpoint.Progress(1, 0, 4), Map.of());
            assertEquals(Architecture.encode(tuned),
                    Architecture.encode(ModelCheckpoint.load(tunedFile, GemmBackend.java(), arena, 2).model()));
        }
    }

    /** A MobileNet-style model (depthwise and grouped convolutions, ReLU6) is saved and rebuilt from its tree. */
    @Test
    void groupedConvolutionsAndRelu6RoundTrip(@TempDir Path dir) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Sequential model = new Sequential(
                    new Conv2d(Conv2dSpec.of(3, 6, 3, 1, 1), GemmBackend.java()), new Relu6(),
                    new Conv2d(Conv2dSpec.of(6, 6, 3, 2, 1).withGroups(6).withFloor(true).withBias(false), GemmBackend.java()),
                    new Relu6(),
                    new Conv2d(Conv2dSpec.of(6, 4, 1, 1, 0).withGroups(2), GemmBackend.java()),
                    new GlobalAvgPool(), new Flatten(), new Linear(4, 3, true, GemmBackend.java()));
            model.build(Shape.of(2, 3, 8, 8), arena);
            Init.he(3).apply(model.parameters());
            Tensor x = GradientCheck.random(arena, 4, 2, 3, 8, 8);
            float[] expected = model.forward(x).toArray();
            Path file = dir.resolve("mobile.stride");
            ModelCheckpoint.save(file, model, Normalization.identity(3), null, new ModelCheckpoint.Progress(0, 0, 3), Map.of());
            Layer loaded = ModelCheckpoint.load(file, GemmBackend.java(), arena, 2).model();
            assertEquals(Architecture.encode(model), Architecture.encode(loaded));
            assertEquals(Shape.of(6, 1, 3, 3), loaded.state().get("2.weight").shape());
            assertEquals(Shape.of(4, 3, 1, 1), loaded.state().get("4.weight").shape());
            assertArrayEquals(expected, loaded.forward(x).toArray());
        }
    }

    @Test
    void aCheckpointOfAnotherModelIsAClearError(@TempDir Path dir) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            TrainerTest.Run run = TrainerTest.Run.fresh(arena, GemmBackend.java(), 4);
            Path file = dir.resolve("m.stride");
            ModelCheckpoint.save(file, run.model(), Normalization.of(TrainerTest.TRAIN), run.optimizer(),
                    new ModelCheckpoint.Progress(0, 0, 4), Map.of());
            ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(file, GemmBackend.java(), arena, 2);
            TrainerTest.Run other = TrainerTest.Run.fresh(arena, GemmBackend.java(), 4);
            var adam = new dev.stride.optim.Adam(other.model().parameters(), arena, dev.stride.optim.AdamSpec.of(1e-3));
            Exception e = assertThrows(Exception.class, () -> loaded.restore(adam));
            assertTrue(e.getMessage().contains("adam") || e.getMessage().contains("exp_avg"), e.getMessage());
        }
    }
}
