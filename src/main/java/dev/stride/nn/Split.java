package dev.stride.nn;

/** How a layer's work is cut across the workspace's threads. */
public enum Split {
    /** Contiguous ranges of samples, a fixed range per part. */
    SAMPLES,
    /** Contiguous ranges of output features (channels), each element of a gradient summed by one thread. */
    FEATURES,
    /** Not at all: the whole batch on the calling thread (layers that sum into shared gradients in sample order). */
    NONE
}
