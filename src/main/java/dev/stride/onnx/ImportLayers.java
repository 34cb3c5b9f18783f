package dev.stride.onnx;

import dev.stride.blas.Gemm;
import dev.stride.nn.AvgPool2d;
import dev.stride.nn.BatchNorm1d;
import dev.stride.nn.BatchNorm2d;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Conv2dSpec;
import dev.stride.nn.Layer;
import dev.stride.nn.Linear;
import dev.stride.nn.MaxPool2d;
import dev.stride.nn.PoolSpec;
import dev.stride.ops.OutputSize;
import dev.stride.tensor.Shape;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ONNX operators that carry weights or a window, each mapped to its Stride layer with its
 * attributes checked: a value Stride cannot honour (dilation, asymmetric padding, a stride that
 * differs between the axes, alpha != 1 in Gemm) is reported to {@link OnnxProblems} and gives no
 * layer. Weights are copied into a map by the layer's parameter and buffer names.
 */
final class ImportLayers {
    private ImportLayers() {
    }

    /** A layer and the values of its parameters and buffers by local name ("weight", "running_mean"). */
    record Made(Layer layer, Map<String, float[]> weights) {
    }

    static Made conv(OnnxNode n, OnnxAttributes a, Shape x, OnnxTensor w, OnnxTensor b, OnnxProblems p, Gemm gemm) {
        if (x.rank() != 4) {
            p.add(n, "input " + x + " is not [N, C, H, W]: Stride imports 2-D convolutions only");
            return null;
        }
        long group = a.i("group", 1);
        if (w.dims().length != 4) {
            p.add(n, "weight '" + w.name() + "' has shape " + w.shapeText() + ", not [K, C/group, kH, kW]");
            return null;
        }
        int k = (int) w.dims()[0], kh = (int) w.dims()[2], kw = (int) w.dims()[3];
        int c = x.dim(1);
        if (group < 1 || c % group != 0 || k % group != 0 || w.dims()[1] * group != c) {
            p.add(n, "weight '" + w.name() + "' " + w.shapeText() + " with group " + group + " does not fit the input's "
                    + c + " channels (expected [K, " + (group > 0 ? c / group : "?") + ", kH, kW])");
            return null;
        }
        long[] kernel = a.ints("kernel_shape", kh, kw);
        if (!Arrays.equals(kernel, new long[] {kh, kw})) {
            p.add(n, "kernel_shape " + Arrays.toString(kernel) + " disagrees with weight '" + w.name() + "' " + w.shapeText());
            return null;
        }
        Window win = window(n, a, x, kh, kw, p);
        int pad = win == null ? -1 : symmetric(n, win, p);
        if (pad < 0) {
            return null;
        }
        if (b != null && !b.hasShape(k)) {
            p.add(n, "bias '" + b.name() + "' has shape " + b.shapeText() + ", expected [" + k + "]");
            return null;
        }
        boolean floor = (x.dim(2) + 2 * pad - kh) % win.stride != 0 || (x.dim(3) + 2 * pad - kw) % win.stride != 0;
        Conv2dSpec spec = new Conv2dSpec(c, k, kh, kw, win.stride, pad, b != null, floor, (int) group);
        Map<String, float[]> weights = new LinkedHashMap<>();
        weights.put("weight", w.asFloats());
        if (b != null) {
            weights.put("bias", b.asFloats());
        }
        return new Made(new Conv2d(spec, gemm), weights);
    }

    /** MaxPool and AveragePool; {@code max} picks which. */
    static Made pool(OnnxNode n, OnnxAttributes a, Shape x, boolean max, OnnxProblems p) {
        if (x.rank() != 4) {
            p.add(n, "input " + x + " is not [N, C, H, W]: Stride pools 2-D windows only");
            return null;
        }
        long[] kernel = a.ints("kernel_shape");
        if (kernel.length != 2) {
            p.add(n, "kernel_shape " + Arrays.toString(kernel) + " is not two numbers");
            return null;
        }
        boolean ceil = a.i("ceil_mode", 0) != 0;
        if (max && a.i("storage_order", 0) != 0) {
            p.add(n, "storage_order 1 (column-major indices) is not supported");
        }
        boolean countPad = !max && a.i("count_include_pad", 0) != 0;
        if (max && n.outputs().size() > 1 && !n.outputs().get(1).isEmpty()) {
            p.add(n, "its second output (the indices of the maxima) is not supported");
        }
        int kh = (int) kernel[0], kw = (int) kernel[1];
        Window win = window(n, a, x, kh, kw, p);
        if (win == null) {
            return null;
        }
        int pad = max && !ceil ? ceilAsPadding(win, x, kh, kw) : -1;
        if (pad >= 0 && !Arrays.stream(win.pads).allMatch(v -> v == win.pads[0])) {
            ceil = true;
        } else {
            pad = symmetric(n, win, p);
        }
        if (pad < 0) {
            return null;
        }
        if (!max && pad > 0 && !countPad) {
            p.add(n, "count_include_pad 0 with padding " + pad + ": Stride's AvgPool2d divides by the whole window, "
                    + "padding included (PyTorch's count_include_pad=True)");
            return null;
        }
        boolean fits = (x.dim(2) + 2 * pad - kh) % win.stride == 0 && (x.dim(3) + 2 * pad - kw) % win.stride == 0;
        if (!max && ceil && !fits) {
            p.add(n, "ceil_mode 1 where the windows do not tile the input: Stride rounds average pooling down only");
            return null;
        }
        if (2 * pad > Math.min(kh, kw)) {
            p.add(n, "padding " + pad + " is more than half the " + kh + "x" + kw + " window");
            return null;
        }
        PoolSpec spec = new PoolSpec(kh, kw, win.stride, pad, !fits && !ceil, ceil && !fits && max);
        return new Made(max ? new MaxPool2d(spec) : new AvgPool2d(spec), Map.of());
    }

    /** Gemm: Y = A B' + C with A [N, in]; B [out, in] (transB 1) or [in, out]; C [out] or [1, out]. */
    static Made gemm(OnnxNode n, OnnxAttributes a, Shape x, OnnxTensor w, OnnxTensor bias, OnnxProblems p, Gemm gemm) {
        boolean ok = true;
        if (a.i("transA", 0) != 0) {
            p.add(n, "transA 1 is not supported (the data must be the left operand as it is)");
            ok = false;
        }
        if (a.f("alpha", 1f) != 1f || (bias != null && a.f("beta", 1f) != 1f)) {
            p.add(n, "alpha " + a.f("alpha", 1f) + " and beta " + a.f("beta", 1f) + ": Stride's Linear needs both 1");
            ok = false;
        }
        boolean transB = a.i("transB", 0) != 0;
        return ok ? linear(n, x, w, transB, bias, p, gemm) : null;
    }

    /** A fully connected layer from a weight stored [out, in] ({@code transposed}) or [in, out]. */
    static Made linear(OnnxNode n, Shape x, OnnxTensor w, boolean transposed, OnnxTensor bias, OnnxProblems p, Gemm gemm) {
        if (x.rank() != 2) {
            p.add(n, "input " + x + " is not [N, features]; flatten it first");
            return null;
        }
        if (w.dims().length != 2) {
            p.add(n, "weight '" + w.name() + "' has shape " + w.shapeText() + ", not a matrix");
            return null;
        }
        int in = (int) w.dims()[transposed ? 1 : 0], out = (int) w.dims()[transposed ? 0 : 1];
        if (in != x.dim(1)) {
            p.add(n, "weight '" + w.name() + "' " + w.shapeText() + " takes " + in + " features but the input has " + x.dim(1));
            return null;
        }
        if (bias != null && !bias.hasShape(out) && !bias.hasShape(1, out)) {
            p.add(n, "bias '" + bias.name() + "' has shape " + bias.shapeText() + ", expected [" + out + "]");
            return null;
        }
        float[] v = w.asFloats();
        if (!transposed) {
            float[] t = new float[v.length];
            for (int i = 0; i < in; i++) {
                for (int o = 0; o < out; o++) {
                    t[o * in + i] = v[i * out + o];
                }
            }
            v = t;
        }
        Map<String, float[]> weights = new LinkedHashMap<>();
        weights.put("weight", v);
        if (bias != null) {
            weights.put("bias", bias.asFloats());
        }
        return new Made(new Linear(in, out, bias != null, gemm), weights);
    }

    /** BatchNormalization in inference form: inputs X, scale, B, mean, var. */
    static Made batchNorm(OnnxNode n, OnnxAttributes a, Shape x, OnnxTensor[] params, OnnxProblems p) {
        double eps = a.f("epsilon", 1e-5f);
        // ONNX's momentum weighs the running value, PyTorch's the batch statistic: exporters write 1 - momentum.
        double momentum = Math.round((1 - (double) a.f("momentum", 0.9f)) * 1e6) / 1e6;
        if (a.i("training_mode", 0) != 0) {
            p.add(n, "training_mode 1: export the model in eval mode (model.eval()) so batch norm uses its running statistics");
            return null;
        }
        if (a.i("spatial", 1) != 1) {
            p.add(n, "spatial 0 (statistics per element, not per channel) is not supported");
            return null;
        }
        if (x.rank() != 4 && x.rank() != 2) {
            p.add(n, "input " + x + " is neither [N, C, H, W] nor [N, C]");
            return null;
        }
        int c = x.dim(1);
        String[] names = {"weight", "bias", "running_mean", "running_var"};
        Map<String, float[]> weights = new LinkedHashMap<>();
        for (int i = 0; i < 4; i++) {
            if (!params[i].hasShape(c)) {
                p.add(n, names[i] + " '" + params[i].name() + "' has shape " + params[i].shapeText() + ", expected [" + c + "]");
                return null;
            }
            weights.put(names[i], params[i].asFloats());
        }
        Layer layer = x.rank() == 4 ? new BatchNorm2d(c, eps, momentum) : new BatchNorm1d(c, eps, momentum);
        return new Made(layer, weights);
    }

    private record Window(int stride, long[] pads) {
    }

    // One stride for both axes and the same padding on all four sides, as Stride's specs have them;
    // auto_pad is turned into explicit padding where that padding is symmetric.
    private static Window window(OnnxNode n, OnnxAttributes a, Shape x, int kh, int kw, OnnxProblems p) {
        long[] strides = a.ints("strides", 1, 1);
        long[] dilations = a.ints("dilations", 1, 1);
        long[] pads = a.ints("pads", 0, 0, 0, 0);
        String auto = a.s("auto_pad", "NOTSET");
        boolean ok = true;
        if (strides.length != 2 || strides[0] != strides[1] || strides[0] < 1) {
            p.add(n, "strides " + Arrays.toString(strides) + ": Stride needs one stride for both axes");
            ok = false;
        }
        if (Arrays.stream(dilations).anyMatch(d -> d != 1)) {
            p.add(n, "dilations " + Arrays.toString(dilations) + ": Stride has no dilated windows");
            ok = false;
        }
        if (!ok) {
            return null;
        }
        int stride = (int) strides[0];
        switch (auto) {
            case "NOTSET", "VALID" -> {
                if (auto.equals("VALID")) {
                    pads = new long[4];
                }
            }
            case "SAME_UPPER", "SAME_LOWER" -> {
                long total = Math.max(0, (Math.ceilDiv(x.dim(2), stride) - 1) * stride + kh - x.dim(2));
                long totalW = Math.max(0, (Math.ceilDiv(x.dim(3), stride) - 1) * stride + kw - x.dim(3));
                pads = new long[] {total / 2, totalW / 2, total - total / 2, totalW - totalW / 2};
            }
            default -> {
                p.add(n, "auto_pad " + auto + " is not an ONNX padding mode");
                return null;
            }
        }
        return new Window(stride, pads);
    }

    /** The padding when all four sides are alike; otherwise a problem and -1. */
    private static int symmetric(OnnxNode n, Window win, OnnxProblems p) {
        long[] pads = win.pads;
        if (pads.length != 4 || Arrays.stream(pads).anyMatch(v -> v != pads[0]) || pads[0] < 0) {
            p.add(n, "pads " + Arrays.toString(pads) + ": Stride pads all four sides alike");
            return -1;
        }
        return (int) pads[0];
    }

    /**
     * Opsets before 10 have no ceil_mode: PyTorch's exporter writes a max pool in ceil mode as one
     * with extra padding at the bottom and right. That is the same pool when the begin pads are
     * alike and the output sizes agree; returns the begin padding then, else -1.
     */
    private static int ceilAsPadding(Window win, Shape x, int kh, int kw) {
        long[] pads = win.pads;
        if (pads.length != 4 || pads[0] != pads[1] || pads[2] < pads[0] || pads[3] < pads[1]) {
            return -1;
        }
        int pad = (int) pads[0];
        int outH = (int) ((x.dim(2) + pads[0] + pads[2] - kh) / win.stride + 1);
        int outW = (int) ((x.dim(3) + pads[1] + pads[3] - kw) / win.stride + 1);
        boolean same = outH == OutputSize.ceil("MaxPool", "height", x.dim(2), kh, win.stride, pad)
                && outW == OutputSize.ceil("MaxPool", "width", x.dim(3), kw, win.stride, pad);
        return same ? pad : -1;
    }
}
