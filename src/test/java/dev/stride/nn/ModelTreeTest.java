package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;
import dev.stride.testing.Backends;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A model as a tree of nested composites: names by path, the summary, buffers, gradients through the tree. */
class ModelTreeTest {
    private static final Gemm GEMM = Backends.all().get(0);

    /** features (conv, probe, relu, pool), then head (flatten, classifier (fc)): three levels. */
    static Sequential nested() {
        SequencedMap<String, Layer> features = new LinkedHashMap<>();
        features.put("conv", new Conv2d(Conv2dSpec.of(2, 3, 3, 1, 1), GEMM));
        features.put("probe", new RunningMeanProbe(3));
        features.put("relu", new Relu());
        features.put("pool", new MaxPool2d(PoolSpec.of(2, 2)));
        SequencedMap<String, Layer> head = new LinkedHashMap<>();
        head.put("flatten", new Flatten());
        head.put("classifier", new Sequential(new Linear(3 * 3 * 3, 4, true, GEMM)));
        SequencedMap<String, Layer> top = new LinkedHashMap<>();
        top.put("features", Sequential.of(features));
        top.put("head", Sequential.of(head));
        return Sequential.of(top);
    }

    @Test
    void parametersAndBuffersAreNamedByPathAsPytorchDoes() {
        try (Arena arena = Arena.ofConfined()) {
            Sequential model = nested();
            model.build(Shape.of(2, 2, 6, 6), arena);
            assertEquals(List.of("features.conv.weight", "features.conv.bias", "features.probe.running_mean",
                    "head.classifier.0.weight", "head.classifier.0.bias"), List.copyOf(model.state().keySet()));
            assertEquals(List.of("features.conv.weight", "features.conv.bias", "head.classifier.0.weight", "head.classifier.0.bias"),
                    model.parameters().stream().map(Parameter::name).toList());
            assertEquals(List.of("features.probe.running_mean"), List.copyOf(model.buffers().keySet()));
            Layer conv = model.children().get("features").children().get("conv");
            assertEquals("features.conv", conv.path());
            assertEquals("layer features.conv (Conv2d)", conv.label());
            assertEquals("Sequential", model.label());
            assertEquals(3 * 2 * 9 + 3 + 27 * 4 + 4, model.parameterCount());
            assertSame(model.parameters(), model.parameters(), "a step asks for the list: it must not be made anew");
        }
    }

    @Test
    void aShapeErrorDeepInTheTreeNamesThePath() {
        SequencedMap<String, Layer> inner = new LinkedHashMap<>();
        inner.put("conv", new Conv2d(Conv2dSpec.of(2, 3, 3, 1, 1), GEMM));
        inner.put("wrong", new Conv2d(Conv2dSpec.of(5, 3, 3, 1, 1), GEMM));
        SequencedMap<String, Layer> top = new LinkedHashMap<>();
        top.put("features", Sequential.of(inner));
        Sequential model = Sequential.of(top);
        try (Arena arena = Arena.ofConfined()) {
            ShapeException e = assertThrows(ShapeException.class, () -> model.build(Shape.of(1, 2, 6, 6), arena));
            assertTrue(e.getMessage().contains("layer features.wrong (Conv2d)") && e.getMessage().contains("5 input channels"),
                    e.getMessage());
        }
    }

    @Test
    void theSummaryShowsTheTreeIndentedWithCountsPerNode() {
        try (Arena arena = Arena.ofConfined()) {
            Sequential model = nested();
            model.build(Shape.of(1, 2, 6, 6), arena);
            String summary = model.summary(true);
            List<String> lines = summary.lines().toList();
            assertTrue(lines.get(2).startsWith("input "), summary);
            assertTrue(lines.get(3).matches("features Sequential\\(4 layers: conv, probe, relu, pool\\) +\\[1, 3, 3, 3] +57"), summary);
            assertTrue(lines.get(4).matches("  conv Conv2d\\(2->3, 3x3, stride 1, pad 1\\) +\\[1, 3, 6, 6] +57"), summary);
            assertTrue(lines.get(5).startsWith("      height (6 - 3 + 2*1)/1 + 1 = 6"), summary);
            assertTrue(summary.contains("\n    0 Linear(27->4) ") || summary.contains("\r\n    0 Linear(27->4) "), summary);
            assertTrue(summary.contains("total parameters: 169"), summary);
        }
    }

    @Test
    void gradientsFlowThroughNestedCompositesAndBuffersStayOutOfTheOptimiser() {
        try (Arena arena = Arena.ofConfined()) {
            SequencedMap<String, Layer> inner = new LinkedHashMap<>();
            inner.put("conv", new Conv2d(Conv2dSpec.of(2, 3, 3, 1, 1), GEMM));
            inner.put("act", new Tanh());
            SequencedMap<String, Layer> top = new LinkedHashMap<>();
            top.put("block", Sequential.of(inner));
            top.put("flatten", new Flatten());
            top.put("fc", new Linear(3 * 4 * 4, 2, true, GEMM));
            Sequential model = Sequential.of(top);
            model.build(Shape.of(2, 2, 4, 4), arena);
            Init.xavier(3).apply(model.parameters());
            GradientCheck.checkLayer(model, GradientCheck.random(arena, 4, 2, 2, 4, 4), 5);
        }
    }

    @Test
    void buffersAreUpdatedInTrainingAndFrozenInEvaluation() {
        try (Arena arena = Arena.ofConfined()) {
            Sequential model = nested();
            model.build(Shape.of(2, 2, 6, 6), arena);
            Init.he(2).apply(model.parameters());
            Tensor x = GradientCheck.random(arena, 1, 2, 2, 6, 6);
            model.forward(x);
            float[] trained = model.buffers().get("features.probe.running_mean").toArray();
            assertNotEquals(0f, trained[0]);
            model.setTraining(false);
            assertFalse(model.children().get("features").children().get("probe").isTraining());
            model.forward(x);
            assertEquals(trained[0], model.buffers().get("features.probe.running_mean").toArray()[0]);
        }
    }

    @Test
    void oneLayerInstanceCannotSitInTwoPlacesOfATree() {
        Relu shared = new Relu();
        Sequential twice = new Sequential(new Sequential(shared), new Sequential(shared));
        try (Arena arena = Arena.ofConfined()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> twice.build(Shape.of(1, 3), arena));
            assertTrue(e.getMessage().contains("appears twice") && e.getMessage().contains("'0.0'") && e.getMessage().contains("'1.0'"),
                    e.getMessage());
            IllegalStateException part = assertThrows(IllegalStateException.class, () -> shared.build(Shape.of(1, 3), arena));
            assertTrue(part.getMessage().contains("part of a model"), part.getMessage());
        }
    }
}
