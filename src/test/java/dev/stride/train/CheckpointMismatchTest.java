package dev.stride.train;

import dev.stride.blas.GemmBackend;
import dev.stride.data.Normalization;
import dev.stride.nn.Init;
import dev.stride.nn.Layer;
import dev.stride.nn.Linear;
import dev.stride.nn.Relu;
import dev.stride.nn.Sequential;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A checkpoint that does not fit the model is refused with the path of what differs, and nothing
 * is loaded half-way: a different tree, an unknown layer type, a missing or an extra tensor, a
 * tensor of another shape.
 */
class CheckpointMismatchTest {
    private static final Map<String, String> META = Map.of("input", "4", "epochs_done", "0", "global_step", "0", "seed", "1",
            "norm.mean", "0", "norm.std", "1");

    @TempDir
    Path dir;

    private static Sequential model() {
        return new Sequential(new Linear(4, 3, true, GemmBackend.java()), new Relu(), new Linear(3, 2, true, GemmBackend.java()));
    }

    /** A built, initialised model and a copy of its values, to check that a refused load wrote nothing. */
    private static Sequential built(Arena arena, long seed) {
        Sequential m = model();
        m.build(Shape.of(1, 4), arena);
        Init.he(seed).apply(m.parameters());
        return m;
    }

    private static List<float[]> values(Layer model) {
        List<float[]> out = new ArrayList<>();
        model.state().values().forEach(t -> out.add(t.toArray()));
        return out;
    }

    private static void assertUnchanged(List<float[]> before, Layer model) {
        List<float[]> after = values(model);
        for (int i = 0; i < before.size(); i++) {
            assertArrayEquals(before.get(i), after.get(i), "tensor " + i + " was written by a refused load");
        }
    }

    private Path saved(Arena arena) throws IOException {
        Path file = dir.resolve("m.stride");
        ModelCheckpoint.save(file, built(arena, 1), new Normalization(new float[]{0}, new float[]{1}), null,
                new ModelCheckpoint.Progress(0, 0, 1), Map.of());
        return file;
    }

    /** The saved tensors with one renamed, dropped, added or reshaped, under the model's own tree. */
    private Path edited(Arena arena, String drop, String add, String reshape) throws IOException {
        Sequential m = built(arena, 1);
        Map<String, Tensor> state = new LinkedHashMap<>(m.state());
        state.remove(drop);
        if (add != null) {
            state.put(add, Tensor.zeros(arena, 2));
        }
        if (reshape != null) {
            state.put(reshape, Tensor.zeros(arena, 5));
        }
        List<NamedTensor> tensors = new ArrayList<>();
        state.forEach((k, v) -> tensors.add(new NamedTensor(k, v)));
        Path file = dir.resolve("edited.stride");
        CheckpointFile.save(file, Architecture.encode(m), META, tensors);
        return file;
    }

    @Test
    void aModelOfAnotherTreeIsRefusedNamingTheFirstDifference() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Path file = saved(arena);
            Sequential other = new Sequential(new Linear(4, 3, true, GemmBackend.java()), new Relu(), new Linear(3, 5, true, GemmBackend.java()));
            other.build(Shape.of(1, 4), arena);
            Init.he(9).apply(other.parameters());
            List<float[]> before = values(other);
            CheckpointException e = assertThrows(CheckpointException.class, () -> ModelCheckpoint.loadWeights(file, other));
            assertTrue(e.getMessage().contains("line 4") && e.getMessage().contains("2: Linear in=3 out=2")
                    && e.getMessage().contains("2: Linear in=3 out=5") && e.getMessage().contains(file.toString()), e.getMessage());
            assertUnchanged(before, other);

            Sequential same = built(arena, 7);
            ModelCheckpoint.loadWeights(file, same);
            assertArrayEquals(built(arena, 1).state().get("2.weight").toArray(), same.state().get("2.weight").toArray());
        }
    }

    @Test
    void anUnknownLayerTypeNamesTheLineAndThePath() throws IOException {
        Path file = dir.resolve("unknown.stride");
        try (Arena arena = Arena.ofConfined()) {
            CheckpointFile.save(file, "Sequential\n  0: Linear in=4 out=3 bias=true\n  act: Softplus beta=1\n", META, List.of());
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> ModelCheckpoint.load(file, GemmBackend.java(), arena, 1));
            assertTrue(e.getMessage().contains("unknown layer type Softplus") && e.getMessage().contains("at act")
                    && e.getMessage().contains("line 3"), e.getMessage());
        }
    }

    @Test
    void aMissingTensorIsNamedAndNothingIsLoaded() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Path file = edited(arena, "2.bias", null, null);
            Sequential target = built(arena, 5);
            List<float[]> before = values(target);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelCheckpoint.loadWeights(file, target));
            assertTrue(e.getMessage().contains("no tensor '2.bias'"), e.getMessage());
            assertUnchanged(before, target);
        }
    }

    @Test
    void anExtraTensorIsNamedAndNothingIsLoaded() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Path file = edited(arena, "none", "1.running_mean", null);
            Sequential target = built(arena, 5);
            List<float[]> before = values(target);
            CheckpointException e = assertThrows(CheckpointException.class, () -> ModelCheckpoint.loadWeights(file, target));
            assertTrue(e.getMessage().contains("[1.running_mean]") && e.getMessage().contains("no place for"), e.getMessage());
            assertUnchanged(before, target);
            assertThrows(CheckpointException.class, () -> ModelCheckpoint.load(file, GemmBackend.java(), arena, 1));
        }
    }

    @Test
    void aTensorOfAnotherShapeNamesBothShapesAndNothingIsLoaded() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Path file = edited(arena, "none", null, "0.bias");
            Sequential target = built(arena, 5);
            List<float[]> before = values(target);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelCheckpoint.loadWeights(file, target));
            assertTrue(e.getMessage().contains("'0.bias' has shape [5] in the checkpoint but [3] in the model"), e.getMessage());
            assertUnchanged(before, target);
        }
    }
}
