package dev.stride.onnx;

import dev.stride.nn.BatchNorm2d;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Conv2dSpec;
import dev.stride.nn.Linear;
import dev.stride.nn.Parameter;
import dev.stride.nn.Prelu;
import dev.stride.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The ONNX mappings of the layers with weights: Conv2d as Conv (groups and depthwise as its
 * {@code group}), Linear as Gemm with transB = 1 (its weight is [out, in], as PyTorch's), batch norm
 * as BatchNormalization on the running statistics or folded into the Conv before it, PReLU as
 * PRelu. Initializers take the parameter names ({@code layer1.0.conv1.weight}).
 */
final class OnnxConvs {
    private OnnxConvs() {
    }

    static String conv(OnnxGraphBuilder g, Conv2d conv, String x) {
        Tensor b = conv.bias() == null ? null : conv.bias().value();
        String w = g.floats(conv.weight().name(), dims(conv.weight().value()), conv.weight().value());
        String bias = b == null ? null : g.floats(conv.bias().name(), dims(b), b);
        return convNode(g, conv, x, w, bias);
    }

    /** Conv then BatchNorm2d as one Conv: W' = W * s, b' = (b - mean) * s + beta (see {@link BatchNorm2d#fold}). */
    static String foldedConv(OnnxGraphBuilder g, Conv2d conv, BatchNorm2d bn, String x) {
        Tensor w = conv.weight().value();
        float[] weight = new float[Math.toIntExact(w.size())];
        float[] bias = new float[conv.spec().outChannels()];
        BatchNorm2d.fold(conv, bn, weight, bias);
        String prefix = ExportLayers.name(conv);
        return convNode(g, conv, x, g.floats(prefix + ".weight", dims(w), weight),
                g.floats(prefix + ".bias", new long[] {bias.length}, bias));
    }

    private static String convNode(OnnxGraphBuilder g, Conv2d conv, String x, String weight, String bias) {
        Conv2dSpec s = conv.spec();
        List<String> inputs = new ArrayList<>(List.of(x, weight));
        if (bias != null) {
            inputs.add(bias);
        }
        int p = s.padding();
        return g.node("Conv", ExportLayers.name(conv), inputs,
                ExportAttribute.ints("kernel_shape", s.kernelH(), s.kernelW()),
                ExportAttribute.ints("strides", s.stride(), s.stride()),
                ExportAttribute.ints("pads", p, p, p, p),
                ExportAttribute.ints("dilations", 1, 1),
                ExportAttribute.of("group", (long) s.groups()));
    }

    /** y = x W^T + b. */
    static String gemm(OnnxGraphBuilder g, Linear fc, String x) {
        return gemm(g, ExportLayers.name(fc), fc, x);
    }

    static String gemm(OnnxGraphBuilder g, String name, Linear fc, String x) {
        List<String> inputs = new ArrayList<>(List.of(x, g.floats(fc.weight().name(), dims(fc.weight().value()), fc.weight().value())));
        if (fc.bias() != null) {
            inputs.add(g.floats(fc.bias().name(), dims(fc.bias().value()), fc.bias().value()));
        }
        return g.node("Gemm", name, inputs, ExportAttribute.of("transB", 1L));
    }

    /** BatchNormalization in inference form: (x - running_mean) / sqrt(running_var + eps) * weight + bias. */
    static String batchNorm(OnnxGraphBuilder g, String name, double eps, Parameter weight, Parameter bias,
                            Tensor runningMean, Tensor runningVar, String x) {
        String scale = g.floats(weight.name(), dims(weight.value()), weight.value());
        String shift = g.floats(bias.name(), dims(bias.value()), bias.value());
        String mean = g.floats(name + ".running_mean", dims(runningMean), runningMean);
        String var = g.floats(name + ".running_var", dims(runningVar), runningVar);
        return g.node("BatchNormalization", name, List.of(x, scale, shift, mean, var), ExportAttribute.of("epsilon", (float) eps));
    }

    /** PRelu with the slopes shaped [C, 1, ...] so they broadcast over the channel axis of [N, C, ...]. */
    static String prelu(OnnxGraphBuilder g, Prelu p, String x) {
        Parameter slope = p.ownParameters().getFirst();
        long[] dims = new long[p.inputShape().rank() - 1];
        Arrays.fill(dims, 1);
        dims[0] = p.channels();
        return g.node("PRelu", ExportLayers.name(p), List.of(x, g.floats(slope.name(), dims, slope.value())));
    }

    static long[] dims(Tensor t) {
        long[] d = new long[t.rank()];
        for (int i = 0; i < d.length; i++) {
            d[i] = t.dim(i);
        }
        return d;
    }
}
