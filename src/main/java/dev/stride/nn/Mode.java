package dev.stride.nn;

/** What a model is built for. */
public enum Mode {
    /** Forward and backward: gradients, input gradients and whatever backward reuses from forward. */
    TRAINING,
    /**
     * Forward only: no gradient buffers, no input-gradient buffers, no columns or transforms kept
     * for backward, no per-part gradient copies; {@code backward} throws.
     */
    INFERENCE
}
