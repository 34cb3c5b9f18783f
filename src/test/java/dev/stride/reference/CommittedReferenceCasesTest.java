package dev.stride.reference;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Checks the cases that scripts/make-reference-cases committed against the format's table of ops,
 * params and arrays, and that their shapes agree with their params, so a bad regeneration fails
 * here, before any op runs.
 */
class CommittedReferenceCasesTest {

    private static final List<String> LENET_PARAMS = List.of("conv1_w", "conv1_b", "conv2_w", "conv2_b",
            "fc1_w", "fc1_b", "fc2_w", "fc2_b", "fc3_w", "fc3_b");

    private static final List<String> BLOCK_PARAMS = List.of("conv1_w", "bn1_gamma", "bn1_beta", "conv2_w",
            "bn2_gamma", "bn2_beta");
    private static final List<String> DOWNSAMPLE_PARAMS = List.of("down_w", "down_gamma", "down_beta");

    /** op -> {params, inputs, expected}, as in the format's table. */
    private static final Map<String, List<List<String>>> TABLE = Map.ofEntries(
            op("conv2d", "N C H W K FH FW stride pad Hout Wout floor bias", "x w dy", "y dx dw"),
            op("maxpool2d", "N C H W pool_h pool_w stride pad Hout Wout floor", "x dy", "y dx"),
            op("avgpool2d", "N C H W pool_h pool_w stride pad Hout Wout floor", "x dy", "y dx"),
            op("relu", "N C H W", "x dy", "y dx"),
            op("relu6", "N C H W", "x dy", "y dx"),
            op("sigmoid", "N C H W", "x dy", "y dx"),
            op("tanh", "N C H W", "x dy", "y dx"),
            op("silu", "N C H W", "x dy", "y dx"),
            op("leaky_relu", "N C H W slope", "x dy", "y dx"),
            op("elu", "N C H W alpha", "x dy", "y dx"),
            op("prelu", "N C H W", "x a dy", "y dx da"),
            op("maxout", "N C H W k Cout", "x dy", "y dx"),
            op("linear", "N in out", "x w b dy", "y dx dw db"),
            op("batchnorm2d", "N C H W eps momentum training", "x gamma beta running_mean running_var dy",
                    "y dx dgamma dbeta running_mean_out running_var_out"),
            op("softmax_cross_entropy", "N C reduction", "logits labels", "loss probs dlogits"),
            op("svm_hinge", "N C delta reduction", "scores labels", "loss dscores"),
            op("lenet5_train_step", "N lr momentum", "x labels " + String.join(" ", LENET_PARAMS),
                    "loss mom_step2_loss " + prefixed("grad_", "sgd1_", "mom_step2_grad_", "mom2_")),
            op("global_avgpool", "N C H W", "x dy", "y dx"),
            op("concat", "N C1 C2 H W", "x1 x2 dy", "y dx1 dx2"),
            op("se_block", "N C H W reduction hidden", "x fc1_w fc1_b fc2_w fc2_b dy",
                    "y dx grad_fc1_w grad_fc1_b grad_fc2_w grad_fc2_b"),
            op("basic_block", "N C H W K stride downsample eps training Hout Wout",
                    "x dy " + String.join(" ", BLOCK_PARAMS), "y dx grad_" + String.join(" grad_", BLOCK_PARAMS)),
            op("optimizer_steps", "optimizer lr momentum nesterov weight_decay beta1 beta2 eps steps D", "p0 g1", "p1"),
            op("resnet_mini_train_step", "N H W lr momentum weight_decay bn_eps bn_momentum",
                    "x labels conv1.weight bn1.running_var layer2.0.downsample.0.weight fc.bias",
                    "logits loss step2_loss grad_fc.weight step1_bn1.running_mean step2_layer2.0.downsample.1.bias"),
            op("resnet20_step", "N C H W classes bn_eps bn_momentum",
                    "x labels conv1.weight layer3.2.bn2.running_var fc.bias",
                    "logits loss grad_conv1.weight grad_layer3.2.bn2.bias after_layer3.2.bn2.running_var"));

    private static Map.Entry<String, List<List<String>>> op(String name, String params, String in, String out) {
        return Map.entry(name, List.of(List.of(params.split(" ")), List.of(in.split(" ")), List.of(out.split(" "))));
    }

    private static String prefixed(String... prefixes) {
        List<String> out = new ArrayList<>();
        for (String p : prefixes) {
            LENET_PARAMS.forEach(name -> out.add(p + name));
        }
        return String.join(" ", out);
    }

    @Test
    void everyOpInTheTableHasACase() {
        Set<String> ops = new TreeSet<>();
        ReferenceCases.discover(ReferenceCases.builtInRoot()).forEach(c -> ops.add(c.op()));
        assertEquals(new TreeSet<>(TABLE.keySet()), ops);
    }

    @TestFactory
    Stream<DynamicTest> everyCaseIsCompleteAndReadable() {
        return ReferenceCases.discover(ReferenceCases.builtInRoot()).stream()
                .map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
    }

    /**
     * The whole path (script, raw files, reader, comparison) end to end, on the two ops simple
     * enough to recompute here with plain loops.
     */
    @Test
    void reluAndLinearCasesMatchPlainLoops() {
        int checked = 0;
        for (ReferenceCase c : ReferenceCases.discover(ReferenceCases.builtInRoot())) {
            if (c.op().equals("relu")) {
                float[] x = c.floats("x");
                float[] dy = c.floats("dy");
                float[] y = new float[x.length];
                float[] dx = new float[x.length];
                for (int i = 0; i < x.length; i++) {
                    y[i] = Math.max(x[i], 0f);
                    dx[i] = x[i] > 0 ? dy[i] : 0f;
                }
                ReferenceComparison.assertClose(c, "y", y);
                ReferenceComparison.assertClose(c, "dx", dx);
                checked++;
            } else if (c.op().equals("linear")) {
                int n = c.intParam("N");
                int in = c.intParam("in");
                int out = c.intParam("out");
                float[] x = c.floats("x");
                float[] w = c.floats("w");
                float[] b = c.floats("b");
                float[] y = new float[n * out];
                for (int i = 0; i < n; i++) {
                    for (int o = 0; o < out; o++) {
                        double s = b[o];
                        for (int k = 0; k < in; k++) {
                            s += (double) x[i * in + k] * w[o * in + k];
                        }
                        y[i * out + o] = (float) s;
                    }
                }
                ReferenceComparison.assertClose(c, "y", y);
                checked++;
            }
        }
        assertTrue(checked >= 3, "expected relu and linear cases, checked " + checked);
    }

    private static void check(ReferenceCase c) {
        List<List<String>> row = TABLE.get(c.op());
        assertNotNull(row, c + ": op not in the format's table");
        row.get(0).forEach(c::param);
        row.get(1).forEach(name -> assertTrue(c.array(name).isInput(), c + ": " + name + " must be an input"));
        row.get(2).forEach(name -> assertTrue(c.array(name).isExpected(), c + ": " + name + " must be expected"));
        for (ReferenceArray a : c.arrays()) {
            int n = a.isInt() ? c.ints(a.name()).length : c.floats(a.name()).length;
            assertEquals(a.size(), n);
        }
        switch (c.op()) {
            case "conv2d" -> {
                boolean bias = c.boolParam("bias");
                assertEquals(bias, c.hasArray("b"), c + ": b present iff bias");
                assertEquals(bias, c.hasArray("db"), c + ": db present iff bias");
                checkWindows(c, "FH", "FW", "K");
                int groups = c.hasParam("groups") ? c.intParam("groups") : 1;
                assertEquals(0, c.intParam("C") % groups + c.intParam("K") % groups, c + ": groups divide C and K");
                assertArrayEquals(new int[] {c.intParam("K"), c.intParam("C") / groups, c.intParam("FH"), c.intParam("FW")},
                        c.array("w").dims(), c + ": w is K x C/groups x FH x FW");
            }
            case "maxpool2d", "avgpool2d" -> checkWindows(c, "pool_h", "pool_w", "C");
            case "maxout" -> {
                assertEquals(c.intParam("C"), c.intParam("k") * c.intParam("Cout"));
                assertDims(c, "y", "N", "Cout", "H", "W");
            }
            case "linear" -> {
                assertDims(c, "x", "N", "in");
                assertDims(c, "w", "out", "in");
                assertDims(c, "y", "N", "out");
            }
            case "batchnorm2d" -> {
                c.boolParam("training");
                assertDims(c, "x", "N", "C", "H", "W");
                assertDims(c, "y", "N", "C", "H", "W");
                assertDims(c, "dy", "N", "C", "H", "W");
                for (String name : new String[] {"gamma", "beta", "running_mean", "running_var", "dgamma", "dbeta",
                        "running_mean_out", "running_var_out"}) {
                    assertDims(c, name, "C");
                }
            }
            case "softmax_cross_entropy", "svm_hinge" -> {
                assertDims(c, "labels", "N");
                for (int label : c.ints("labels")) {
                    assertTrue(label >= 0 && label < c.intParam("C"), c + ": label " + label + " out of range");
                }
                assertArrayEquals(new int[] {1}, c.array("loss").dims());
            }
            case "lenet5_train_step" -> {
                assertArrayEquals(new int[] {c.intParam("N"), 1, 28, 28}, c.array("x").dims());
                for (String p : LENET_PARAMS) {
                    for (String prefix : new String[] {"grad_", "sgd1_", "mom_step2_grad_", "mom2_"}) {
                        assertArrayEquals(c.array(p).dims(), c.array(prefix + p).dims(), prefix + p);
                    }
                }
            }
            case "global_avgpool" -> {
                assertDims(c, "x", "N", "C", "H", "W");
                assertArrayEquals(new int[] {c.intParam("N"), c.intParam("C"), 1, 1}, c.array("y").dims());
                assertArrayEquals(c.array("y").dims(), c.array("dy").dims());
            }
            case "concat" -> {
                assertDims(c, "x1", "N", "C1", "H", "W");
                assertDims(c, "x2", "N", "C2", "H", "W");
                int[] joined = {c.intParam("N"), c.intParam("C1") + c.intParam("C2"), c.intParam("H"), c.intParam("W")};
                assertArrayEquals(joined, c.array("y").dims());
                assertArrayEquals(joined, c.array("dy").dims());
            }
            case "se_block" -> {
                assertDims(c, "x", "N", "C", "H", "W");
                assertEquals(Math.max(1, c.intParam("C") / c.intParam("reduction")), c.intParam("hidden"), c + ": hidden");
                assertDims(c, "fc1_w", "hidden", "C");
                assertDims(c, "fc2_w", "C", "hidden");
            }
            case "basic_block" -> checkBasicBlock(c);
            case "optimizer_steps" -> {
                assertTrue(Set.of("sgd", "adam", "adamw").contains(c.param("optimizer")), c + ": optimizer");
                for (int i = 1; i <= c.intParam("steps"); i++) {
                    assertTrue(c.array("g" + i).isInput(), c + ": g" + i);
                    assertTrue(c.array("p" + i).isExpected(), c + ": p" + i);
                    assertDims(c, "g" + i, "D");
                    assertDims(c, "p" + i, "D");
                }
                assertDims(c, "p0", "D");
                assertEquals(2 * c.intParam("steps") + 1, c.arrays().size(), c + ": p0, g1.., p1..");
            }
            case "resnet_mini_train_step", "resnet20_step" -> checkNetwork(c);
            default -> assertDims(c, "x", "N", "C", "H", "W");
        }
    }

    private static void checkBasicBlock(ReferenceCase c) {
        boolean downsample = c.boolParam("downsample");
        assertEquals(downsample, c.intParam("stride") != 1 || c.intParam("C") != c.intParam("K"),
                c + ": a projection shortcut exactly where the stride or the channels change");
        for (String p : DOWNSAMPLE_PARAMS) {
            assertEquals(downsample, c.hasArray(p), c + ": " + p + " present iff downsample");
            assertEquals(downsample, c.hasArray("grad_" + p), c + ": grad_" + p + " present iff downsample");
        }
        int stride = c.intParam("stride");
        assertEquals((c.intParam("H") - 1) / stride + 1, c.intParam("Hout"), c + ": Hout");
        assertEquals((c.intParam("W") - 1) / stride + 1, c.intParam("Wout"), c + ": Wout");
        assertDims(c, "x", "N", "C", "H", "W");
        assertDims(c, "y", "N", "K", "Hout", "Wout");
        assertDims(c, "dy", "N", "K", "Hout", "Wout");
        for (String p : c.hasArray("down_w") ? concat(BLOCK_PARAMS, DOWNSAMPLE_PARAMS) : BLOCK_PARAMS) {
            assertArrayEquals(c.array(p).dims(), c.array("grad_" + p).dims(), "grad_" + p);
        }
    }

    /** Inputs x, labels and the state by name; expected logits, loss and prefixed copies shaped as their input. */
    private static void checkNetwork(ReferenceCase c) {
        assertEquals(3, c.array("x").dims()[1], c + ": RGB input");
        assertArrayEquals(new int[] {c.intParam("N")}, c.array("labels").dims());
        assertArrayEquals(new int[] {c.intParam("N"), c.array("fc.bias").dims()[0]}, c.array("logits").dims());
        for (ReferenceArray a : c.expectedArrays()) {
            String name = a.name();
            if (!name.equals("logits") && !name.endsWith("loss")) {
                String input = name.substring(name.indexOf('_') + 1);
                assertTrue(c.array(input).isInput(), c + ": " + name + " names no input");
                assertArrayEquals(c.array(input).dims(), a.dims(), c + ": shape of " + name);
            }
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** Hout/Wout follow the flooring formula, and 'floor' says whether it had to floor. */
    private static void checkWindows(ReferenceCase c, String fhKey, String fwKey, String outChannels) {
        int stride = c.intParam("stride");
        int pad = c.intParam("pad");
        int spanH = c.intParam("H") + 2 * pad - c.intParam(fhKey);
        int spanW = c.intParam("W") + 2 * pad - c.intParam(fwKey);
        assertEquals(spanH / stride + 1, c.intParam("Hout"), c + ": Hout");
        assertEquals(spanW / stride + 1, c.intParam("Wout"), c + ": Wout");
        assertEquals(spanH % stride != 0 || spanW % stride != 0, c.boolParam("floor"), c + ": floor");
        assertDims(c, "x", "N", "C", "H", "W");
        assertDims(c, "y", "N", outChannels, "Hout", "Wout");
        assertDims(c, "dy", "N", outChannels, "Hout", "Wout");
    }

    private static void assertDims(ReferenceCase c, String array, String... paramKeys) {
        int[] want = new int[paramKeys.length];
        for (int i = 0; i < want.length; i++) {
            want[i] = c.intParam(paramKeys[i]);
        }
        assertArrayEquals(want, c.array(array).dims(), c + ": shape of " + array);
    }
}
