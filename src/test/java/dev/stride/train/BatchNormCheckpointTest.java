package dev.stride.train;

import dev.stride.blas.GemmBackend;
import dev.stride.data.Normalization;
import dev.stride.nn.BatchNorm1d;
import dev.stride.nn.BatchNorm2d;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Conv2dSpec;
import dev.stride.nn.Flatten;
import dev.stride.nn.Init;
import dev.stride.nn.Linear;
import dev.stride.nn.Relu;
import dev.stride.nn.Sequential;
import dev.stride.nn.SoftmaxCrossEntropy;
import dev.stride.optim.Sgd;
import dev.stride.optim.SgdSpec;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A model with batch norm layers through Architecture and ModelCheckpoint: its tree, parameters and buffers, bit for bit. */
class BatchNormCheckpointTest {

    private static Sequential model() {
        return new Sequential(new Conv2d(Conv2dSpec.of(1, 4, 3, 1, 1).withBias(false), GemmBackend.java()),
                new BatchNorm2d(4, 1e-3, 0.2), new Relu(), new Flatten(), new Linear(4 * 5 * 5, 6, false, GemmBackend.java()),
                new BatchNorm1d(6), new Relu(), new Linear(6, 3, true, GemmBackend.java()));
    }

    @Test
    void theTreeLinesRoundTrip() {
        String text = Architecture.encode(model());
        assertTrue(text.contains("  1: BatchNorm2d channels=4 eps=0.001 momentum=0.2\n"), text);
        assertTrue(text.contains("  5: BatchNorm1d channels=6 eps=1.0E-5 momentum=0.1\n"), text);
        assertEquals(text, Architecture.encode(Architecture.decode(text, GemmBackend.java())));
    }

    @Test
    void parametersAndBuffersLoadBitForBit(@TempDir Path dir) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Sequential model = model();
            model.build(Shape.of(4, 1, 5, 5), arena);
            Init.he(3).apply(model.parameters());
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
            loss.build(model.outputShape(), arena);
            Sgd sgd = new Sgd(model.parameters(), arena, SgdSpec.of(0.1).withMomentum(0.9));
            int[] labels = {0, 2, 1, 2};
            for (int step = 0; step < 3; step++) { // moves gamma, beta and the running statistics off their defaults
                sgd.zeroGrad();
                loss.forward(model.forward(GradientCheck.random(arena, step, 4, 1, 5, 5)), labels);
                model.backward(loss.backward());
                sgd.step();
            }
            assertEquals(3f, model.state().get("1.num_batches_tracked").getFlat(0));
            Path file = dir.resolve("bn.stride");
            ModelCheckpoint.save(file, model, new Normalization(new float[] {0}, new float[] {1}), sgd,
                    new ModelCheckpoint.Progress(1, 3, 3), Map.of());

            ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(file, GemmBackend.java(), arena, 4);
            assertEquals(model.state().keySet(), loaded.model().state().keySet());
            assertTrue(loaded.model().state().containsKey("5.running_var"));
            for (Map.Entry<String, Tensor> e : model.state().entrySet()) {
                float[] saved = e.getValue().toArray();
                float[] back = loaded.model().state().get(e.getKey()).toArray();
                for (int i = 0; i < saved.length; i++) {
                    assertEquals(Float.floatToRawIntBits(saved[i]), Float.floatToRawIntBits(back[i]), e.getKey() + "[" + i + "]");
                }
            }
            model.setTraining(false);
            loaded.model().setTraining(false);
            Tensor x = GradientCheck.random(arena, 9, 4, 1, 5, 5);
            assertArrayEquals(model.forward(x).toArray(), loaded.model().forward(x).toArray());
        }
    }
}
