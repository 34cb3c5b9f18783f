package dev.stride.optim;

/**
 * The float32 constants of one Adam update of one parameter, worked out in double by {@link Adam}
 * and read by its element loops (plain or {@link VectorUpdates}). One instance per optimiser,
 * overwritten for every parameter, so a step allocates nothing.
 */
final class AdamStep {
    float shrink;    // 1 - lr * wd for AdamW's decoupled decay, else 1
    float l2;        // wd added to the gradient for Adam's L2 decay, else 0
    float beta1;
    float oneMinusBeta1;
    float beta2;
    float oneMinusBeta2;
    float stepSize;  // lr / (1 - beta1^t)
    float bc2Sqrt;   // sqrt(1 - beta2^t)
    float eps;
}
