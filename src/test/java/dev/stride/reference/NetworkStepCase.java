package dev.stride.reference;

import dev.stride.blas.Gemm;
import dev.stride.nn.AdaptiveAvgPool2d;
import dev.stride.nn.BasicBlock;
import dev.stride.nn.BatchNorm2d;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Conv2dSpec;
import dev.stride.nn.Flatten;
import dev.stride.nn.Layer;
import dev.stride.nn.Linear;
import dev.stride.nn.Models;
import dev.stride.nn.Parameter;
import dev.stride.nn.Relu;
import dev.stride.nn.Sequential;
import dev.stride.nn.SoftmaxCrossEntropy;
import dev.stride.optim.Sgd;
import dev.stride.optim.SgdSpec;
import dev.stride.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole-network reference cases, whose arrays are named by {@code state_dict} name:
 * {@code resnet_mini_train_step} (a small ResNet built here from Stride's layers, two SGD steps
 * with momentum and weight decay on every parameter) and {@code resnet20_step} (Stride's ResNet-20
 * from the model zoo, one forward and backward). Names must line up both ways: every parameter and
 * running statistic Stride has is a case input, every case input is one of them, and every expected
 * array is compared.
 */
final class NetworkStepCase {
    private static final String COUNTER = "num_batches_tracked"; // an int64 counter in PyTorch, not in the cases

    private final ReferenceCase c;
    private final Layer net;
    private final SequencedMap<String, Tensor> state = new LinkedHashMap<>(); // without the counters
    private final Set<String> compared = new TreeSet<>();
    private final SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
    private final Tensor x;
    private final int[] labels;
    private Tensor logits; // the last forward's

    private NetworkStepCase(ReferenceCase c, Layer net, Arena arena) {
        this.c = c;
        this.net = net;
        x = ReferenceCasesTest.input(c, "x", arena);
        labels = c.ints("labels");
        net.build(x.shape(), arena);
        loss.build(net.outputShape(), arena);
        net.state().forEach((name, t) -> {
            if (!name.endsWith("." + COUNTER)) {
                state.put(name, t);
            }
        });
    }

    /** conv1 - bn1 - relu - layer1 (BasicBlock 8->8) - layer2 (BasicBlock 8->16, stride 2) - avgpool - flatten - fc. */
    static void resnetMini(ReferenceCase c, Gemm gemm, Arena arena) {
        checkNormDefaults(c);
        SequencedMap<String, Layer> top = new LinkedHashMap<>();
        top.put("conv1", new Conv2d(Conv2dSpec.of(3, 8, 3, 1, 1).withBias(false), gemm));
        top.put("bn1", new BatchNorm2d(8));
        top.put("relu", new Relu());
        top.put("layer1", new Sequential(new BasicBlock(8, 8, 1, gemm)));
        top.put("layer2", new Sequential(new BasicBlock(8, 16, 2, gemm)));
        top.put("avgpool", new AdaptiveAvgPool2d(1, 1));
        top.put("flatten", new Flatten());
        top.put("fc", new Linear(16, 10, true, gemm));
        NetworkStepCase run = new NetworkStepCase(c, Sequential.of(top), arena);
        run.load();
        // PyTorch's SGD decays every parameter it is given: decayWeightsOnly off, so BN's scales and
        // shifts and the biases (whose Parameter says they do not decay) decay as well.
        Sgd sgd = new Sgd(run.net.parameters(), arena, new SgdSpec(Double.parseDouble(c.param("lr")),
                Double.parseDouble(c.param("momentum")), false, Double.parseDouble(c.param("weight_decay")), false));
        run.firstPass();
        sgd.step();
        run.compareState("step1_");
        run.compareLoss("step2_loss", run.pass());
        sgd.step();
        run.compareState("step2_");
        run.checkAllCompared();
    }

    /** Stride's ResNet-20 (option A shortcuts) from the model zoo: logits, loss, every gradient, the running statistics where given. */
    static void resnet20(ReferenceCase c, Gemm gemm, Arena arena) {
        checkNormDefaults(c);
        Layer model = Models.byName(Models.Name.resnet20, c.intParam("classes"), c.intParam("C"), gemm);
        NetworkStepCase run = new NetworkStepCase(c, model, arena);
        run.load();
        run.firstPass();
        run.state.forEach((name, t) -> {
            if (!isParameter(run.net, name) && c.hasArray("after_" + name)) {
                run.compare("after_" + name, t);
            }
        });
        run.checkAllCompared();
    }

    /** Stride's blocks build their batch norms with eps 1e-5 and momentum 0.1; a case that asks for others fails. */
    private static void checkNormDefaults(ReferenceCase c) {
        BatchNorm2d bn = new BatchNorm2d(1);
        assertEquals(bn.eps(), Double.parseDouble(c.param("bn_eps")), c + ": Stride's blocks build BN with eps " + bn.eps());
        assertEquals(bn.momentum(), Double.parseDouble(c.param("bn_momentum")),
                c + ": Stride's blocks build BN with momentum " + bn.momentum());
    }

    private static boolean isParameter(Layer net, String name) {
        return net.parameters().stream().anyMatch(p -> p.name().equals(name));
    }

    /** Every parameter and running statistic from the case input of its name; the counters to 0. */
    private void load() {
        Set<String> inputs = new TreeSet<>();
        c.arrays().stream().filter(ReferenceArray::isInput).forEach(a -> inputs.add(a.name()));
        inputs.remove("x");
        inputs.remove("labels");
        assertEquals(inputs, new TreeSet<>(state.keySet()), c + ": the case's inputs and Stride's state_dict names");
        state.forEach((name, t) -> {
            assertArrayEquals(c.array(name).dims(), t.shape().dims(), c + ": shape of " + name);
            t.copyFrom(c.floats(name));
        });
        net.state().forEach((name, t) -> {
            if (name.endsWith("." + COUNTER)) {
                t.zero();
            }
        });
    }

    /** The first forward and backward: logits, loss and every parameter's gradient. */
    private void firstPass() {
        compareLoss("loss", pass());
        compare("logits", logits);
        for (Parameter p : net.parameters()) {
            compare("grad_" + p.name(), p.grad());
        }
    }

    /** Zeroes the gradients, then forward, loss and backward on the case's batch; returns the loss. */
    private float pass() {
        net.zeroGrad();
        logits = net.forward(x);
        float value = loss.forward(logits, labels);
        net.backward(loss.backward(), false);
        return value;
    }

    private void compareState(String prefix) {
        state.forEach((name, t) -> compare(prefix + name, t));
    }

    private void compareLoss(String name, float value) {
        ReferenceComparison.assertClose(c, name, new float[] {value});
        compared.add(name);
    }

    private void compare(String name, Tensor t) {
        ReferenceComparison.assertClose(c, name, t);
        compared.add(name);
    }

    private void checkAllCompared() {
        Set<String> expected = new TreeSet<>();
        c.expectedArrays().forEach(a -> expected.add(a.name()));
        assertEquals(expected, compared, c + ": the expected arrays and those compared");
        assertTrue(compared.contains("loss") && compared.contains("logits"), c + ": logits and loss");
    }
}
