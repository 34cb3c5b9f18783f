package dev.stride.ops;

import java.lang.foreign.MemorySegment;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * Classification losses over scores (n, classes) with integer labels, forward and backward side by
 * side. Forward returns the sum of the per-sample losses (the layer divides by n); labels are
 * assumed to be checked by the caller. A score that is NaN or infinite makes the sum NaN, so a
 * diverging run shows up in the loss instead of as an exception.
 */
public final class Losses {
    private Losses() {
    }

    /**
     * Softmax cross-entropy: the sum over rows of log(sum_j exp(z_j - max)) + max - z_label, the
     * max-subtracted form that stays finite for logits in the hundreds; overwrites probs (n, classes)
     * with the softmax.
     */
    public static double softmaxCrossEntropy(int n, int classes, MemorySegment z, long zOff, int[] labels,
                                             MemorySegment probs, long probsOff) {
        return softmaxCrossEntropy(n, classes, z, zOff, labels, 0f, probs, probsOff);
    }

    /**
     * As above against the smoothed target q = (1 - smoothing) onehot + smoothing / classes
     * (PyTorch's {@code label_smoothing}): each row adds lse - (1 - smoothing) z_label - smoothing
     * mean_j z_j, where lse = log(sum_j exp(z_j - max)) + max.
     */
    public static double softmaxCrossEntropy(int n, int classes, MemorySegment z, long zOff, int[] labels, float smoothing,
                                             MemorySegment probs, long probsOff) {
        double total = 0;
        boolean finite = true;
        for (int b = 0; b < n; b++) {
            long row = (long) b * classes;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                float v = z.getAtIndex(FLOAT, zOff + row + j);
                finite &= Float.isFinite(v);
                max = Math.max(max, v);
            }
            double sum = 0;
            for (int j = 0; j < classes; j++) {
                float e = (float) Math.exp(z.getAtIndex(FLOAT, zOff + row + j) - max);
                probs.setAtIndex(FLOAT, probsOff + row + j, e);
                sum += e;
            }
            float inv = (float) (1 / sum);
            for (int j = 0; j < classes; j++) {
                long at = probsOff + row + j;
                probs.setAtIndex(FLOAT, at, probs.getAtIndex(FLOAT, at) * inv);
            }
            double target = z.getAtIndex(FLOAT, zOff + row + labels[b]);
            if (smoothing != 0f) {
                double mean = 0;
                for (int j = 0; j < classes; j++) {
                    mean += z.getAtIndex(FLOAT, zOff + row + j);
                }
                target = (1 - smoothing) * target + smoothing * mean / classes;
            }
            total += Math.log(sum) + max - target;
        }
        return finite ? total : Double.NaN;
    }

    /** Overwrites dz (n, classes) with (softmax - onehot(label)) * scale; scale is 1/N for a batch mean. */
    public static void softmaxCrossEntropyBackward(int n, int classes, MemorySegment probs, long probsOff, int[] labels,
                                                   float scale, MemorySegment dz, long dzOff) {
        softmaxCrossEntropyBackward(n, classes, probs, probsOff, labels, 0f, scale, dz, dzOff);
    }

    /** Overwrites dz (n, classes) with (softmax - q) * scale for the smoothed target q. */
    public static void softmaxCrossEntropyBackward(int n, int classes, MemorySegment probs, long probsOff, int[] labels,
                                                   float smoothing, float scale, MemorySegment dz, long dzOff) {
        float off = smoothing / classes;
        float on = 1f - smoothing + off;
        for (int b = 0; b < n; b++) {
            long row = (long) b * classes;
            for (int j = 0; j < classes; j++) {
                float onehot = j == labels[b] ? on : off;
                dz.setAtIndex(FLOAT, dzOff + row + j, (probs.getAtIndex(FLOAT, probsOff + row + j) - onehot) * scale);
            }
        }
    }

    /** Multiclass SVM: the sum over rows of sum_{j != label} max(0, s_j - s_label + delta). */
    public static double hinge(int n, int classes, float delta, MemorySegment s, long sOff, int[] labels) {
        double total = 0;
        boolean finite = true;
        for (int b = 0; b < n; b++) {
            long row = sOff + (long) b * classes;
            float correct = s.getAtIndex(FLOAT, row + labels[b]);
            for (int j = 0; j < classes; j++) {
                float v = s.getAtIndex(FLOAT, row + j);
                finite &= Float.isFinite(v);
                if (j != labels[b]) {
                    total += Math.max(0f, v - correct + delta);
                }
            }
        }
        return finite ? total : Double.NaN;
    }

    /**
     * Overwrites ds (n, classes) with the hinge subgradient times scale: +1 for every class whose
     * margin s_j - s_label + delta is positive, minus their count at the label. A margin of exactly
     * 0 contributes nothing.
     */
    public static void hingeBackward(int n, int classes, float delta, MemorySegment s, long sOff, int[] labels,
                                     float scale, MemorySegment ds, long dsOff) {
        for (int b = 0; b < n; b++) {
            long row = (long) b * classes;
            float correct = s.getAtIndex(FLOAT, sOff + row + labels[b]);
            int violated = 0;
            for (int j = 0; j < classes; j++) {
                boolean active = j != labels[b] && s.getAtIndex(FLOAT, sOff + row + j) - correct + delta > 0f;
                ds.setAtIndex(FLOAT, dsOff + row + j, active ? scale : 0f);
                violated += active ? 1 : 0;
            }
            ds.setAtIndex(FLOAT, dsOff + row + labels[b], -violated * scale);
        }
    }
}
