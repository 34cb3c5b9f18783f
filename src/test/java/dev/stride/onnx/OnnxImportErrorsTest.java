package dev.stride.onnx;

import dev.stride.blas.GemmBackend;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the importer refuses, and that its one error lists every problem with the node at fault. */
class OnnxImportErrorsTest {
    @Test
    void anUnsupportedOperatorIsListedWithItsNodeName() {
        var file = OnnxFixtures.file("upsample_opset11.onnx");
        String m = assertThrows(OnnxImportException.class, () -> OnnxImporter.read(file, GemmBackend.java())).getMessage();
        assertTrue(m.startsWith(file + ": cannot import it into Stride's layers (1 problem):"), m);
        assertTrue(m.contains("Resize node '/up/Resize': operator Resize is not supported"), m);
    }

    @Test
    void everyProblemOfTheGraphIsInOneError() {
        OnnxModel model = model(List.of(
                node("Conv", "conv1", List.of("x", "w"), "c", attr("dilations", 2, 2), attr("fancy", 1)),
                node("LSTM", "lstm", List.of("c"), "l"),
                node("Softmax", "soft", List.of("x"), "s"),
                node("Add", "sum", List.of("s", "l"), "y")), List.of(weight("w", 2, 1, 3, 3)));
        String m = assertThrows(OnnxImportException.class, () -> convert(model)).getMessage();
        assertTrue(m.startsWith("test.onnx: cannot import it into Stride's layers (4 problems):"), m);
        assertTrue(m.contains("LSTM node 'lstm': operator LSTM is not supported"), m);
        assertTrue(m.contains("Conv node 'conv1': dilations [2, 2]: Stride has no dilated windows"), m);
        assertTrue(m.contains("Conv node 'conv1': attribute fancy=1 is not supported"), m);
        assertTrue(m.contains("Softmax node 'soft': input 'x' has rank 4"), m);
    }

    @Test
    void aWeightOfTheWrongShapeNamesTheNodeAndBothShapes() {
        OnnxModel model = model(List.of(node("Flatten", "flat", List.of("x"), "f"),
                node("Gemm", "fc", List.of("f", "w"), "y", attr("transB", 1))), List.of(weight("w", 10, 15)));
        String m = assertThrows(OnnxImportException.class, () -> convert(model)).getMessage();
        assertTrue(m.contains("Gemm node 'fc': weight 'w' [10, 15] takes 15 features but the input has 16"), m);
    }

    @Test
    void asymmetricPaddingAndAReshapeThatIsNoFlattenAreRefused() {
        OnnxModel model = model(List.of(
                node("Conv", "conv", List.of("x", "w"), "c", attr("pads", 0, 0, 1, 1)),
                node("Constant", "shape", List.of(), "s", new OnnxAttribute("value", OnnxAttribute.TENSOR, 0, 0, "",
                        new OnnxTensor("s", OnnxTensor.INT64, new long[] {2}, null, new long[] {4, 4}), null, null)),
                node("Reshape", "view", List.of("x", "s"), "y")), List.of(weight("w", 2, 1, 3, 3)));
        String m = assertThrows(OnnxImportException.class, () -> convert(model)).getMessage();
        assertTrue(m.contains("Conv node 'conv': pads [0, 0, 1, 1]: Stride pads all four sides alike"), m);
        assertTrue(m.contains("Reshape node 'view': a Reshape of [N, 1, 4, 4] to [4, 4] is not a flatten to [N, 16]"), m);
    }

    @Test
    void aGraphThatIsNotSeriesParallelIsRefusedNotComputedTwice() {
        // a = relu(x); b = sigmoid(a); c = tanh(x) + a; y = b + c: a feeds both sides of the last join
        // and one side of the inner one, so no tree of chains, forks and joins holds it.
        OnnxModel model = model(List.of(
                node("Relu", "a", List.of("x"), "a"),
                node("Sigmoid", "b", List.of("a"), "b"),
                node("Tanh", "t", List.of("x"), "t"),
                node("Add", "c", List.of("t", "a"), "c"),
                node("Add", "y", List.of("b", "c"), "y")), List.of());
        String m = assertThrows(OnnxImportException.class, () -> convert(model)).getMessage();
        assertTrue(m.contains("not made of chains, forks and joins"), m);
    }

    @Test
    void aValueAssignedTwiceIsRefusedWithTheNodesThatAssignIt() {
        // ONNX graphs assign each value once; a node that writes its input's name back made a
        // step read a value no earlier step had made (a NullPointerException the fuzzer found).
        OnnxModel twice = model(List.of(node("Relu", "r", List.of("x"), "a"), node("Tanh", "t", List.of("a"), "a"),
                node("Relu", "out", List.of("a"), "y")), List.of());
        String m = assertThrows(OnnxImportException.class, () -> convert(twice)).getMessage();
        assertTrue(m.contains("Tanh node 't': its output 'a' is already the output of Relu node 'r'"), m);
        OnnxModel overInput = model(List.of(node("Relu", "r", List.of("x"), "x"), node("Relu", "out", List.of("x"), "y")),
                List.of());
        m = assertThrows(OnnxImportException.class, () -> convert(overInput)).getMessage();
        assertTrue(m.contains("Relu node 'r': its output 'x' is already the graph's input"), m);
        OnnxModel overWeight = model(List.of(node("Relu", "r", List.of("x"), "w"), node("Conv", "c", List.of("w", "w"), "y")),
                List.of(weight("w", 1, 1, 1, 1)));
        m = assertThrows(OnnxImportException.class, () -> convert(overWeight)).getMessage();
        assertTrue(m.contains("Relu node 'r': its output 'w' is already an initializer"), m);
    }

    @Test
    void aMulThatIsNoChannelGateIsRefused() {
        OnnxModel square = model(List.of(node("Relu", "r", List.of("x"), "r"), node("Mul", "sq", List.of("x", "r"), "y")),
                List.of());
        String m = assertThrows(OnnxImportException.class, () -> convert(square)).getMessage();
        assertTrue(m.contains("Mul node 'sq': inputs of shapes [1, 1, 4, 4] and [1, 1, 4, 4]: Stride imports Mul only as a channel gate"), m);
        OnnxModel gate = model(List.of(node("GlobalAveragePool", "gap", List.of("x"), "g"),
                node("Sigmoid", "s", List.of("g"), "s"), node("Mul", "scale", List.of("x", "s"), "y")), List.of());
        m = assertThrows(OnnxImportException.class, () -> convert(gate)).getMessage();
        assertTrue(m.contains("Mul node 'scale' multiplies by a gate Stride cannot express"), m);
    }

    @Test
    void aFinalSoftmaxIsDroppedWithANote() {
        OnnxModel model = model(List.of(node("Flatten", "flat", List.of("x"), "f"),
                node("Softmax", "soft", List.of("f"), "y", attr("axis", 1))), List.of());
        ImportedModel m = convert(model);
        assertEquals(1, m.model().layers().size());
        assertTrue(m.notes().getFirst().startsWith("dropped the final Softmax (Softmax node 'soft')"), m.notes().toString());
    }

    private static ImportedModel convert(OnnxModel model) {
        return OnnxImporter.convert("test.onnx", model, GemmBackend.java());
    }

    @Test
    void subAndDivOnlyAsTheInputsNormalisationAndSliceOnlyAsASubsample() {
        OnnxModel model = model(List.of(
                node("Relu", "r", List.of("x"), "r"),
                node("Sub", "late", List.of("r", "m"), "s"),
                node("Slice", "crop", List.of("s", "starts", "ends", "axes", "steps"), "y")),
                List.of(weight("m", 1, 1, 1, 1), ints("starts", 1, 1), ints("ends", 4, 4), ints("axes", 2, 3), ints("steps", 1, 1)));
        String m = assertThrows(OnnxImportException.class, () -> convert(model)).getMessage();
        assertTrue(m.contains("Sub node 'late': Sub is supported only as the input's normalisation"), m);
        OnnxModel crop = model(List.of(node("Slice", "crop", List.of("x", "starts", "ends", "axes", "steps"), "y")),
                List.of(ints("starts", 1, 1), ints("ends", 4, 4), ints("axes", 2, 3), ints("steps", 1, 1)));
        m = assertThrows(OnnxImportException.class, () -> convert(crop)).getMessage();
        assertTrue(m.contains("Slice node 'crop': a Slice (starts [1, 1], ends [4, 4], axes [2, 3], steps [1, 1]) other than x[:, :, ::s, ::s]"), m);
    }

    @Test
    void theInputsSubAndDivBecomeTheNormalisation() {
        OnnxTensor mean = new OnnxTensor("mean", OnnxTensor.FLOAT, new long[] {1, 1, 1, 1}, new float[] {0.25f}, null);
        OnnxTensor std = new OnnxTensor("std", OnnxTensor.FLOAT, new long[] {1, 1, 1, 1}, new float[] {0.5f}, null);
        OnnxModel model = model(List.of(node("Sub", "sub", List.of("x", "mean"), "a"), node("Div", "div", List.of("a", "std"), "b"),
                node("Relu", "r", List.of("b"), "y")), List.of(mean, std));
        ImportedModel imported = convert(model);
        assertArrayEquals(new float[] {0.25f}, imported.normalization().mean());
        assertArrayEquals(new float[] {0.5f}, imported.normalization().std());
    }

    static OnnxTensor ints(String name, long... values) {
        return new OnnxTensor(name, OnnxTensor.INT64, new long[] {values.length}, null, values);
    }

    static OnnxModel model(List<OnnxNode> nodes, List<OnnxTensor> weights) {
        OnnxValueInfo x = new OnnxValueInfo("x", OnnxTensor.FLOAT, List.of(new OnnxValueInfo.Dim(-1, "N"),
                new OnnxValueInfo.Dim(1, ""), new OnnxValueInfo.Dim(4, ""), new OnnxValueInfo.Dim(4, "")));
        OnnxValueInfo y = new OnnxValueInfo("y", OnnxTensor.FLOAT, List.of());
        OnnxGraph g = new OnnxGraph("g", nodes, weights, List.of(x), List.of(y));
        return new OnnxModel(8, "test", List.of(new OnnxModel.Opset("", 13)), g, Map.of());
    }

    static OnnxNode node(String op, String name, List<String> inputs, String output, OnnxAttribute... attributes) {
        return new OnnxNode(name, op, "", inputs, List.of(output), List.of(attributes));
    }

    static OnnxAttribute attr(String name, long... ints) {
        return ints.length == 1 ? new OnnxAttribute(name, OnnxAttribute.INT, 0, ints[0], "", null, null, null)
                : new OnnxAttribute(name, OnnxAttribute.INTS, 0, 0, "", null, null, ints);
    }

    static OnnxTensor weight(String name, long... dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (i % 7 - 3) / 8f;
        }
        return new OnnxTensor(name, OnnxTensor.FLOAT, dims, v, null);
    }
}
