package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.testing.Allocations;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Batch norm and activations fused into the convolutions before them in inference builds
 * ({@link ConvFusion}). The fused convolution runs the batch norm layer's own kernel with the
 * same per-channel constants, and the clamp is the activation layer's operation, so fused and
 * unfused builds agree to the bit, not merely within a tolerance: the tests compare them exactly.
 */
class ConvFusionTest {
    private static final Gemm GEMM = GemmBackend.defaultGemm();

    /**
     * Every zoo model with batch norm, at a small input, with random weights and running
     * statistics: fused and unfused inference builds sharing them give the same bits, on one
     * thread and on two (each part normalises its own samples), and every batch norm is fused.
     */
    @ParameterizedTest(name = "{0} at {1}x{1}, {2} threads")
    @CsvSource({"resnet18, 32, 1", "resnet18, 32, 2", "resnet20, 32, 2", "mobilenet_v2, 32, 1", "mobilenet_v2, 32, 2",
            "vgg11_bn, 32, 1", "se_resnet18, 32, 1", "googlenet, 64, 2"})
    void fusedAndUnfusedInferenceAgreeToTheBit(Models.Name name, int size, int threads) {
        try (Arena arena = Arena.ofShared()) {
            Shape in = Shape.of(3, 3, size, size);
            Layer source = Models.byName(name, 10, 3, GEMM);
            source.build(in, arena, BuildOptions.inference().withThreads(1).withFusion(false));
            randomise(source, 11);
            BuildOptions options = BuildOptions.inference().withThreads(threads).withSplitSmallLayers(true).sharingWith(source);
            Layer fused = Models.byName(name, 10, 3, GEMM);
            fused.build(in, arena, options);
            Layer unfused = Models.byName(name, 10, 3, GEMM);
            unfused.build(in, arena, options.withFusion(false));

            Tensor x = GradientCheck.random(arena, 5, 3, 3, size, size);
            assertArrayEquals(unfused.forward(x).toArray(), fused.forward(x).toArray(), name + ": fused against unfused");
            Tensor one = GradientCheck.random(arena, 6, 1, 3, size, size);
            assertArrayEquals(unfused.forward(one).toArray(), fused.forward(one).toArray(), name + ": a smaller batch");

            List<Layer> norms = ofType(fused, BatchNorm2d.class);
            assertFalse(norms.isEmpty());
            for (Layer bn : norms) {
                assertTrue(bn.passesThrough(), name + ": " + bn.label() + " not fused");
            }
            for (Layer layer : ofType(unfused, Layer.class)) {
                assertFalse(layer.passesThrough(), name + ": " + layer.label() + " fused with fusion off");
            }
            for (Layer node : ofType(fused, Layer.class)) { // an activation fuses exactly where a fused BN precedes it
                List<Layer> siblings = List.copyOf(node.children().values());
                for (int i = 1; i < siblings.size(); i++) {
                    Layer act = siblings.get(i);
                    if (act instanceof Relu || act instanceof Relu6) {
                        assertEquals(siblings.get(i - 1) instanceof BatchNorm2d, act.passesThrough(), name + ": " + act.label());
                    }
                }
            }
        }
    }

    /** A fused layer keeps its parameters and buffers (same names) but gets no output buffer. */
    @Test
    void fusedLayersAllocateNoOutputAndKeepTheirState() {
        long fusedBytes;
        long unfusedBytes;
        long passThroughBytes = 0;
        List<String> fusedNames;
        try (CountingArena arena = new CountingArena()) {
            Layer model = Models.byName(Models.Name.mobilenet_v2, 10, 3, GEMM);
            model.build(Shape.of(2, 3, 32, 32), arena, BuildOptions.inference().withThreads(1));
            fusedBytes = arena.bytes();
            fusedNames = List.copyOf(model.state().keySet());
            for (Layer layer : ofType(model, Layer.class)) {
                if (layer.passesThrough()) {
                    passThroughBytes += layer.outputShape().size() * Float.BYTES;
                }
            }
            // features.1: an expansion-1 block, (depthwise conv - BN - ReLU6) then the projection conv - BN
            Sequential block = (Sequential) model.children().get("features").children().get("1").children().get("conv");
            Layer depthwiseUnit = block.children().get("0");
            assertSame(depthwiseUnit.children().get("1"), ((Conv2d) depthwiseUnit.children().get("0")).fusedNorm());
            assertTrue(depthwiseUnit.children().get("2").passesThrough());
            assertSame(block.children().get("2"), ((Conv2d) block.children().get("1")).fusedNorm());
        }
        try (CountingArena arena = new CountingArena()) {
            Layer model = Models.byName(Models.Name.mobilenet_v2, 10, 3, GEMM);
            model.build(Shape.of(2, 3, 32, 32), arena, BuildOptions.inference().withThreads(1).withFusion(false));
            unfusedBytes = arena.bytes();
            assertEquals(List.copyOf(model.state().keySet()), fusedNames);
        }
        assertTrue(passThroughBytes > 0);
        assertEquals(unfusedBytes - passThroughBytes, fusedBytes);
    }

    /**
     * An inference build that shares a training model's parameters reads the batch norm's
     * statistics at every forward: after training steps move them, it follows, and still agrees
     * with an unfused build to the bit.
     */
    @Test
    void aFusedBuildSharingATrainingModelFollowsItsStatistics() {
        try (Arena arena = Arena.ofShared()) {
            Shape in = Shape.of(4, 3, 16, 16);
            Layer trained = Models.byName(Models.Name.resnet20, 10, 3, GEMM);
            trained.build(in, arena, BuildOptions.training().withThreads(1));
            randomise(trained, 3);
            Layer fused = Models.byName(Models.Name.resnet20, 10, 3, GEMM);
            fused.build(in, arena, BuildOptions.inference().withThreads(1).sharingWith(trained));
            Layer unfused = Models.byName(Models.Name.resnet20, 10, 3, GEMM);
            unfused.build(in, arena, BuildOptions.inference().withThreads(1).withFusion(false).sharingWith(trained));
            Tensor x = GradientCheck.random(arena, 4, 4, 3, 16, 16);
            float[] before = fused.forward(x).toArray();

            Tensor mean = trained.state().get("layer1.0.bn1.running_mean");
            float meanBefore = mean.getFlat(0);
            for (int step = 0; step < 2; step++) { // training forwards move the running statistics
                trained.forward(GradientCheck.random(arena, 10 + step, 4, 3, 16, 16));
                trained.backward(Tensor.zeros(arena, 4, 10));
            }
            trained.state().get("layer2.0.bn2.weight").setFlat(3, 2.5f); // as an optimiser step would
            assertTrue(mean.getFlat(0) != meanBefore, "the training forwards moved the running mean");

            float[] after = fused.forward(x).toArray();
            assertFalse(java.util.Arrays.equals(before, after), "the fused build did not see the new statistics");
            assertArrayEquals(unfused.forward(x).toArray(), after);
        }
    }

    /**
     * Training builds fuse no convolution (only activations into batch norms, BatchNormFusionTest),
     * and rebuilding an inference-built model for training unfuses its convolutions.
     */
    @Test
    void trainingBuildsFuseNoConvolution() {
        try (Arena arena = Arena.ofShared()) {
            Shape in = Shape.of(2, 3, 16, 16);
            Layer model = Models.byName(Models.Name.resnet20, 10, 3, GEMM);
            model.build(in, arena, BuildOptions.training().withThreads(1).withFusion(true));
            assertNoConvolutionFused(model);
            model.build(in, arena, BuildOptions.inference().withThreads(1));
            assertTrue(ofType(model, BatchNorm2d.class).getFirst().passesThrough());
            model.build(in, arena, BuildOptions.training().withThreads(1));
            assertNoConvolutionFused(model);
            model.build(in, arena, BuildOptions.training().withThreads(1).withFusion(false));
            for (Layer layer : ofType(model, Layer.class)) {
                assertFalse(layer.passesThrough(), layer.label());
            }
            Tensor x = GradientCheck.random(arena, 1, 2, 3, 16, 16);
            model.forward(x);
            model.backward(Tensor.zeros(arena, 2, 10));
        }
    }

    /**
     * A batch norm whose output two branches read (a Concat after it) still fuses: both read the
     * convolution's buffer, which holds the normalised values. A Relu that is a branch's first
     * layer does not fuse (nothing before it in its chain), nor does a BN after a non-conv.
     */
    @Test
    void aBranchPointAfterTheBatchNormStillReadsItsOutput() {
        try (Arena arena = Arena.ofShared()) {
            Shape in = Shape.of(2, 3, 8, 8);
            List<Layer> fusedLayers = new ArrayList<>();
            float[][] outputs = new float[2][];
            for (boolean fuse : new boolean[] {false, true}) {
                SequencedMap<String, Layer> branches = new LinkedHashMap<>();
                branches.put("a", new Sequential(new Relu()));
                branches.put("b", new Sequential(new Conv2d(Conv2dSpec.of(4, 2, 1, 1, 0), GEMM), new BatchNorm2d(2), new Relu6()));
                branches.put("c", new Sequential(new Relu(), new BatchNorm2d(4)));
                Sequential model = new Sequential(new Conv2d(Conv2dSpec.of(3, 4, 3, 1, 1), GEMM), new BatchNorm2d(4),
                        Concat.of(branches));
                model.build(in, arena, BuildOptions.inference().withThreads(1).withFusion(fuse));
                randomise(model, 2);
                outputs[fuse ? 1 : 0] = model.forward(GradientCheck.random(arena, 3, 2, 3, 8, 8)).toArray();
                if (fuse) {
                    for (Layer layer : ofType(model, Layer.class)) {
                        if (layer.passesThrough()) {
                            fusedLayers.add(layer);
                        }
                    }
                    assertEquals(List.of(model.children().get("1"), branches.get("b").children().get("1"),
                            branches.get("b").children().get("2")), fusedLayers);
                }
            }
            assertArrayEquals(outputs[0], outputs[1]);
        }
    }

    /** A fused forward allocates nothing on the heap once compiled. */
    @Test
    void aFusedForwardAllocatesNothingOnceCompiled() {
        try (Arena arena = Arena.ofShared()) {
            Layer model = Models.byName(Models.Name.resnet20, 10, 3, GemmBackend.java());
            model.build(Shape.of(2, 3, 16, 16), arena, BuildOptions.inference().withThreads(1));
            randomise(model, 8);
            Tensor x = GradientCheck.random(arena, 9, 2, 3, 16, 16);
            long perPass = Allocations.perCallOnceCompiled(20, 64, i -> model.forward(x));
            assertTrue(perPass < 64, "a fused forward still allocated " + perPass + " bytes");
        }
    }

    private static void assertNoConvolutionFused(Layer model) {
        for (Layer layer : ofType(model, Layer.class)) {
            if (layer instanceof BatchNorm2d) {
                assertFalse(layer.passesThrough(), layer.label());
            }
            if (layer instanceof Conv2d conv) {
                assertNull(conv.fusedNorm(), conv.label());
            }
        }
    }

    /**
     * Random parameters and batch norm statistics: gamma in [0.5, 1.5], beta and the running mean
     * in [-0.5, 0.5], the running variance in [0.5, 2], every other parameter He-initialised.
     */
    static void randomise(Layer model, long seed) {
        Init.he(seed).apply(model.parameters());
        SplittableRandom random = new SplittableRandom(seed);
        for (Map.Entry<String, Tensor> e : model.state().entrySet()) {
            Tensor t = e.getValue();
            String name = e.getKey();
            boolean norm = ofType(model, BatchNorm2d.class).stream().anyMatch(bn -> name.startsWith(bn.path() + "."));
            if (!norm || name.endsWith("num_batches_tracked")) {
                continue;
            }
            double lo = name.endsWith("weight") ? 0.5 : name.endsWith("running_var") ? 0.5 : -0.5;
            double hi = name.endsWith("running_var") ? 2 : lo + 1;
            for (long i = 0; i < t.size(); i++) {
                t.setFlat(i, (float) random.nextDouble(lo, hi));
            }
        }
    }

    /** The nodes of the tree that are instances of any of the types, in tree order. */
    @SafeVarargs
    static List<Layer> ofType(Layer root, Class<? extends Layer>... types) {
        List<Layer> found = new ArrayList<>();
        for (Class<? extends Layer> type : types) {
            if (type.isInstance(root)) {
                found.add(root);
                break;
            }
        }
        for (Layer child : root.children().values()) {
            found.addAll(ofType(child, types));
        }
        return found;
    }
}
