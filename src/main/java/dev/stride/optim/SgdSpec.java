package dev.stride.optim;

/**
 * Hyperparameters of {@link Sgd}, with the meaning they have in {@code torch.optim.SGD}
 * (dampening is always 0).
 *
 * @param lr               learning rate
 * @param momentum         momentum factor mu; 0 keeps no velocity
 * @param nesterov         Nesterov momentum (needs momentum &gt; 0)
 * @param weightDecay      L2 penalty added to the gradient: g = grad + weightDecay * p
 * @param decayWeightsOnly leave biases and PReLU slopes undecayed (PyTorch decays everything, false)
 */
public record SgdSpec(double lr, double momentum, boolean nesterov, double weightDecay, boolean decayWeightsOnly) {

    public SgdSpec {
        check("lr", lr);
        check("momentum", momentum);
        check("weightDecay", weightDecay);
        if (nesterov && momentum == 0) {
            throw new IllegalArgumentException("SGD: Nesterov momentum needs momentum > 0, got momentum 0");
        }
    }

    private static void check(String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("SGD: " + name + " must be finite and non-negative, got " + v);
        }
    }

    /** Plain SGD: p -= lr * grad. */
    public static SgdSpec of(double lr) {
        return new SgdSpec(lr, 0, false, 0, false);
    }

    public SgdSpec withMomentum(double mu) {
        return new SgdSpec(lr, mu, nesterov, weightDecay, decayWeightsOnly);
    }

    public SgdSpec withNesterov(boolean on) {
        return new SgdSpec(lr, momentum, on, weightDecay, decayWeightsOnly);
    }

    public SgdSpec withWeightDecay(double wd) {
        return new SgdSpec(lr, momentum, nesterov, wd, decayWeightsOnly);
    }

    public SgdSpec withDecayWeightsOnly(boolean on) {
        return new SgdSpec(lr, momentum, nesterov, weightDecay, on);
    }
}
