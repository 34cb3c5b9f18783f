package dev.stride.reference;

import dev.stride.blas.Gemm;
import dev.stride.nn.Layer;
import dev.stride.nn.Models;
import dev.stride.nn.Parameter;
import dev.stride.nn.Sequential;
import dev.stride.nn.SoftmaxCrossEntropy;
import dev.stride.optim.Sgd;
import dev.stride.optim.SgdSpec;
import dev.stride.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.List;

/**
 * The {@code lenet5_train_step} reference case: a whole LeNet-5 forward (every activation), loss,
 * backward, one plain SGD step, and two SGD-with-momentum steps from the same start.
 */
final class LeNetTrainStepCase {
    /** The case's names for the parameters, in Sequential.parameters() order. */
    private static final String[] PARAMS = {"conv1_w", "conv1_b", "conv2_w", "conv2_b",
            "fc1_w", "fc1_b", "fc2_w", "fc2_b", "fc3_w", "fc3_b"};
    /** The case's name for each layer's output (null for Flatten, which the case does not store). */
    private static final String[] ACTIVATIONS = {"act_conv1", "act_relu1", "act_pool1", "act_conv2", "act_relu2",
            "act_pool2", null, "act_fc1", "act_relu3", "act_fc2", "act_relu4", "act_fc3"};

    private LeNetTrainStepCase() {
    }

    static void run(ReferenceCase c, Gemm gemm, Arena arena) {
        Sequential net = Models.lenet5(gemm);
        Tensor x = ReferenceCasesTest.input(c, "x", arena);
        net.build(x.shape(), arena);
        int[] labels = c.ints("labels");
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        loss.build(net.outputShape(), arena);
        List<Parameter> params = net.parameters();
        float lr = c.floatParam("lr");

        setInitial(c, params);
        float value = step(c, net, loss, x, labels, true);
        ReferenceComparison.assertClose(c, "loss", new float[] {value});
        compareAll(c, params, "grad_", true);
        new Sgd(params, arena, SgdSpec.of(lr)).step();
        compareAll(c, params, "sgd1_", false);

        setInitial(c, params);
        Sgd momentum = new Sgd(params, arena, SgdSpec.of(lr).withMomentum(c.floatParam("momentum")));
        step(c, net, loss, x, labels, false);
        momentum.step();
        float second = step(c, net, loss, x, labels, false);
        ReferenceComparison.assertClose(c, "mom_step2_loss", new float[] {second});
        compareAll(c, params, "mom_step2_grad_", true);
        momentum.step();
        compareAll(c, params, "mom2_", false);
    }

    private static void setInitial(ReferenceCase c, List<Parameter> params) {
        for (int i = 0; i < PARAMS.length; i++) {
            params.get(i).value().copyFrom(c.floats(PARAMS[i]));
            params.get(i).zeroGrad();
        }
    }

    /** Forward layer by layer (checking activations when asked), loss, backward; returns the loss. */
    private static float step(ReferenceCase c, Sequential net, SoftmaxCrossEntropy loss, Tensor x, int[] labels,
                              boolean checkActivations) {
        for (Parameter p : net.parameters()) {
            p.zeroGrad();
        }
        List<Layer> layers = net.layers();
        Tensor a = x;
        for (int i = 0; i < layers.size(); i++) {
            a = layers.get(i).forward(a);
            if (checkActivations && ACTIVATIONS[i] != null && c.hasArray(ACTIVATIONS[i])) {
                ReferenceComparison.assertClose(c, ACTIVATIONS[i], a);
            }
        }
        float value = loss.forward(a, labels);
        Tensor grad = loss.backward();
        for (int i = layers.size() - 1; i >= 0; i--) {
            grad = layers.get(i).backward(grad, i > 0);
        }
        return value;
    }

    private static void compareAll(ReferenceCase c, List<Parameter> params, String prefix, boolean gradients) {
        for (int i = 0; i < PARAMS.length; i++) {
            Parameter p = params.get(i);
            ReferenceComparison.assertClose(c, prefix + PARAMS[i], gradients ? p.grad() : p.value());
        }
    }
}
