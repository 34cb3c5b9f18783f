package dev.stride.nn;

import dev.stride.tensor.Parallel;

/**
 * How a model is built: for training or inference, on how many threads, which convolution
 * lowerings ({@link ConvPolicy}), and whether it shares the parameters of an already built model.
 *
 * @param mode             training or inference
 * @param threads          threads the layers split their work across (a shared arena above one)
 * @param conv             how convolutions are lowered
 * @param splitSmallLayers split every layer that can split, however small (tests of the split paths)
 * @param sharingWith      a built model whose parameters and buffers this build uses instead of
 *                         allocating its own (read-only by contract), or null
 */
public record BuildOptions(Mode mode, int threads, ConvPolicy conv, boolean splitSmallLayers, Layer sharingWith) {

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
     * Training, {@code -Dstride.threads} threads (default 1), the default convolution policy.
     *
     * @return the options
     */
    public static BuildOptions training() {
        return new BuildOptions(Mode.TRAINING, Parallel.defaultParts(), ConvPolicy.defaults(), false, null);
    }

    /**
     * Inference: forward only, no memory for gradients or for what backward would reuse.
     *
     * @return the options
     */
    public static BuildOptions inference() {
        return new BuildOptions(Mode.INFERENCE, Parallel.defaultParts(), ConvPolicy.defaults(), false, null);
    }

    /**
     * These options with another thread count.
     *
     * @param threads at least 1
     * @return new options
     */
    public BuildOptions withThreads(int threads) {
        return new BuildOptions(mode, threads, conv, splitSmallLayers, sharingWith);
    }

    /**
     * These options with another convolution policy.
     *
     * @param conv the policy
     * @return new options
     */
    public BuildOptions withConv(ConvPolicy conv) {
        return new BuildOptions(mode, threads, conv, splitSmallLayers, sharingWith);
    }

    /**
     * These options splitting even small layers, or not.
     *
     * @param split true to split every layer that can split
     * @return new options
     */
    public BuildOptions withSplitSmallLayers(boolean split) {
        return new BuildOptions(mode, threads, conv, split, sharingWith);
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
        return new BuildOptions(mode, threads, conv, splitSmallLayers, model);
    }
}
