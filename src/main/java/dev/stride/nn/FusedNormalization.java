package dev.stride.nn;

import dev.stride.ops.BatchNorm;
import dev.stride.tensor.Tensor;

/**
 * What a convolution fused with the batch norm and the activation after it ({@link ConvFusion})
 * applies to its own output: per output channel, the batch norm's evaluation constants, read
 * from it at the start of each forward ({@link #refresh}), so the convolution follows a model that
 * is still training; then the activation's clamp (0 and 6 for ReLU6, 0 and infinity for ReLU,
 * both infinite for none). The same bits as the three layers unfused.
 */
final class FusedNormalization {
    private final BatchNorm2d norm;
    private final float min;
    private final float max;
    private final double[] mean; // (K) the running mean
    private final float[] scale; // (K) gamma / sqrt(running_var + eps)
    private final float[] beta;  // (K)

    FusedNormalization(BatchNorm2d norm, int channels, float min, float max) {
        this.norm = norm;
        this.min = min;
        this.max = max;
        this.mean = new double[channels];
        this.scale = new float[channels];
        this.beta = new float[channels];
    }

    /** The batch norm whose constants these are. */
    BatchNorm2d norm() {
        return norm;
    }

    /** Reads the batch norm's current constants. */
    void refresh() {
        norm.evaluationConstants(mean, scale, beta);
    }

    /** Normalises and clamps channels [c0, c1) of samples [from, to) of y in place, one plane at a time. */
    void apply(Tensor y, int from, int to, int c0, int c1) {
        int k = mean.length;
        long sample = y.shape().sampleSize();
        int plane = (int) (sample / k);
        for (int i = from; i < to; i++) {
            long at = y.offset() + i * sample;
            for (int c = c0; c < c1; c++) {
                BatchNorm.normalize(1, k, plane, c, mean[c], scale[c], beta[c], min, max, y.segment(), at, y.segment(), at);
            }
        }
    }

    /** Channel c's running mean. */
    double mean(int c) {
        return mean[c];
    }

    /** Channel c's gamma / sqrt(running_var + eps). */
    float scale(int c) {
        return scale[c];
    }

    /** Channel c's beta. */
    float beta(int c) {
        return beta[c];
    }

    /** The activation's lower clamp. */
    float min() {
        return min;
    }

    /** The activation's upper clamp. */
    float max() {
        return max;
    }
}
