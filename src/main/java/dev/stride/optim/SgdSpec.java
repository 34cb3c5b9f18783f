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

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException when one is negative or not finite, or Nesterov is on without momentum
     */
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

    /**
     * Plain SGD: p -= lr * grad.
     *
     * @param lr the learning rate
     * @return the spec
     */
    public static SgdSpec of(double lr) {
        return new SgdSpec(lr, 0, false, 0, false);
    }

    /**
     * This spec with another momentum factor.
     *
     * @param mu the momentum, 0 for none
     * @return a new spec
     */
    public SgdSpec withMomentum(double mu) {
        return new SgdSpec(lr, mu, nesterov, weightDecay, decayWeightsOnly);
    }

    /**
     * This spec with Nesterov momentum on or off.
     *
     * @param on true for Nesterov momentum (needs momentum above 0)
     * @return a new spec
     */
    public SgdSpec withNesterov(boolean on) {
        return new SgdSpec(lr, momentum, on, weightDecay, decayWeightsOnly);
    }

    /**
     * This spec with another L2 penalty.
     *
     * @param wd the new weight decay
     * @return a new spec
     */
    public SgdSpec withWeightDecay(double wd) {
        return new SgdSpec(lr, momentum, nesterov, wd, decayWeightsOnly);
    }

    /**
     * This spec with biases and slopes decayed or not.
     *
     * @param on true to decay only the parameters that are weights
     * @return a new spec
     */
    public SgdSpec withDecayWeightsOnly(boolean on) {
        return new SgdSpec(lr, momentum, nesterov, weightDecay, on);
    }
}
