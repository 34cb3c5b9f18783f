package dev.stride.onnx;

import dev.stride.blas.Gemm;
import dev.stride.nn.ChannelPadShortcut;
import dev.stride.nn.Elu;
import dev.stride.nn.Flatten;
import dev.stride.nn.GlobalAvgPool;
import dev.stride.nn.Layer;
import dev.stride.nn.LeakyRelu;
import dev.stride.nn.Linear;
import dev.stride.nn.Relu;
import dev.stride.nn.Relu6;
import dev.stride.nn.Sigmoid;
import dev.stride.nn.Tanh;
import dev.stride.tensor.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Walks an ONNX graph's nodes in order and turns each into a {@link Step} (a Stride layer on one
 * value, or an Add or Concat joining several), inferring every value's shape for a batch of one
 * as it goes. What PyTorch's exporter writes around the layers is folded away: Constant nodes,
 * Identity, Dropout, Pad by zero, Cast, and the shape arithmetic of {@code x.view(x.size(0), -1)}
 * ({@code Shape -> Gather -> Unsqueeze -> Concat -> Reshape}, folded by {@link OnnxShapeArithmetic}),
 * which becomes a Flatten. Every
 * problem in the graph is collected and reported at once, before any layer is built.
 */
final class OnnxGraphConverter {
    static final Set<String> SUPPORTED = Set.of("Conv", "Gemm", "MatMul", "Add", "Mul", "BatchNormalization", "Relu", "Sigmoid",
            "Tanh", "LeakyRelu", "Elu", "Clip", "Sub", "Div", "Slice", "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten", "Reshape",
            "Concat", "Dropout", "Identity", "Constant", "Shape", "Gather", "Unsqueeze", "Cast", "Pad", "Softmax", "LogSoftmax");

    /** Inputs each operator needs at least (the others need one); optional inputs beyond are allowed. */
    private static final Map<String, Integer> MIN_INPUTS = Map.of("Constant", 0, "Conv", 2, "Gemm", 2, "MatMul", 2, "Add", 2, "Mul", 2,
            "BatchNormalization", 5, "Gather", 2, "Reshape", 2);

    enum Kind { LAYER, ADD, CONCAT, MUL }

    /** One node as Stride computes it; {@code inputs} are data values (one for a LAYER). */
    record Step(OnnxNode node, Kind kind, List<String> inputs, String output, Layer layer, Map<String, float[]> weights,
                boolean biasFree) {
    }

    private final String source;
    private final Gemm gemm;
    private final OnnxProblems problems = new OnnxProblems();
    private final Map<String, OnnxTensor> constants = new HashMap<>();
    private final Map<String, Shape> shapes = new HashMap<>();          // data values, batch 1
    private final OnnxShapeArithmetic arithmetic = new OnnxShapeArithmetic(constants, problems);
    private final Map<String, String> alias = new HashMap<>();
    private final Set<String> unknown = new HashSet<>();                // outputs of nodes that could not be converted
    private final Map<String, Integer> uses = new HashMap<>();
    private final Map<String, Step> producers = new LinkedHashMap<>();  // by output value, in graph order
    private final List<String> notes = new ArrayList<>();
    private String graphOutput;
    private String graphInput;
    private float[] mean;                                               // (C) from a Sub on the input, or null
    private float[] std;                                                // (C) from a Div after it, or null
    private long fixedBatch = -1;

    OnnxGraphConverter(String source, Gemm gemm) {
        this.source = source;
        this.gemm = gemm;
    }

    /** The converted graph: its steps by output value, its input and output values, (C, H, W) and notes. */
    record Converted(Map<String, Step> producers, String input, String output, int[] sample, float[] mean, float[] std,
                     List<String> notes) {
    }

    Converted convert(OnnxModel model) {
        OnnxGraph g = model.graph();
        long opset = model.defaultOpset();
        if (opset < 7) {
            problems.add("the model imports standard opset " + opset + "; Stride reads opsets 7 and later (tested: 9 to 17)");
        }
        for (OnnxTensor t : g.initializers()) {
            constants.put(t.name(), t);
        }
        List<OnnxValueInfo> inputs = g.inputs().stream().filter(v -> !constants.containsKey(v.name())).toList();
        List<OnnxValueInfo> outputs = scoresOrProbabilities(g);
        if (inputs.size() != 1 || outputs.size() != 1) {
            problems.add("the graph has " + inputs.size() + " inputs and " + outputs.size()
                    + " outputs; a Stride model has one of each");
            problems.throwIfAny(source);
        }
        OnnxValueInfo in = inputs.getFirst();
        int[] sample = sample(in);
        problems.throwIfAny(source);
        shapes.put(in.name(), Shape.of(1, sample[0], sample[1], sample[2]));
        graphOutput = outputs.getFirst().name();
        graphInput = in.name();
        Map<String, String> assigned = new HashMap<>();                 // value -> what assigns it
        g.initializers().forEach(t -> assigned.put(t.name(), "an initializer"));
        assigned.put(in.name(), "the graph's input");
        Set<OnnxNode> reassigning = Collections.newSetFromMap(new IdentityHashMap<>());
        for (OnnxNode n : g.nodes()) {
            n.inputs().forEach(v -> uses.merge(v, 1, Integer::sum));
            for (String v : n.outputs()) {
                String before = v.isEmpty() ? null : assigned.putIfAbsent(v, "the output of " + n.label());
                if (before != null) {
                    // Two producers of one value would give a step an input no earlier step made.
                    problems.add(n, "its output '" + v + "' is already " + before + ": an ONNX graph assigns each value once");
                    reassigning.add(n);
                }
            }
            if (!SUPPORTED.contains(n.opType()) || !(n.domain().isEmpty() || n.domain().equals("ai.onnx"))) {
                problems.add(n, "operator " + (n.domain().isEmpty() ? "" : n.domain() + ".") + n.opType()
                        + " is not supported (see docs/onnx-import.md for the operators Stride imports)");
            }
        }
        uses.merge(graphOutput, 1, Integer::sum);
        for (OnnxNode n : g.nodes()) {
            if (SUPPORTED.contains(n.opType()) && (n.domain().isEmpty() || n.domain().equals("ai.onnx")) && !reassigning.contains(n)) {
                convertNode(n, opset);
            } else {
                unknown.addAll(n.outputs());
            }
        }
        String out = resolve(graphOutput);
        if (!unknown.contains(out) && (!shapes.containsKey(out) || out.equals(in.name()))) {
            problems.add("the graph's output '" + graphOutput + "' is not computed from its input by the layers");
        }
        problems.throwIfAny(source);
        return new Converted(producers, in.name(), out, sample, mean, std, notes);
    }

    /**
     * The graph's outputs, except that a pair of scores and their Softmax (as Stride's export
     * writes them: "scores" and "probabilities") counts as the one output it is: the Softmax's,
     * which the import then drops for the logits.
     */
    private List<OnnxValueInfo> scoresOrProbabilities(OnnxGraph g) {
        List<OnnxValueInfo> outputs = g.outputs();
        if (outputs.size() != 2) {
            return outputs;
        }
        for (OnnxNode n : g.nodes()) {
            boolean softmax = n.opType().equals("Softmax") || n.opType().equals("LogSoftmax");
            for (int i = 0; i < 2 && softmax && !n.inputs().isEmpty() && !n.outputs().isEmpty(); i++) {
                if (n.outputs().getFirst().equals(outputs.get(i).name()) && n.inputs().getFirst().equals(outputs.get(1 - i).name())) {
                    notes.add("the graph's outputs '" + outputs.get(1 - i).name() + "' and '" + outputs.get(i).name()
                            + "' are scores and their " + n.opType() + ": the model gives the scores");
                    return List.of(outputs.get(i));
                }
            }
        }
        return outputs;
    }

    // (C, H, W) from the input's [N, C, H, W]; N may be a symbol or a number.
    private int[] sample(OnnxValueInfo in) {
        List<OnnxValueInfo.Dim> d = in.dims();
        if (in.elemType() != OnnxTensor.FLOAT) {
            problems.add("input '" + in.name() + "' has element type " + OnnxTensor.typeName(in.elemType()) + "; Stride takes FLOAT images");
        }
        if (d.size() != 4 || !d.get(1).known() || !d.get(2).known() || !d.get(3).known()
                || d.get(1).value() < 1 || d.get(2).value() < 1 || d.get(3).value() < 1) {
            problems.add("input '" + in.name() + "' has shape " + d + "; Stride imports image models with input [N, C, H, W], "
                    + "C, H and W fixed numbers (export with a fixed image size)");
            return null;
        }
        fixedBatch = d.getFirst().known() ? d.getFirst().value() : -1;
        return new int[] {(int) d.get(1).value(), (int) d.get(2).value(), (int) d.get(3).value()};
    }

    private String resolve(String v) {
        String r = v;
        while (alias.containsKey(r)) {
            r = alias.get(r);
        }
        return r;
    }

    private void convertNode(OnnxNode n, long opset) {
        List<String> in = n.inputs().stream().map(this::resolve).toList();
        int needed = MIN_INPUTS.getOrDefault(n.opType(), 1);
        if (n.outputs().isEmpty() || n.outputs().getFirst().isEmpty() || in.size() < needed
                || in.subList(0, needed).contains("") || ((n.opType().equals("Add") || n.opType().equals("Mul")) && in.size() != 2)) {
            problems.add(n, "has " + in.size() + " inputs and " + n.outputs().size() + " outputs; " + n.opType() + " needs "
                    + (n.opType().equals("Add") || n.opType().equals("Mul") ? "2" : needed + " or more") + " inputs and an output");
            unknown.addAll(n.outputs());
            return;
        }
        for (String v : in) {
            if (unknown.contains(v)) {
                unknown.addAll(n.outputs());
                return;
            }
            if (!v.isEmpty() && !constants.containsKey(v) && !shapes.containsKey(v) && !arithmetic.has(v)) {
                problems.add(n, "its input '" + v + "' is made by no earlier node and is no initializer "
                        + "(the nodes must be in topological order)");
                unknown.addAll(n.outputs());
                return;
            }
        }
        OnnxAttributes a = new OnnxAttributes(n);
        int before = problems.size();
        try {
            convert(n, a, in, opset);
        } catch (IllegalArgumentException | ArithmeticException e) {
            // What Stride's layers and specs refuse (a 0x0 kernel, a ShapeException, sizes past int), said by them.
            problems.add(n, e.getMessage());
        }
        for (String attr : a.unread()) {
            problems.add(n, "attribute " + attr + " is not supported");
        }
        if (problems.size() != before) {
            unknown.addAll(n.outputs());
        }
    }

    private void convert(OnnxNode n, OnnxAttributes a, List<String> in, long opset) {
        String out = n.outputs().getFirst();
        switch (n.opType()) {
            case "Constant" -> arithmetic.constant(n, a, out);
            case "Identity" -> alias.put(out, in.getFirst());
            case "Dropout" -> dropout(n, a, in, out);
            case "Cast" -> cast(n, a, in.getFirst(), out);
            case "Shape" -> {
                Shape x = shapeOf(n, in.getFirst(), -1);
                if (x != null) {
                    arithmetic.shape(a, x, out);
                }
            }
            case "Gather" -> arithmetic.gather(n, a, in, out);
            case "Unsqueeze" -> {
                a.ints("axes");
                long[] v = arithmetic.values(n, in.getFirst());
                if (v != null) {
                    arithmetic.put(out, v);
                }
            }
            case "Concat" -> concat(n, a, in, out);
            case "Reshape" -> reshape(n, a, in, out);
            case "Flatten" -> flatten(n, a, in.getFirst(), out);
            case "Pad" -> pad(n, a, in, out, opset);
            case "Slice" -> slice(n, in, opset);
            case "Softmax", "LogSoftmax" -> softmax(n, a, in.getFirst(), out);
            case "Sub", "Div" -> inputNormalisation(n, in, out);
            case "Add" -> add(n, in, out);
            case "Mul" -> mul(n, in, out);
            case "Relu" -> layer(n, in.getFirst(), new ImportLayers.Made(new Relu(), Map.of()));
            case "Sigmoid" -> layer(n, in.getFirst(), new ImportLayers.Made(new Sigmoid(), Map.of()));
            case "Tanh" -> layer(n, in.getFirst(), new ImportLayers.Made(new Tanh(), Map.of()));
            case "LeakyRelu" -> layer(n, in.getFirst(), new ImportLayers.Made(new LeakyRelu(a.f("alpha", 0.01f)), Map.of()));
            case "Elu" -> layer(n, in.getFirst(), new ImportLayers.Made(new Elu(a.f("alpha", 1f)), Map.of()));
            case "Clip" -> clip(n, a, in, opset);
            case "GlobalAveragePool" -> layer(n, in.getFirst(), shapeOf(n, in.getFirst(), 4) == null ? null
                    : new ImportLayers.Made(new GlobalAvgPool(), Map.of()));
            case "Conv" -> {
                Shape x = shapeOf(n, in.getFirst(), -1);
                OnnxTensor w = weight(n, in, 1, true);
                OnnxTensor b = weight(n, in, 2, false);
                layer(n, in.getFirst(), x == null || w == null ? null : ImportLayers.conv(n, a, x, w, b, problems, gemm));
            }
            case "Gemm" -> {
                Shape x = shapeOf(n, in.getFirst(), -1);
                OnnxTensor w = weight(n, in, 1, true);
                OnnxTensor b = weight(n, in, 2, false);
                layer(n, in.getFirst(), x == null || w == null ? null : ImportLayers.gemm(n, a, x, w, b, problems, gemm));
            }
            case "MatMul" -> {
                Shape x = shapeOf(n, in.getFirst(), -1);
                OnnxTensor w = weight(n, in, 1, true);
                ImportLayers.Made made = x == null || w == null ? null : ImportLayers.linear(n, x, w, false, null, problems, gemm);
                if (made != null && layer(n, in.getFirst(), made)) {
                    Step s = producers.get(out);
                    producers.put(out, new Step(n, Kind.LAYER, s.inputs(), out, s.layer(), s.weights(), true));
                }
            }
            case "BatchNormalization" -> batchNorm(n, a, in);
            case "MaxPool", "AveragePool" -> {
                Shape x = shapeOf(n, in.getFirst(), -1);
                layer(n, in.getFirst(), x == null ? null : ImportLayers.pool(n, a, x, n.opType().equals("MaxPool"), problems));
            }
            default -> throw new IllegalStateException("no conversion for supported operator " + n.opType());
        }
    }


    private void dropout(OnnxNode n, OnnxAttributes a, List<String> in, String out) {
        a.f("ratio", 0.5f);
        a.i("seed", 0);
        a.i("is_test", 1);
        if (in.size() > 2 && !in.get(2).isEmpty()) {
            OnnxTensor training = constants.get(in.get(2));
            if (training == null || training.asLongs().length != 1 || training.asLongs()[0] != 0) {
                problems.add(n, "training_mode is not a constant false: export the model in eval mode");
                return;
            }
        }
        if (n.outputs().size() > 1 && uses.getOrDefault(n.outputs().get(1), 0) > 0) {
            problems.add(n, "its mask output is used; Stride's import treats Dropout as the identity (inference)");
            return;
        }
        alias.put(out, in.getFirst());
    }

    private void cast(OnnxNode n, OnnxAttributes a, String x, String out) {
        long to = a.i("to", 0);
        if (arithmetic.has(x) || constants.containsKey(x)) {
            arithmetic.put(out, arithmetic.values(n, x));
        } else if (to == OnnxTensor.FLOAT) {
            alias.put(out, x);
        } else {
            problems.add(n, "a Cast of image data to " + OnnxTensor.typeName((int) to));
        }
    }

    private void concat(OnnxNode n, OnnxAttributes a, List<String> in, String out) {
        long axis = a.i("axis", 1);
        if (in.stream().noneMatch(shapes::containsKey)) {
            arithmetic.concat(n, in, out);
            return;
        }
        Shape first = shapeOf(n, in.getFirst(), 4);
        if (first == null) {
            return;
        }
        if (in.size() == 1) {
            alias.put(out, in.getFirst()); // a Concat of one input is that input
            return;
        }
        if (axis != 1 && axis != -3) {
            problems.add(n, "axis " + axis + ": Stride concatenates [N, C, H, W] along the channels (axis 1) only");
            return;
        }
        int channels = 0;
        for (String v : in) {
            Shape s = shapeOf(n, v, 4);
            if (s == null) {
                return;
            }
            if (s.dim(2) != first.dim(2) || s.dim(3) != first.dim(3)) {
                problems.add(n, "inputs of shapes " + first + " and " + s + " differ in height or width");
                return;
            }
            channels += s.dim(1);
        }
        join(n, Kind.CONCAT, in, out, Shape.of(1, channels, first.dim(2), first.dim(3)));
    }

    // Reshape to [batch, -1] (or [batch, features]) is a flatten; anything else is refused.
    private void reshape(OnnxNode n, OnnxAttributes a, List<String> in, String out) {
        long allowZero = a.i("allowzero", 0);
        Shape x = shapeOf(n, in.getFirst(), -1);
        long[] target = in.size() > 1 ? arithmetic.values(n, in.get(1)) : null;
        if (x == null || target == null) {
            if (target == null && in.size() < 2) {
                problems.add(n, "a Reshape without its shape input");
            }
            return;
        }
        long features = x.sampleSize();
        boolean batchFirst = target.length == 2 && (target[0] == OnnxShapeArithmetic.BATCH || (target[0] == 0 && allowZero == 0)
                || (fixedBatch > 0 && target[0] == fixedBatch) || (target[0] == -1 && target[1] == features));
        if (!batchFirst || (target[1] != -1 && target[1] != features)) {
            problems.add(n, "a Reshape of " + x.toString().replace("[1,", "[N,") + " to " + OnnxShapeArithmetic.text(target)
                    + " is not a flatten to [N, " + features + "]; Stride imports only that Reshape");
            return;
        }
        if (x.rank() == 2) {
            alias.put(out, in.getFirst());
        } else {
            layer(n, in.getFirst(), new ImportLayers.Made(new Flatten(), Map.of()));
        }
    }

    private void flatten(OnnxNode n, OnnxAttributes a, String x, String out) {
        Shape s = shapeOf(n, x, -1);
        long axis = a.i("axis", 1);
        if (s == null) {
            return;
        }
        if (axis != 1 && axis != 1 - s.rank()) {
            problems.add(n, "axis " + axis + ": Stride flattens [N, ...] to [N, features] (axis 1) only");
        } else if (s.rank() == 2) {
            alias.put(out, x);
        } else {
            layer(n, x, new ImportLayers.Made(new Flatten(), Map.of()));
        }
    }

    // PyTorch writes a Pad of zeros before some AveragePools; any other padding is refused.
    private void pad(OnnxNode n, OnnxAttributes a, List<String> in, String out, long opset) {
        String mode = a.s("mode", "constant");
        long[] pads = opset < 11 ? a.ints("pads") : in.size() > 1 ? arithmetic.values(n, in.get(1)) : null;
        a.f("value", 0f);
        if (pads == null) {
            return;
        }
        if (mode.equals("constant") && Arrays.stream(pads).allMatch(p -> p == 0)) {
            alias.put(out, in.getFirst());
            return;
        }
        Shape x = shapeOf(n, in.getFirst(), 4);
        if (x != null && mode.equals("constant") && channelsOnly(pads)) {
            // ResNet's option-A shortcut pads zero channels, (added)/2 before the input's and the rest after.
            int added = (int) (pads[1] + pads[5]);
            if (pads[1] == added / 2) {
                layer(n, in.getFirst(), new ImportLayers.Made(new ChannelPadShortcut(1, x.dim(1) + added), Map.of()));
                return;
            }
        }
        problems.add(n, "a Pad (" + mode + ", " + Arrays.toString(pads) + ") that is neither the identity nor zero channels"
                + " added around the input's (half before, the rest after); Stride pads images only inside Conv and pooling windows");
    }

    private static boolean channelsOnly(long[] pads) {
        return pads.length == 8 && pads[1] >= 0 && pads[5] >= 0
                && pads[0] == 0 && pads[2] == 0 && pads[3] == 0 && pads[4] == 0 && pads[6] == 0 && pads[7] == 0;
    }

    /**
     * Every s-th row and column from the first (x[:, :, ::s, ::s], ResNet's option-A shortcut):
     * a {@link ChannelPadShortcut} that adds no channels. Other slices of image data are refused.
     */
    private void slice(OnnxNode n, List<String> in, long opset) {
        Shape x = shapeOf(n, in.getFirst(), 4);
        if (x == null) {
            return;
        }
        if (opset < 10 || in.size() < 5) {
            problems.add(n, "a Slice without steps; Stride imports only x[:, :, ::s, ::s] (opset 10 and later)");
            return;
        }
        long[] starts = arithmetic.values(n, in.get(1));
        long[] ends = arithmetic.values(n, in.get(2));
        long[] axes = arithmetic.values(n, in.get(3));
        long[] steps = arithmetic.values(n, in.get(4));
        if (starts == null || ends == null || axes == null || steps == null) {
            return;
        }
        boolean spatial = axes.length == 2 && Arrays.stream(axes).map(v -> v < 0 ? v + 4 : v).sorted().boxed().toList().equals(List.of(2L, 3L));
        if (!spatial || starts.length != 2 || starts[0] != 0 || starts[1] != 0 || ends.length != 2
                || ends[0] < x.dim(2) || ends[1] < x.dim(3) || steps.length != 2 || steps[0] != steps[1] || steps[0] < 1
                || steps[0] > Integer.MAX_VALUE) {
            problems.add(n, "a Slice (starts " + Arrays.toString(starts) + ", ends " + Arrays.toString(ends) + ", axes "
                    + Arrays.toString(axes) + ", steps " + Arrays.toString(steps) + ") other than x[:, :, ::s, ::s]");
            return;
        }
        layer(n, in.getFirst(), new ImportLayers.Made(new ChannelPadShortcut((int) steps[0], x.dim(1)), Map.of()));
    }

    // A final Softmax turns logits into probabilities; Stride's models give logits and eval and
    // predict apply the softmax themselves, so it is dropped (the ranking of classes is the same).
    private void softmax(OnnxNode n, OnnxAttributes a, String x, String out) {
        long axis = a.i("axis", -1);
        Shape s = shapeOf(n, x, 2);
        if (s == null) {
            return;
        }
        if (!out.equals(graphOutput) || (axis != 1 && axis != -1)) {
            problems.add(n, "a " + n.opType() + " that is not the graph's last node over the classes; Stride drops only that one");
            return;
        }
        notes.add("dropped the final " + n.opType() + " (" + n.label() + "): Stride's models give logits, "
                + "and eval and predict apply the softmax themselves");
        alias.put(out, x);
        graphOutput = x;
    }

    /**
     * (x - mean) / std on the graph's input, per channel, as Stride's export writes its
     * normalisation: it becomes the imported model's {@code Normalization}, so the model takes
     * pixels in [0, 1] as it did. A Sub or Div anywhere else is not a layer Stride has.
     */
    private void inputNormalisation(OnnxNode n, List<String> in, String out) {
        boolean sub = n.opType().equals("Sub");
        int channels = shapes.get(graphInput).dim(1);
        OnnxTensor c = in.size() == 2 ? constants.get(in.get(1)) : null;
        if (!in.getFirst().equals(graphInput) || c == null || (sub ? mean != null || std != null : std != null)) {
            problems.add(n, n.opType() + " is supported only as the input's normalisation: (input - mean) / std with"
                    + " per-channel constants, Sub before Div");
            return;
        }
        float[] v = c.asFloats();
        if (v.length != channels && v.length != 1) {
            problems.add(n, "its constant holds " + v.length + " values for an input of " + channels + " channels");
            return;
        }
        float[] perChannel = new float[channels];
        for (int i = 0; i < channels; i++) {
            perChannel[i] = v[v.length == 1 ? 0 : i];
        }
        if (sub) {
            mean = perChannel;
        } else {
            std = perChannel;
        }
        alias.put(out, in.getFirst());
    }

    private void add(OnnxNode n, List<String> in, String out) {
        String x = in.get(0), y = in.get(1);
        if (constants.containsKey(x)) {
            String t = x;
            x = y;
            y = t;
        }
        Shape a = shapeOf(n, x, -1);
        if (a == null) {
            return;
        }
        if (constants.containsKey(y)) {
            Step s = producers.get(x);
            OnnxTensor b = constants.get(y);
            if (s == null || !s.biasFree() || uses.getOrDefault(s.output(), 0) != 1
                    || !(b.hasShape(a.dim(1)) || b.hasShape(1, a.dim(1)))) {
                problems.add(n, "an Add of a constant " + b.shapeText() + " that is not the bias of the MatMul just before it");
                return;
            }
            Map<String, float[]> weights = new LinkedHashMap<>(s.weights());
            weights.put("bias", b.asFloats());
            Linear old = (Linear) s.layer();
            producers.remove(x);
            producers.put(out, new Step(s.node(), Kind.LAYER, s.inputs(), out,
                    new Linear(old.inFeatures(), old.outFeatures(), true, gemm), weights, false));
            shapes.put(out, a);
            return;
        }
        Shape b = shapeOf(n, y, -1);
        if (b == null) {
            return;
        }
        if (!a.equals(b)) {
            problems.add(n, "inputs of shapes " + a + " and " + b + ": Stride adds branches of the same shape only (no broadcasting)");
            return;
        }
        join(n, Kind.ADD, List.of(x, y), out, a);
    }

    // x * s with s [N, C, 1, 1]: a channel gate, which SeriesParallel turns into squeeze-and-excitation
    // when s is computed from x the way torchvision's SqueezeExcitation computes it.
    private void mul(OnnxNode n, List<String> in, String out) {
        Shape a = shapeOf(n, in.get(0), 4);
        Shape b = a == null ? null : shapeOf(n, in.get(1), 4);
        if (b == null) {
            return;
        }
        boolean gateSecond = b.dim(2) == 1 && b.dim(3) == 1 && b.dim(1) == a.dim(1);
        boolean gateFirst = a.dim(2) == 1 && a.dim(3) == 1 && a.dim(1) == b.dim(1);
        if (!gateSecond && !gateFirst) {
            problems.add(n, "inputs of shapes " + a + " and " + b + ": Stride imports Mul only as a channel gate "
                    + "(squeeze-and-excitation: x [N, C, H, W] times s [N, C, 1, 1])");
            return;
        }
        List<String> xs = gateSecond ? List.of(in.get(0), in.get(1)) : List.of(in.get(1), in.get(0));
        join(n, Kind.MUL, xs, out, gateSecond ? a : b);
    }

    private void clip(OnnxNode n, OnnxAttributes a, List<String> in, long opset) {
        float min = a.f("min", Float.NEGATIVE_INFINITY);
        float max = a.f("max", Float.POSITIVE_INFINITY);
        if (opset >= 11) {
            for (int i = 1; i < in.size() && i < 3; i++) {
                if (in.get(i).isEmpty()) {
                    continue;
                }
                OnnxTensor t = constants.get(in.get(i));
                if (t == null || t.size() != 1) {
                    problems.add(n, "its " + (i == 1 ? "min" : "max") + " is not a constant number");
                    return;
                }
                if (i == 1) {
                    min = t.asFloats()[0];
                } else {
                    max = t.asFloats()[0];
                }
            }
        }
        Layer layer = min == 0f && max == 6f ? new Relu6() : min == 0f && max == Float.POSITIVE_INFINITY ? new Relu() : null;
        if (layer == null) {
            problems.add(n, "Clip to [" + min + ", " + max + "]: Stride has ReLU ([0, inf)) and ReLU6 ([0, 6]) only");
            return;
        }
        layer(n, in.getFirst(), new ImportLayers.Made(layer, Map.of()));
    }

    private void batchNorm(OnnxNode n, OnnxAttributes a, List<String> in) {
        Shape x = shapeOf(n, in.getFirst(), -1);
        OnnxTensor[] params = new OnnxTensor[4];
        for (int i = 0; i < 4; i++) {
            params[i] = weight(n, in, i + 1, true);
            if (params[i] == null) {
                return;
            }
        }
        for (int i = 1; i < n.outputs().size(); i++) {
            if (uses.getOrDefault(n.outputs().get(i), 0) > 0) {
                problems.add(n, "its running-statistics outputs are used (a training graph); export in eval mode");
                return;
            }
        }
        layer(n, in.getFirst(), x == null ? null : ImportLayers.batchNorm(n, a, x, params, problems));
    }

    /** Input {@code i} as a constant tensor; null and a problem when it is required and missing or not constant. */
    private OnnxTensor weight(OnnxNode n, List<String> in, int i, boolean required) {
        if (i >= in.size() || in.get(i).isEmpty()) {
            if (required) {
                problems.add(n, "input " + i + " is missing");
            }
            return null;
        }
        OnnxTensor t = constants.get(in.get(i));
        if (t == null) {
            problems.add(n, "input " + i + " ('" + in.get(i) + "') is computed, not a constant: Stride imports weights "
                    + "stored in the file (initializers or Constant nodes)");
        } else if (t.floats() == null) {
            problems.add(n, "input " + i + " ('" + in.get(i) + "') is " + OnnxTensor.typeName(t.dataType()) + ", not FLOAT");
            return null;
        }
        return t;
    }

    /** The shape of data value {@code v}, checked to have {@code rank} (any when -1); null and a problem otherwise. */
    private Shape shapeOf(OnnxNode n, String v, int rank) {
        Shape s = shapes.get(v);
        if (s == null) {
            problems.add(n, "input '" + v + "' is not image data (it is a constant or shape arithmetic)");
            return null;
        }
        if (rank > 0 && s.rank() != rank) {
            problems.add(n, "input '" + v + "' has rank " + s.rank() + " (" + s + "), expected " + rank);
            return null;
        }
        return s;
    }

    /** Records a one-input layer step; false when {@code made} is null (its problem is already reported). */
    private boolean layer(OnnxNode n, String x, ImportLayers.Made made) {
        if (made == null) {
            return false;
        }
        String out = n.outputs().getFirst();
        Shape y = made.layer().outputShape(shapes.get(x));
        producers.put(out, new Step(n, Kind.LAYER, List.of(x), out, made.layer(), made.weights(), false));
        shapes.put(out, y);
        return true;
    }

    private void join(OnnxNode n, Kind kind, List<String> in, String out, Shape shape) {
        producers.put(out, new Step(n, kind, List.copyOf(in), out, null, Map.of(), false));
        shapes.put(out, shape);
    }
}
