package dev.stride.onnx;

import dev.stride.nn.AdaptiveAvgPool2d;
import dev.stride.nn.AvgPool2d;
import dev.stride.nn.BatchNorm1d;
import dev.stride.nn.BatchNorm2d;
import dev.stride.nn.ChannelPadShortcut;
import dev.stride.nn.Concat;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Dropout;
import dev.stride.nn.Elu;
import dev.stride.nn.Flatten;
import dev.stride.nn.GlobalAvgPool;
import dev.stride.nn.Layer;
import dev.stride.nn.LeakyRelu;
import dev.stride.nn.Linear;
import dev.stride.nn.MaxPool2d;
import dev.stride.nn.Maxout;
import dev.stride.nn.PoolSpec;
import dev.stride.nn.Prelu;
import dev.stride.nn.Relu;
import dev.stride.nn.Relu6;
import dev.stride.nn.ResidualBlock;
import dev.stride.nn.Sequential;
import dev.stride.nn.Sigmoid;
import dev.stride.nn.Silu;
import dev.stride.nn.SqueezeExcitation;
import dev.stride.nn.Tanh;
import dev.stride.tensor.Shape;

import java.util.List;

/**
 * Where each Stride layer's ONNX mapping is found: one switch over the layer types, the
 * parameter-free layers mapped here, the layers with weights in {@link OnnxConvs} and the
 * composites in {@link OnnxBlocks}. Every mapping reproduces the layer's inference forward (running
 * statistics, dropout as the identity) on the built input shape; a layer with no mapping is an
 * {@link IllegalArgumentException} naming its path.
 */
final class ExportLayers {
    private final OnnxGraphBuilder g;
    private final boolean foldBatchNorm;

    ExportLayers(OnnxGraphBuilder g, boolean foldBatchNorm) {
        this.g = g;
        this.foldBatchNorm = foldBatchNorm;
    }

    OnnxGraphBuilder graph() {
        return g;
    }

    /** Adds the nodes computing {@code layer} on value {@code x} and returns the name of its output. */
    String map(Layer layer, String x) {
        String name = name(layer);
        return switch (layer) {
            case Sequential s -> chain(s.layers(), x);
            case ResidualBlock b -> OnnxBlocks.residual(this, b, x);
            case Concat c -> OnnxBlocks.concat(this, c, x);
            case SqueezeExcitation se -> OnnxBlocks.squeezeExcitation(this, se, x);
            case ChannelPadShortcut p -> OnnxBlocks.channelPad(this, p, x);
            case Maxout m -> OnnxBlocks.maxout(this, m, x);
            case Conv2d c -> OnnxConvs.conv(g, c, x);
            case Linear l -> OnnxConvs.gemm(g, l, x);
            case BatchNorm2d bn -> OnnxConvs.batchNorm(g, name, bn.eps(), bn.weight(), bn.bias(), bn.runningMean(), bn.runningVar(), x);
            case BatchNorm1d bn -> OnnxConvs.batchNorm(g, name, bn.eps(), bn.weight(), bn.bias(), bn.runningMean(), bn.runningVar(), x);
            case Prelu p -> OnnxConvs.prelu(g, p, x);
            case Relu _ -> g.node("Relu", name, List.of(x));
            case Sigmoid _ -> g.node("Sigmoid", name, List.of(x));
            case Tanh _ -> g.node("Tanh", name, List.of(x));
            case LeakyRelu r -> g.node("LeakyRelu", name, List.of(x), ExportAttribute.of("alpha", r.slope()));
            case Elu e -> g.node("Elu", name, List.of(x), ExportAttribute.of("alpha", e.alpha()));
            case Relu6 _ -> g.node("Clip", name, List.of(x, g.scalar("relu6.min", 0f), g.scalar("relu6.max", 6f)));
            case Silu _ -> g.node("Mul", name, List.of(x, g.node("Sigmoid", name + ".sigmoid", List.of(x))));
            case Dropout _ -> x; // the identity at inference
            case Flatten _ -> g.node("Flatten", name, List.of(x), ExportAttribute.of("axis", 1L));
            case MaxPool2d p -> pool("MaxPool", name, p, p.spec(), x);
            case AvgPool2d p -> pool("AveragePool", name, p, p.spec(), x);
            case GlobalAvgPool _ -> g.node("GlobalAveragePool", name, List.of(x));
            case AdaptiveAvgPool2d p -> adaptiveAvgPool(p, x);
            default -> throw new IllegalArgumentException(layer.label() + " has no ONNX mapping; "
                    + "export a model built from the layers docs/onnx.md lists");
        };
    }

    /**
     * The layers one after another; with batch-norm folding, a Conv2d followed by a BatchNorm2d
     * becomes one Conv with the folded weights.
     */
    String chain(List<Layer> layers, String x) {
        String y = x;
        for (int i = 0; i < layers.size(); i++) {
            if (foldBatchNorm && i + 1 < layers.size() && layers.get(i) instanceof Conv2d conv
                    && layers.get(i + 1) instanceof BatchNorm2d bn) {
                y = OnnxConvs.foldedConv(g, conv, bn, y);
                i++;
            } else {
                y = map(layers.get(i), y);
            }
        }
        return y;
    }

    /**
     * MaxPool and AveragePool. Stride's average pooling divides by the whole window, padding
     * included (count_include_pad), and rounds up (ceil_mode) only for max pooling. Where PyTorch's
     * ceil mode drops a last window that would start in the right padding, ONNX's formula (which
     * ONNX Runtime's shape inference follows, though not its kernel) keeps it, so such a pool is
     * written without ceil_mode and with the end padding that gives Stride's size (max pooling
     * never picks padding).
     */
    private String pool(String op, String name, Layer p, PoolSpec spec, String x) {
        int pad = spec.padding();
        long[] pads = {pad, pad, pad, pad};
        boolean ceil = spec.ceil();
        if (ceil) {
            Shape in = p.inputShape();
            Shape out = p.outputShape();
            int onnxH = Math.ceilDiv(in.dim(2) + 2 * pad - spec.kernelH(), spec.stride()) + 1;
            int onnxW = Math.ceilDiv(in.dim(3) + 2 * pad - spec.kernelW(), spec.stride()) + 1;
            if (onnxH != out.dim(2) || onnxW != out.dim(3)) {
                ceil = false;
                pads[2] = (long) (out.dim(2) - 1) * spec.stride() + spec.kernelH() - in.dim(2) - pad;
                pads[3] = (long) (out.dim(3) - 1) * spec.stride() + spec.kernelW() - in.dim(3) - pad;
            }
        }
        return g.node(op, name, List.of(x),
                ExportAttribute.ints("kernel_shape", spec.kernelH(), spec.kernelW()),
                ExportAttribute.ints("strides", spec.stride(), spec.stride()),
                ExportAttribute.ints("pads", pads),
                ExportAttribute.of("ceil_mode", ceil ? 1L : 0L),
                op.equals("AveragePool") ? ExportAttribute.of("count_include_pad", 1L) : ExportAttribute.of("storage_order", 0L));
    }

    /** GlobalAveragePool for 1x1; AveragePool when the output size divides the input's (equal windows); else no mapping. */
    private String adaptiveAvgPool(AdaptiveAvgPool2d p, String x) {
        Shape in = p.inputShape();
        int h = in.dim(2), w = in.dim(3);
        if (p.outH() == 1 && p.outW() == 1) {
            return g.node("GlobalAveragePool", name(p), List.of(x));
        }
        if (h % p.outH() != 0 || w % p.outW() != 0) {
            throw new IllegalArgumentException(p.label() + " has no ONNX mapping for input " + h + "x" + w + " to "
                    + p.outH() + "x" + p.outW() + ": its windows differ in size; export at an input size whose height and "
                    + "width the output size divides");
        }
        int kH = h / p.outH(), kW = w / p.outW();
        return g.node("AveragePool", name(p), List.of(x), ExportAttribute.ints("kernel_shape", kH, kW),
                ExportAttribute.ints("strides", kH, kW));
    }

    /** The node name of a layer: its path, or its type for a root. */
    static String name(Layer layer) {
        String path = layer.path();
        return path.isEmpty() ? layer.getClass().getSimpleName() : path;
    }
}
