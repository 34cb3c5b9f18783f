package dev.stride.reference;

import dev.stride.nn.InitRule;
import dev.stride.nn.Parameter;
import dev.stride.optim.Adam;
import dev.stride.optim.AdamSpec;
import dev.stride.optim.Optimizer;
import dev.stride.optim.Sgd;
import dev.stride.optim.SgdSpec;
import dev.stride.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.List;

/**
 * The {@code optimizer_steps} reference case: one parameter of D values, the given gradient before
 * each step, the parameter compared after each. PyTorch decays every parameter it is given; Stride
 * can leave biases undecayed, so the case runs twice: on a parameter that decays with
 * {@code decayWeightsOnly} on, and on one that does not decay by itself (a bias, a BN scale) with
 * {@code decayWeightsOnly} off, as PyTorch's defaults are. Both must give PyTorch's trajectory.
 */
final class OptimizerStepsCase {

    private OptimizerStepsCase() {
    }

    static void run(ReferenceCase c, Arena arena) {
        for (boolean decays : new boolean[] {true, false}) {
            int d = c.intParam("D");
            Tensor value = Tensor.zeros(arena, d);
            Tensor grad = Tensor.zeros(arena, d);
            value.copyFrom(c.floats("p0"));
            Parameter p = new Parameter(decays ? "weight" : "bias", value, grad, d, 1, InitRule.WEIGHT, decays);
            Optimizer optimizer = optimizer(c, List.of(p), arena, decays);
            String label = c + " (" + p.name() + ", decays " + decays + ", decayWeightsOnly " + decays + ")";
            for (int i = 1; i <= c.intParam("steps"); i++) {
                grad.copyFrom(c.floats("g" + i));
                optimizer.step();
                ReferenceComparison.assertClose(label, "p" + i, c.array("p" + i).dims(), c.floats("p" + i), value.toArray());
            }
        }
    }

    private static Optimizer optimizer(ReferenceCase c, List<Parameter> params, Arena arena, boolean weightsOnly) {
        double lr = number(c, "lr");
        double wd = number(c, "weight_decay");
        return switch (c.param("optimizer")) {
            case "sgd" -> new Sgd(params, arena, new SgdSpec(lr, number(c, "momentum"), c.boolParam("nesterov"), wd, weightsOnly));
            case "adam", "adamw" -> new Adam(params, arena, new AdamSpec(lr, number(c, "beta1"), number(c, "beta2"),
                    number(c, "eps"), wd, c.param("optimizer").equals("adamw"), weightsOnly));
            default -> throw new AssertionError(c + ": Stride has no optimizer '" + c.param("optimizer") + "'");
        };
    }

    private static double number(ReferenceCase c, String key) {
        return Double.parseDouble(c.param(key));
    }
}
