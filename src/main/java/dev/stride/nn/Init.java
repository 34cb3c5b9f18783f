package dev.stride.nn;

import dev.stride.tensor.Tensor;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded initialisation of a model's parameters from their {@link Parameter#fanIn()} and
 * {@link Parameter#fanOut()}.
 *
 * <p>Each parameter says how it is set ({@link Parameter#init()}): weights follow {@link Scheme},
 * biases {@link BiasScheme}, constants (PReLU slopes at 0.25, as He et al.) their value. One random stream, seeded once, visits the parameters in list order and
 * each tensor in row-major order, so the same seed and the same model give bit-identical values.
 *
 * @param weights how {@link InitRule#WEIGHT} tensors are drawn
 * @param biases  how {@link InitRule#BIAS} tensors are set
 * @param seed    the seed of the random stream
 */
public record Init(Scheme weights, BiasScheme biases, long seed) {

    /** How weights are drawn. Gains and fan modes are those of {@code torch.nn.init}. */
    public enum Scheme {
        /** Kaiming uniform, ReLU gain, fan-in: U(-b, b) with b = sqrt(6 / fanIn). */
        HE_UNIFORM,
        /** Kaiming normal, ReLU gain, fan-in: N(0, std^2) with std = sqrt(2 / fanIn). */
        HE_NORMAL,
        /** Glorot uniform: U(-b, b) with b = sqrt(6 / (fanIn + fanOut)). */
        XAVIER_UNIFORM,
        /** Glorot normal: N(0, std^2) with std = sqrt(2 / (fanIn + fanOut)). */
        XAVIER_NORMAL,
        /**
         * What PyTorch's Conv2d and Linear do in {@code reset_parameters}: Kaiming uniform with
         * a = sqrt(5), which works out to U(-b, b) with b = 1 / sqrt(fanIn).
         */
        PYTORCH_DEFAULT;

        /**
         * Whether values are drawn from a normal (rather than a uniform) distribution.
         *
         * @return true for the normal schemes
         */
        public boolean normal() {
            return this == HE_NORMAL || this == XAVIER_NORMAL;
        }

        /**
         * The uniform bound, or the normal standard deviation, for the given fans.
         *
         * @param fanIn inputs feeding each output unit
         * @param fanOut outputs each input unit feeds
         * @return the bound or deviation
         */
        public double scale(int fanIn, int fanOut) {
            return switch (this) {
                case HE_UNIFORM -> Math.sqrt(6.0 / fanIn);
                case HE_NORMAL -> Math.sqrt(2.0 / fanIn);
                case XAVIER_UNIFORM -> Math.sqrt(6.0 / (fanIn + fanOut));
                case XAVIER_NORMAL -> Math.sqrt(2.0 / (fanIn + fanOut));
                case PYTORCH_DEFAULT -> 1.0 / Math.sqrt(fanIn);
            };
        }
    }

    /** How biases are set. */
    public enum BiasScheme {
        /** All zeros: the usual choice with He or Xavier weights. */
        ZERO,
        /** U(-1/sqrt(fanIn), 1/sqrt(fanIn)): PyTorch's default for Conv2d and Linear biases. */
        PYTORCH_UNIFORM
    }

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException when a scheme is null
     */
    public Init {
        if (weights == null || biases == null) {
            throw new IllegalArgumentException("Init needs a weight scheme and a bias scheme, got " + weights + " and " + biases);
        }
    }

    /**
     * He (Kaiming) uniform weights, zero biases: the default for ReLU networks.
     *
     * @param seed the seed
     * @return the initialiser
     */
    public static Init he(long seed) {
        return new Init(Scheme.HE_UNIFORM, BiasScheme.ZERO, seed);
    }

    /**
     * He (Kaiming) normal weights, zero biases.
     *
     * @param seed the seed
     * @return the initialiser
     */
    public static Init heNormal(long seed) {
        return new Init(Scheme.HE_NORMAL, BiasScheme.ZERO, seed);
    }

    /**
     * Glorot (Xavier) uniform weights, zero biases: for tanh or sigmoid networks.
     *
     * @param seed the seed
     * @return the initialiser
     */
    public static Init xavier(long seed) {
        return new Init(Scheme.XAVIER_UNIFORM, BiasScheme.ZERO, seed);
    }

    /**
     * Glorot (Xavier) normal weights, zero biases.
     *
     * @param seed the seed
     * @return the initialiser
     */
    public static Init xavierNormal(long seed) {
        return new Init(Scheme.XAVIER_NORMAL, BiasScheme.ZERO, seed);
    }

    /**
     * PyTorch's own defaults for Conv2d and Linear, weights and biases, for like-for-like comparisons.
     *
     * @param seed the seed
     * @return the initialiser
     */
    public static Init pytorchDefault(long seed) {
        return new Init(Scheme.PYTORCH_DEFAULT, BiasScheme.PYTORCH_UNIFORM, seed);
    }

    /**
     * This initialiser with another bias scheme.
     *
     * @param scheme how biases are set
     * @return a new initialiser
     */
    public Init withBiases(BiasScheme scheme) {
        return new Init(weights, scheme, seed);
    }

    /**
     * Overwrites every parameter's value; gradients are left alone.
     *
     * @param parameters the parameters, usually a built model's {@code parameters()}
     */
    public void apply(List<Parameter> parameters) {
        SplittableRandom random = new SplittableRandom(seed);
        for (Parameter p : parameters) {
            switch (p.init()) {
                case InitRule.Weight w -> {
                    checkFans(p);
                    double scale = weights.scale(p.fanIn(), p.fanOut());
                    if (weights.normal()) {
                        normal(p.value(), scale, random);
                    } else {
                        uniform(p.value(), scale, random);
                    }
                }
                case InitRule.Bias b -> {
                    if (biases == BiasScheme.ZERO) {
                        p.value().zero();
                    } else {
                        checkFans(p);
                        uniform(p.value(), 1.0 / Math.sqrt(p.fanIn()), random);
                    }
                }
                case InitRule.Constant c -> p.value().fill(c.value());
            }
        }
    }

    private static void checkFans(Parameter p) {
        if (p.fanIn() < 1 || p.fanOut() < 1) {
            throw new IllegalArgumentException("cannot initialise parameter " + p.name() + " " + p.value().shape()
                    + ": fanIn " + p.fanIn() + " and fanOut " + p.fanOut() + " must both be at least 1 (the layer reports them)");
        }
    }

    /**
     * Fills {@code t} with independent draws from U(-bound, bound).
     *
     * @param t the tensor
     * @param bound the bound
     * @param random the generator
     */
    public static void uniform(Tensor t, double bound, SplittableRandom random) {
        long base = t.offset();
        for (long i = 0; i < t.size(); i++) {
            t.segment().setAtIndex(Tensor.FLOAT, base + i, (float) random.nextDouble(-bound, bound));
        }
    }

    /**
     * Fills {@code t} with independent draws from N(0, std^2).
     *
     * @param t the tensor
     * @param std the standard deviation
     * @param random the generator
     */
    public static void normal(Tensor t, double std, SplittableRandom random) {
        long base = t.offset();
        for (long i = 0; i < t.size(); i++) {
            t.segment().setAtIndex(Tensor.FLOAT, base + i, (float) (std * random.nextGaussian()));
        }
    }

    /**
     * One line for logs: the schemes and the seed.
     *
     * @return the description
     */
    public String describe() {
        return weights.name().toLowerCase() + " weights, " + biases.name().toLowerCase() + " biases, constants as each layer sets them, seed " + seed;
    }
}
