package dev.stride.onnx;

import dev.stride.blas.GemmBackend;
import dev.stride.data.Normalization;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Layer;
import dev.stride.nn.Linear;
import dev.stride.nn.Parameter;
import dev.stride.nn.SoftmaxCrossEntropy;
import dev.stride.optim.Optimizer;
import dev.stride.optim.Sgd;
import dev.stride.optim.SgdSpec;
import dev.stride.reference.ReferenceComparison;
import dev.stride.tensor.Tensor;
import dev.stride.train.Architecture;
import dev.stride.train.ModelCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An imported model is an ordinary Stride model: it fine-tunes with a new head and saves to a checkpoint. */
class OnnxFineTuneTest {
    /** The example of docs/onnx-import.md: freeze the imported layers, train a new 3-class head. */
    @Test
    void aNewHeadTrainsWhileTheImportedWeightsStayBitForBit() throws Exception {
        Path onnx = OnnxFixtures.file("lenet_opset17.onnx");
        try (Arena arena = Arena.ofConfined()) {
            ImportedModel imported = OnnxImporter.read(onnx, GemmBackend.defaultGemm()).replaceHead(3);
            Layer model = imported.build(arena, 8, BuildOptions.training(), 42);
            Linear head = (Linear) imported.model().layers().getLast();
            Optimizer sgd = new Sgd(model.parameters(), arena, SgdSpec.of(0.5).withMomentum(0.9));
            List<Parameter> frozen = new ArrayList<>(model.parameters());
            frozen.removeAll(head.parameters());
            sgd.freeze(frozen);
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
            loss.build(model.outputShape(), arena);

            Map<String, float[]> before = values(model);
            Tensor x = Tensor.zeros(arena, imported.inputShape(8));
            int[] labels = new int[8];
            SplittableRandom random = new SplittableRandom(7);
            int pixels = (int) (x.size() / 8);
            for (int i = 0; i < labels.length; i++) {
                labels[i] = i % 3;
                // Each class its own brightness, so that the frozen features tell the classes apart.
                for (int p = 0; p < pixels; p++) {
                    x.setFlat((long) i * pixels + p, (float) (0.4 * labels[i] + 0.2 * random.nextDouble()));
                }
            }
            float first = 0, last = 0;
            for (int step = 0; step < 60; step++) {
                model.zeroGrad();
                float l = loss.forward(model.forward(x), labels);
                model.backward(loss.backward());
                sgd.step();
                first = step == 0 ? l : first;
                last = l;
            }

            Map<String, float[]> after = values(model);
            for (Parameter p : frozen) {
                assertArrayEquals(before.get(p.name()), after.get(p.name()), p.name() + " is frozen");
            }
            for (Parameter p : head.parameters()) {
                assertFalse(Arrays.equals(before.get(p.name()), after.get(p.name())), p.name() + " trains");
            }
            assertTrue(last < first / 2, "the head fits 8 samples: loss " + first + " -> " + last);
            assertEquals(List.of(84, 3), List.of(head.inFeatures(), head.outFeatures()));
        }
    }

    @Test
    void aHeadIsReplacedOnlyWhereTheModelEndsInALinearLayer() throws Exception {
        ImportedModel softmaxFree = OnnxImporter.read(OnnxFixtures.file("view_opset9.onnx"), GemmBackend.java());
        assertEquals("Linear(16->5)", softmaxFree.replaceHead(5).model().layers().getLast().describe());
        assertEquals(softmaxFree.model().layers().size(), softmaxFree.replaceHead(5).model().layers().size());
        OnnxModel endsInRelu = OnnxImportErrorsTest.model(List.of(OnnxImportErrorsTest.node("Relu", "r", List.of("x"), "y")),
                List.of());
        ImportedModel relu = OnnxImporter.convert("relu.onnx", endsInRelu, GemmBackend.java());
        String m = assertThrows(IllegalArgumentException.class, () -> relu.replaceHead(3)).getMessage();
        assertEquals("the model ends in Relu, not a Linear layer; replaceHead swaps the final fully connected layer", m);
        m = assertThrows(IllegalArgumentException.class,
                () -> relu.withNormalization(Normalization.identity(3))).getMessage();
        assertEquals("a normalisation of 3 channels for a model whose input has 1", m);
    }

    @Test
    void anImportedResNetSavesAndLoadsAsACheckpointWithItsResidualBlocks(@TempDir Path dir) throws Exception {
        OnnxFixtures f = OnnxFixtures.importable().stream().filter(x -> x.name().equals("resnet_opset17")).findFirst().orElseThrow();
        Path file = dir.resolve("resnet.stride");
        try (Arena arena = Arena.ofConfined()) {
            ImportedModel imported = OnnxImporter.read(f.onnx(), GemmBackend.java());
            Layer model = imported.build(arena, 1, BuildOptions.inference(), 0);
            String tree = Architecture.encode(model);
            assertTrue(tree.contains("Residual") && tree.contains("shortcut: Conv2d"), tree);
            assertEquals(tree, Architecture.encode(Architecture.decode(tree, GemmBackend.java())));
            ModelCheckpoint.save(file, model, Normalization.identity(3), null, new ModelCheckpoint.Progress(0, 0, 0), Map.of());
        }
        try (Arena arena = Arena.ofConfined()) {
            ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(file, GemmBackend.java(), arena, 2, BuildOptions.inference());
            float[] y = loaded.model().forward(Tensor.of(arena, f.input(), f.inputDims())).toArray();
            ReferenceComparison.assertClose(f.name() + " from its checkpoint", "output", f.outputDims(), f.output(), y);
        }
    }

    private static Map<String, float[]> values(Layer model) {
        Map<String, float[]> out = new HashMap<>();
        for (Parameter p : model.parameters()) {
            out.put(p.name(), p.value().toArray());
        }
        return out;
    }
}
