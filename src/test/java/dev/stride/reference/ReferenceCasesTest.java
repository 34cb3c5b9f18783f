package dev.stride.reference;

import dev.stride.blas.Gemm;
import dev.stride.nn.AvgPool2d;
import dev.stride.nn.BatchNorm2d;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Conv2dSpec;
import dev.stride.nn.ConvPolicy;
import dev.stride.nn.Elu;
import dev.stride.nn.Layer;
import dev.stride.nn.LeakyRelu;
import dev.stride.nn.Linear;
import dev.stride.nn.Loss;
import dev.stride.nn.MaxPool2d;
import dev.stride.nn.Maxout;
import dev.stride.nn.PoolSpec;
import dev.stride.nn.Prelu;
import dev.stride.nn.Relu;
import dev.stride.nn.Relu6;
import dev.stride.nn.Sigmoid;
import dev.stride.nn.Silu;
import dev.stride.nn.SoftmaxCrossEntropy;
import dev.stride.nn.SvmHinge;
import dev.stride.nn.Tanh;
import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;
import dev.stride.tensor.Workspace;
import dev.stride.testing.Backends;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs every reference case (Stride's own, and those under {@code -Dstride.reference.dir}) with
 * every GEMM backend. A case whose op Stride does not know fails: it is never skipped.
 */
class ReferenceCasesTest {

    @TestFactory
    List<DynamicTest> everyCaseWithEveryBackend() {
        List<ReferenceCase> cases = ReferenceCases.all();
        assertFalse(cases.isEmpty(), "no reference cases found under " + ReferenceCases.roots());
        List<DynamicTest> tests = new ArrayList<>();
        for (ReferenceCase c : cases) {
            for (Gemm gemm : Backends.all()) {
                tests.add(DynamicTest.dynamicTest(c.name() + " [" + gemm.name() + "]", () -> {
                    try (Arena arena = Arena.ofConfined()) {
                        run(c, gemm, arena);
                    }
                    System.out.println("reference case " + c.name() + " (" + c.op() + ", " + gemm.name() + "): ok");
                }));
            }
        }
        return tests;
    }

    private static void run(ReferenceCase c, Gemm gemm, Arena arena) {
        switch (c.op()) {
            case "conv2d" -> conv2d(c, gemm, arena);
            case "maxpool2d" -> pool(c, arena, true);
            case "avgpool2d" -> pool(c, arena, false);
            case "relu" -> layer(c, new Relu(), arena);
            case "relu6" -> layer(c, new Relu6(), arena);
            case "sigmoid" -> layer(c, new Sigmoid(), arena);
            case "tanh" -> layer(c, new Tanh(), arena);
            case "silu" -> layer(c, new Silu(), arena);
            case "leaky_relu" -> layer(c, new LeakyRelu(c.floatParam("slope")), arena);
            case "elu" -> layer(c, new Elu(c.floatParam("alpha")), arena);
            case "maxout" -> layer(c, new Maxout(c.intParam("k")), arena);
            case "prelu" -> prelu(c, arena);
            case "linear" -> linear(c, gemm, arena);
            case "batchnorm2d" -> batchnorm2d(c, arena);
            case "softmax_cross_entropy" -> loss(c, new SoftmaxCrossEntropy(), "logits", "dlogits", arena);
            case "svm_hinge" -> loss(c, new SvmHinge(c.floatParam("delta")), "scores", "dscores", arena);
            case "lenet5_train_step" -> LeNetTrainStepCase.run(c, gemm, arena);
            case "concat" -> BlockCases.concat(c, gemm, arena);
            case "global_avgpool" -> BlockCases.globalAvgPool(c, arena);
            case "se_block" -> BlockCases.seBlock(c, gemm, arena);
            case "basic_block" -> BlockCases.basicBlock(c, gemm, arena);
            case "optimizer_steps" -> OptimizerStepsCase.run(c, arena);
            case "resnet_mini_train_step" -> NetworkStepCase.resnetMini(c, gemm, arena);
            case "resnet20_step" -> NetworkStepCase.resnet20(c, gemm, arena);
            default -> throw new AssertionError(c + ": Stride does not implement op '" + c.op() + "'");
        }
    }

    /** With groups (absent means 1); a depthwise case runs both on the direct loops and as one GEMM per group. */
    private static void conv2d(ReferenceCase c, Gemm gemm, Arena arena) {
        boolean bias = c.boolParam("bias", true);
        boolean floor = c.boolParam("floor", false);
        int groups = c.hasParam("groups") ? c.intParam("groups") : 1;
        Conv2dSpec spec = new Conv2dSpec(c.intParam("C"), c.intParam("K"), c.intParam("FH"), c.intParam("FW"),
                c.intParam("stride"), c.intParam("pad"), bias, floor, groups);
        if (floor) {
            ShapeException e = assertThrows(ShapeException.class,
                    () -> new Conv2d(spec.withFloor(false), gemm).outputShape(c.array("x").shape()), c + ": strict layer accepted");
            assertTrue(e.getMessage().contains("not a whole number"), e.getMessage());
        }
        conv2d(c, new Conv2d(spec, gemm), BuildOptions.training(), arena);
        if (spec.depthwise()) {
            Conv2d grouped = new Conv2d(spec, gemm);
            conv2d(c, grouped, BuildOptions.training().withConv(ConvPolicy.defaults().withDirectDepthwise(false)), arena);
            assertEquals(ConvPolicy.Lowering.GROUPED, grouped.lowering(), c + ": the GEMM per group");
        }
    }

    private static void conv2d(ReferenceCase c, Conv2d conv, BuildOptions options, Arena arena) {
        boolean bias = conv.spec().bias();
        conv.build(c.array("x").shape(), arena, new Workspace(arena), options);
        conv.weight().value().copyFrom(c.floats("w"));
        if (bias) {
            conv.bias().value().copyFrom(c.floats("b"));
        }
        forwardBackward(c, conv, arena);
        ReferenceComparison.assertClose(c, "dw", conv.weight().grad());
        if (bias) {
            ReferenceComparison.assertClose(c, "db", conv.bias().grad());
        }
    }

    private static void pool(ReferenceCase c, Arena arena, boolean max) {
        boolean floor = c.boolParam("floor", false);
        PoolSpec spec = new PoolSpec(c.intParam("pool_h"), c.intParam("pool_w"), c.intParam("stride"), c.intParam("pad"), floor);
        if (floor) {
            PoolSpec strict = new PoolSpec(spec.kernelH(), spec.kernelW(), spec.stride(), spec.padding(), false);
            Layer strictLayer = max ? new MaxPool2d(strict) : new AvgPool2d(strict);
            assertThrows(ShapeException.class, () -> strictLayer.outputShape(c.array("x").shape()), c + ": strict layer accepted");
        }
        layer(c, max ? new MaxPool2d(spec) : new AvgPool2d(spec), arena);
    }

    private static void prelu(ReferenceCase c, Arena arena) {
        Prelu prelu = new Prelu(c.intParam("C"));
        build(prelu, c, arena);
        prelu.parameters().get(0).value().copyFrom(c.floats("a"));
        forwardBackward(c, prelu, arena);
        ReferenceComparison.assertClose(c, "da", prelu.parameters().get(0).grad());
    }

    private static void linear(ReferenceCase c, Gemm gemm, Arena arena) {
        Linear linear = new Linear(c.intParam("in"), c.intParam("out"), true, gemm);
        build(linear, c, arena);
        linear.weight().value().copyFrom(c.floats("w"));
        linear.bias().value().copyFrom(c.floats("b"));
        forwardBackward(c, linear, arena);
        ReferenceComparison.assertClose(c, "dw", linear.weight().grad());
        ReferenceComparison.assertClose(c, "db", linear.bias().grad());
    }

    /**
     * Batch norm in the case's mode: y and the running statistics after forward (unchanged in
     * evaluation mode), then dx, dgamma and dbeta.
     */
    private static void batchnorm2d(ReferenceCase c, Arena arena) {
        BatchNorm2d bn = new BatchNorm2d(c.intParam("C"), Double.parseDouble(c.param("eps")),
                Double.parseDouble(c.param("momentum")));
        build(bn, c, arena);
        bn.weight().value().copyFrom(c.floats("gamma"));
        bn.bias().value().copyFrom(c.floats("beta"));
        bn.runningMean().copyFrom(c.floats("running_mean"));
        bn.runningVar().copyFrom(c.floats("running_var"));
        bn.setTraining(c.boolParam("training"));
        forwardBackward(c, bn, arena);
        ReferenceComparison.assertClose(c, "running_mean_out", bn.runningMean());
        ReferenceComparison.assertClose(c, "running_var_out", bn.runningVar());
        ReferenceComparison.assertClose(c, "dgamma", bn.weight().grad());
        ReferenceComparison.assertClose(c, "dbeta", bn.bias().grad());
    }

    /** A parameter-free layer, or the shared part of one with parameters: y and dx. */
    static void layer(ReferenceCase c, Layer layer, Arena arena) {
        build(layer, c, arena);
        forwardBackward(c, layer, arena);
    }

    static void build(Layer layer, ReferenceCase c, Arena arena) {
        layer.build(c.array("x").shape(), arena, new Workspace(arena));
        for (var p : layer.parameters()) {
            p.zeroGrad();
        }
    }

    static void forwardBackward(ReferenceCase c, Layer layer, Arena arena) {
        Tensor x = input(c, "x", arena);
        Tensor y = layer.forward(x);
        ReferenceComparison.assertClose(c, "y", y);
        Tensor dx = layer.backward(input(c, "dy", arena), true);
        ReferenceComparison.assertClose(c, "dx", dx);
    }

    private static void loss(ReferenceCase c, Loss loss, String scoresName, String gradName, Arena arena) {
        Tensor scores = input(c, scoresName, arena);
        loss.build(scores.shape(), arena);
        float value = loss.forward(scores, c.ints("labels"));
        ReferenceComparison.assertClose(c, "loss", new float[] {value});
        if (loss instanceof SoftmaxCrossEntropy ce) {
            ReferenceComparison.assertClose(c, "probs", ce.probabilities());
        }
        ReferenceComparison.assertClose(c, gradName, loss.backward());
    }

    static Tensor input(ReferenceCase c, String name, Arena arena) {
        Shape shape = c.array(name).shape();
        Tensor t = Tensor.zeros(arena, shape);
        t.copyFrom(c.floats(name));
        return t;
    }
}
