package dev.stride.optim;

/**
 * Hyperparameters of {@link Adam}, with the meaning they have in {@code torch.optim.Adam} (or
 * {@code torch.optim.AdamW} when {@code decoupled}).
 *
 * @param lr               learning rate
 * @param beta1            decay of the first-moment average, in [0, 1)
 * @param beta2            decay of the second-moment average, in [0, 1)
 * @param eps              added to the denominator for stability
 * @param weightDecay      Adam: L2 penalty added to the gradient; AdamW: p *= 1 - lr * weightDecay
 * @param decoupled        AdamW's decoupled weight decay instead of Adam's L2 penalty
 * @param decayWeightsOnly leave biases and PReLU slopes undecayed (PyTorch decays everything, false)
 */
public record AdamSpec(double lr, double beta1, double beta2, double eps, double weightDecay,
                       boolean decoupled, boolean decayWeightsOnly) {

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException when a rate is negative or not finite, or a beta is outside [0, 1)
     */
    public AdamSpec {
        nonNegative("lr", lr);
        nonNegative("eps", eps);
        nonNegative("weightDecay", weightDecay);
        beta("beta1", beta1);
        beta("beta2", beta2);
    }

    private static void nonNegative(String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("Adam: " + name + " must be finite and non-negative, got " + v);
        }
    }

    private static void beta(String name, double v) {
        if (!(v >= 0 && v < 1)) {
            throw new IllegalArgumentException("Adam: " + name + " must be in [0, 1), got " + v);
        }
    }

    /**
     * Adam with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay.
     *
     * @param lr the learning rate
     * @return the spec
     */
    public static AdamSpec of(double lr) {
        return new AdamSpec(lr, 0.9, 0.999, 1e-8, 0, false, false);
    }

    /**
     * AdamW with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, the given decoupled weight decay (PyTorch:
     * 0.01).
     *
     * @param lr the learning rate
     * @param weightDecay the decoupled weight decay
     * @return the spec
     */
    public static AdamSpec adamW(double lr, double weightDecay) {
        return new AdamSpec(lr, 0.9, 0.999, 1e-8, weightDecay, true, false);
    }

    /**
     * This spec with other moment decays.
     *
     * @param b1 the first-moment decay, in [0, 1)
     * @param b2 the second-moment decay, in [0, 1)
     * @return a new spec
     */
    public AdamSpec withBetas(double b1, double b2) {
        return new AdamSpec(lr, b1, b2, eps, weightDecay, decoupled, decayWeightsOnly);
    }

    /**
     * This spec with another denominator term.
     *
     * @param e the new eps
     * @return a new spec
     */
    public AdamSpec withEps(double e) {
        return new AdamSpec(lr, beta1, beta2, e, weightDecay, decoupled, decayWeightsOnly);
    }

    /**
     * L2 weight decay (Adam) or decoupled weight decay (AdamW), as this spec already says.
     *
     * @param wd the new weight decay
     * @return a new spec
     */
    public AdamSpec withWeightDecay(double wd) {
        return new AdamSpec(lr, beta1, beta2, eps, wd, decoupled, decayWeightsOnly);
    }

    /**
     * This spec with biases and slopes decayed or not.
     *
     * @param on true to decay only the parameters that are weights
     * @return a new spec
     */
    public AdamSpec withDecayWeightsOnly(boolean on) {
        return new AdamSpec(lr, beta1, beta2, eps, weightDecay, decoupled, on);
    }
}
