package dev.stride.nn;

/**
 * How {@link Init} sets a parameter: drawn as a weight from its fans, set as a bias, or a constant
 * (PReLU's slopes, batch norm's scale). The parameter carries its rule, so a new layer needs no
 * change to the initialiser.
 */
public sealed interface InitRule {
    /** Drawn by the weight scheme (He, Xavier, PyTorch's default) from the parameter's fans. */
    InitRule WEIGHT = new Weight();
    /** Set by the bias scheme (zero, or PyTorch's uniform from the fan-in). */
    InitRule BIAS = new Bias();

    /**
     * Every element set to {@code value}.
     *
     * @param value the constant
     * @return the rule
     */
    static InitRule constant(float value) {
        return new Constant(value);
    }

    /** The rule of {@link #WEIGHT}. */
    record Weight() implements InitRule {
    }

    /** The rule of {@link #BIAS}. */
    record Bias() implements InitRule {
    }

    /**
     * The rule of {@link #constant}.
     *
     * @param value the constant
     */
    record Constant(float value) implements InitRule {
    }
}
