package dev.stride.onnx;

import dev.stride.nn.ChannelPadShortcut;
import dev.stride.nn.Concat;
import dev.stride.nn.Layer;
import dev.stride.nn.Linear;
import dev.stride.nn.Maxout;
import dev.stride.nn.ResidualBlock;
import dev.stride.nn.SqueezeExcitation;
import dev.stride.tensor.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * The ONNX mappings of the composites, written in terms of their children's: residual blocks (main
 * path, shortcut, Add, Relu), Concat (GoogLeNet's Inception), squeeze-and-excitation, and the two
 * parameter-free reshaping layers, option A's shortcut and Maxout.
 */
final class OnnxBlocks {
    private OnnxBlocks() {
    }

    /** main(x) + shortcut(x), then Relu when the block has one; a block without a sum is its main path. */
    static String residual(ExportLayers layers, ResidualBlock block, String x) {
        String main = layers.chain(block.mainPath(), x);
        if (!block.hasSum()) {
            return main;
        }
        String shortcut = block.shortcut() == null ? x : layers.map(block.shortcut(), x);
        String name = ExportLayers.name(block);
        OnnxGraphBuilder g = layers.graph();
        String sum = g.node("Add", name + (block.reluAfterSum() ? ".add" : ""), List.of(main, shortcut));
        return block.reluAfterSum() ? g.node("Relu", name + ".relu", List.of(sum)) : sum;
    }

    /** Every branch on the same input, joined along the channels. */
    static String concat(ExportLayers layers, Concat concat, String x) {
        List<String> outs = new ArrayList<>();
        for (Layer branch : concat.branches()) {
            outs.add(layers.map(branch, x));
        }
        return layers.graph().node("Concat", ExportLayers.name(concat), outs, ExportAttribute.of("axis", 1L));
    }

    /**
     * x * sigmoid(fc2(relu(fc1(mean over H, W of x)))), with the fully connected layers as 1x1
     * convolutions on the [N, C, 1, 1] means, so the gate broadcasts over x without reshapes.
     */
    static String squeezeExcitation(ExportLayers layers, SqueezeExcitation se, String x) {
        OnnxGraphBuilder g = layers.graph();
        String name = ExportLayers.name(se);
        var children = se.children();
        String m = g.node("GlobalAveragePool", name + ".pool", List.of(x));
        String h = g.node("Relu", name + ".relu", List.of(conv1x1(g, (Linear) children.get("fc1"), m)));
        String s = g.node("Sigmoid", name + ".gate", List.of(conv1x1(g, (Linear) children.get("fc2"), h)));
        return g.node("Mul", name, List.of(x, s));
    }

    private static String conv1x1(OnnxGraphBuilder g, Linear fc, String x) {
        long[] dims = {fc.outFeatures(), fc.inFeatures(), 1, 1};
        List<String> inputs = new ArrayList<>(List.of(x, g.floats(fc.weight().name(), dims, fc.weight().value())));
        if (fc.bias() != null) {
            inputs.add(g.floats(fc.bias().name(), OnnxConvs.dims(fc.bias().value()), fc.bias().value()));
        }
        return g.node("Conv", ExportLayers.name(fc), inputs, ExportAttribute.ints("kernel_shape", 1, 1));
    }

    /** Option A: every stride-th row and column (Slice with steps), then zero channels on both sides (Pad). */
    static String channelPad(ExportLayers layers, ChannelPadShortcut p, String x) {
        OnnxGraphBuilder g = layers.graph();
        String name = ExportLayers.name(p);
        int s = p.stride();
        String sampled = x;
        if (s > 1) {
            sampled = g.node("Slice", name + ".slice", List.of(x, g.int64s("hw.starts", 0, 0),
                    g.int64s("hw.ends", Long.MAX_VALUE, Long.MAX_VALUE), g.int64s("hw.axes", 2, 3),
                    g.int64s(name + ".steps", s, s)));
        }
        int c = p.inputShape().dim(1);
        int before = (p.outChannels() - c) / 2;
        int after = p.outChannels() - c - before;
        return g.node("Pad", name, List.of(sampled, g.int64s(name + ".pads", 0, before, 0, 0, 0, after, 0, 0)),
                ExportAttribute.of("mode", "constant"));
    }

    /** Channels grouped k at a time ([N, C/k, k, ...] by Reshape), then the max over each group (ReduceMax, axis 2). */
    static String maxout(ExportLayers layers, Maxout m, String x) {
        OnnxGraphBuilder g = layers.graph();
        String name = ExportLayers.name(m);
        Shape in = m.inputShape();
        long[] shape = new long[in.rank() + 1];
        shape[0] = 0; // Reshape's 0 keeps the batch, whatever its size
        shape[1] = in.dim(1) / m.k();
        shape[2] = m.k();
        for (int i = 2; i < in.rank(); i++) {
            shape[i + 1] = in.dim(i);
        }
        String grouped = g.node("Reshape", name + ".groups", List.of(x, g.int64s(name + ".shape", shape)));
        return g.node("ReduceMax", name, List.of(grouped), ExportAttribute.ints("axes", 2), ExportAttribute.of("keepdims", 0L));
    }
}
