package dev.stride.reference;

import dev.stride.blas.Gemm;
import dev.stride.nn.AdaptiveAvgPool2d;
import dev.stride.nn.BasicBlock;
import dev.stride.nn.BatchNorm2d;
import dev.stride.nn.Concat;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Conv2dSpec;
import dev.stride.nn.GlobalAvgPool;
import dev.stride.nn.Layer;
import dev.stride.nn.Parameter;
import dev.stride.nn.SqueezeExcitation;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The reference cases of the blocks that join or scale paths: {@code concat}, {@code global_avgpool},
 * {@code se_block} and {@code basic_block}, each run on the layer the models use.
 */
final class BlockCases {
    /** The case's names of a basic block's arrays and Stride's (torchvision's) parameter names. */
    private static final Map<String, String> BLOCK = names("conv1_w conv1.weight", "bn1_gamma bn1.weight",
            "bn1_beta bn1.bias", "conv2_w conv2.weight", "bn2_gamma bn2.weight", "bn2_beta bn2.bias");
    private static final Map<String, String> DOWNSAMPLE = names("down_w downsample.0.weight",
            "down_gamma downsample.1.weight", "down_beta downsample.1.bias");
    private static final Map<String, String> SE = names("fc1_w fc1.weight", "fc1_b fc1.bias",
            "fc2_w fc2.weight", "fc2_b fc2.bias");

    private BlockCases() {
    }

    private static Map<String, String> names(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String p : pairs) {
            String[] w = p.split(" ");
            m.put(w[0], w[1]);
        }
        return m;
    }

    /**
     * Concat feeds every branch the same input, so the case's x1 and x2 become one input
     * [N, C1 + C2, H, W] and each branch is a 1x1 convolution whose weights (ones and zeros) pick
     * its own channel range: its output is its x exactly, and its input gradient is its slice of
     * dy in its channels and zero elsewhere. That runs Concat's own work as a model does: the
     * branches' outputs copied into their channel slices, dy cut into slices for the branches,
     * and their input gradients summed into the dx returned, whose channel ranges are dx1 and dx2.
     */
    static void concat(ReferenceCase c, Gemm gemm, Arena arena) {
        int n = c.intParam("N");
        int c1 = c.intParam("C1");
        int c2 = c.intParam("C2");
        int plane = c.intParam("H") * c.intParam("W");
        Shape joined = Shape.of(n, c1 + c2, c.intParam("H"), c.intParam("W"));
        Conv2d first = picker(c1 + c2, c1, gemm);
        Conv2d second = picker(c1 + c2, c2, gemm);
        Concat concat = Concat.of(first, second);
        concat.build(joined, arena);
        pick(first, 0);
        pick(second, c1);
        Tensor x = Tensor.zeros(arena, joined);
        float[] both = new float[(int) joined.size()];
        copyChannels(c.floats("x1"), c1, 0, both, c1 + c2, 0, c1, n, plane);
        copyChannels(c.floats("x2"), c2, 0, both, c1 + c2, c1, c2, n, plane);
        x.copyFrom(both);
        ReferenceComparison.assertClose(c, "y", concat.forward(x));
        float[] dx = concat.backward(ReferenceCasesTest.input(c, "dy", arena), true).toArray();
        float[] dx1 = new float[n * c1 * plane];
        float[] dx2 = new float[n * c2 * plane];
        copyChannels(dx, c1 + c2, 0, dx1, c1, 0, c1, n, plane);
        copyChannels(dx, c1 + c2, c1, dx2, c2, 0, c2, n, plane);
        ReferenceComparison.assertClose(c, "dx1", dx1);
        ReferenceComparison.assertClose(c, "dx2", dx2);
    }

    /** A 1x1 convolution without bias from {@code in} channels to {@code out}. */
    private static Conv2d picker(int in, int out, Gemm gemm) {
        return new Conv2d(Conv2dSpec.of(in, out, 1, 1, 0).withBias(false), gemm);
    }

    /** Output channel k copies input channel {@code from + k}. */
    private static void pick(Conv2d conv, int from) {
        Tensor w = conv.weight().value(); // (out, in, 1, 1)
        w.zero();
        for (int k = 0; k < w.dim(0); k++) {
            w.set(1f, k, from + k, 0, 0);
        }
    }

    /** Copies {@code count} channels per sample, plain loops: from channel srcFrom of src to dstFrom of dst. */
    private static void copyChannels(float[] src, int srcChannels, int srcFrom, float[] dst, int dstChannels, int dstFrom,
                                     int count, int n, int plane) {
        for (int s = 0; s < n; s++) {
            for (int ch = 0; ch < count; ch++) {
                for (int i = 0; i < plane; i++) {
                    dst[((s * dstChannels) + dstFrom + ch) * plane + i] = src[((s * srcChannels) + srcFrom + ch) * plane + i];
                }
            }
        }
    }

    /** On GlobalAvgPool, and on AdaptiveAvgPool2d(1, 1), which the ResNets use for the same job. */
    static void globalAvgPool(ReferenceCase c, Arena arena) {
        ReferenceCasesTest.layer(c, new GlobalAvgPool(), arena);
        ReferenceCasesTest.layer(c, new AdaptiveAvgPool2d(1, 1), arena);
    }

    static void seBlock(ReferenceCase c, Gemm gemm, Arena arena) {
        SqueezeExcitation se = new SqueezeExcitation(c.intParam("C"), c.intParam("hidden"), gemm);
        withParameters(c, se, SE, arena);
    }

    /**
     * Stride's BasicBlock decides its shortcut (a projection exactly where the stride or the
     * channels change) and builds its BNs with eps 1e-5 in training mode; a case that asks for
     * something else fails here, saying so.
     */
    static void basicBlock(ReferenceCase c, Gemm gemm, Arena arena) {
        if (!c.boolParam("training")) {
            throw new AssertionError(c + ": Stride runs basic_block in training mode only; the format gives no running statistics");
        }
        BasicBlock block = new BasicBlock(c.intParam("C"), c.intParam("K"), c.intParam("stride"), gemm);
        boolean downsample = c.boolParam("downsample");
        assertEquals(downsample, block.children().containsKey("downsample"),
                c + ": Stride's BasicBlock has a projection shortcut exactly where the stride or the channels change");
        double eps = Double.parseDouble(c.param("eps"));
        for (BatchNorm2d bn : norms(block, new ArrayList<>())) {
            assertEquals(eps, bn.eps(), c + ": Stride's BasicBlock builds its batch norms with eps " + bn.eps());
        }
        Map<String, String> names = new LinkedHashMap<>(BLOCK);
        if (downsample) {
            names.putAll(DOWNSAMPLE);
        }
        withParameters(c, block, names, arena);
    }

    private static List<BatchNorm2d> norms(Layer layer, List<BatchNorm2d> out) {
        if (layer instanceof BatchNorm2d bn) {
            out.add(bn);
        }
        layer.children().values().forEach(child -> norms(child, out));
        return out;
    }

    /**
     * Builds the layer for x, sets each parameter from the case's array of that name, runs forward
     * and backward (y, dx) and compares each parameter's gradient with {@code grad_<case name>}. The
     * map must name every parameter the layer has.
     */
    private static void withParameters(ReferenceCase c, Layer layer, Map<String, String> caseToStride, Arena arena) {
        ReferenceCasesTest.build(layer, c, arena);
        Map<String, Parameter> byName = new LinkedHashMap<>();
        layer.parameters().forEach(p -> byName.put(p.name(), p));
        assertEquals(List.copyOf(byName.keySet()).stream().sorted().toList(),
                caseToStride.values().stream().sorted().toList(), c + ": the layer's parameters");
        caseToStride.forEach((caseName, strideName) -> {
            Tensor value = byName.get(strideName).value();
            assertArrayEquals(c.array(caseName).dims(), value.shape().dims(), c + ": shape of " + caseName);
            value.copyFrom(c.floats(caseName));
        });
        ReferenceCasesTest.forwardBackward(c, layer, arena);
        caseToStride.forEach((caseName, strideName) ->
                ReferenceComparison.assertClose(c, "grad_" + caseName, byName.get(strideName).grad()));
    }
}
