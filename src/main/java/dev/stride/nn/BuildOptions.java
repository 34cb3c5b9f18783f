package dev.stride.nn;

import dev.stride.tensor.Parallel;

/**
 * How a model is built: for training or inference, on how many threads, which convolution
 * lowerings ({@link ConvPolicy}), whether it shares the parameters of an already built model, and
 * whether an inference build fuses batch norm and activations into the convolutions they follow.
 *
 * <p>Fusion: in an inference build, a {@link Conv2d} directly followed by a {@link BatchNorm2d}
 * (and optionally a {@link Relu} or {@link Relu6}) in a {@link Sequential} or a residual block's
 * main path normalises (and clamps) its own output right after computing it, with the batch
 * norm's current parameters and running statistics and the same arithmetic as the batch norm
 * layer, so the result is the same to the bit; the fused layers pass their input through. The
 * model's tree, names and state are unchanged, but a fused convolution's own output is the
 * normalised and activated one: build with {@code withFusion(false)} to read what the convolution
 * alone computes. Any build, training included, also fuses a batch norm directly followed by a
 * ReLU or ReLU6 that no convolution took: the batch norm clamps its own output in forward and
 * applies the activation's gradient in its backward passes, to the bit of the unfused layers, and
 * the activation passes its input and its gradient through; the batch norm's output is then the
 * activated one.
 *
 * @param mode             training or inference
 * @param threads          threads the layers split their work across (a shared arena above one)
 * @param conv             how convolutions are lowered
 * @param splitSmallLayers split every layer that can split, however small (tests of the split paths)
 * @param sharingWith      a built model whose parameters and buffers this build uses instead of
 *                         allocating its own (read-only by contract), or null
 * @param fusion           whether the build fuses batch norm and activations into the layers before
 *                         them (convolutions only in inference builds)
 */
public record BuildOptions(Mode mode, int threads, ConvPolicy conv, boolean splitSmallLayers, Layer sharingWith,
                           boolean fusion) {
    /** {@code -Dstride.fuse=false} builds models unfused, for the benchmark scripts' comparisons. */
    public static final String FUSION_PROPERTY = "stride.fuse";

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException when the mode or policy is null, threads below 1, or the shared model
     *     not built
     */
    public BuildOptions {
        if (mode == null || conv == null) {
            throw new IllegalArgumentException("BuildOptions needs a mode and a ConvPolicy");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        if (sharingWith != null && !sharingWith.isBuilt()) {
            throw new IllegalArgumentException("cannot share the parameters of a model that is not built yet");
        }
    }

    /**
     * Training, {@code -Dstride.threads} threads (default 1), the default convolution policy;
     * batch norms take the ReLU or ReLU6 after them unless {@code -Dstride.fuse=false}.
     *
     * @return the options
     */
    public static BuildOptions training() {
        return new BuildOptions(Mode.TRAINING, Parallel.defaultParts(), ConvPolicy.defaults(), false, null, fusionProperty());
    }

    private static boolean fusionProperty() {
        return Boolean.parseBoolean(System.getProperty(FUSION_PROPERTY, "true"));
    }

    /**
     * Inference: forward only, no memory for gradients or for what backward would reuse; batch norm
     * and activations fused into the convolutions before them unless {@code -Dstride.fuse=false}.
     *
     * @return the options
     */
    public static BuildOptions inference() {
        return new BuildOptions(Mode.INFERENCE, Parallel.defaultParts(), ConvPolicy.defaults(), false, null, fusionProperty());
    }

    /**
     * These options with another thread count.
     *
     * @param threads at least 1
     * @return new options
     */
    public BuildOptions withThreads(int threads) {
        return new BuildOptions(mode, threads, conv, splitSmallLayers, sharingWith, fusion);
    }

    /**
     * These options with another convolution policy.
     *
     * @param conv the policy
     * @return new options
     */
    public BuildOptions withConv(ConvPolicy conv) {
        return new BuildOptions(mode, threads, conv, splitSmallLayers, sharingWith, fusion);
    }

    /**
     * These options splitting even small layers, or not.
     *
     * @param split true to split every layer that can split
     * @return new options
     */
    public BuildOptions withSplitSmallLayers(boolean split) {
        return new BuildOptions(mode, threads, conv, split, sharingWith, fusion);
    }

    /**
     * Uses {@code model}'s parameters and buffers (same tree, same shapes) instead of allocating:
     * several instances, one per thread, run one set of weights. The source must stay open as long
     * as they do, and nobody may train it meanwhile.
     *
     * @param model a built model of the same architecture
     * @return new options
     */
    public BuildOptions sharingWith(Layer model) {
        return new BuildOptions(mode, threads, conv, splitSmallLayers, model, fusion);
    }

    /**
     * These options with fusion on or off (see the class comment).
     *
     * @param fusion true to fuse batch norm and activations into the layers before them
     * @return new options
     */
    public BuildOptions withFusion(boolean fusion) {
        return new BuildOptions(mode, threads, conv, splitSmallLayers, sharingWith, fusion);
    }

    /**
     * Whether this build fuses: inference with fusion on.
     *
     * @return true when convolutions take the batch norm and activation after them
     */
    boolean fuses() {
        return mode == Mode.INFERENCE && fusion;
    }

    /**
     * Whether a batch norm takes the ReLU or ReLU6 after it (any mode, with fusion on).
     *
     * @return true when batch norms fuse the activation after them
     */
    boolean fusesActivations() {
        return fusion;
    }
}
