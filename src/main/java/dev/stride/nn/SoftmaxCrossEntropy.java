package dev.stride.nn;

import dev.stride.ops.Losses;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

import java.lang.foreign.Arena;

/**
 * The mean over the batch of -log softmax(z)[label], computed with the max subtracted so logits in
 * the hundreds stay finite; d(loss)/dz = (softmax - onehot)/N. Keeps the softmax of the last forward
 * (for backward and for {@link #probabilities()}). Scores holding NaN or infinity give a NaN loss
 * rather than an exception, so the trainer can report the divergence. With label smoothing e the
 * target is (1 - e) onehot + e/classes, as PyTorch's {@code label_smoothing}.
 */
public final class SoftmaxCrossEntropy implements Loss {
    private final ScoreBuffers buffers = new ScoreBuffers("SoftmaxCrossEntropy");
    private final float smoothing;
    private Tensor probs; // (N, classes)

    /** Cross-entropy without label smoothing. */
    public SoftmaxCrossEntropy() {
        this(0f);
    }

    /**
     * With label smoothing {@code smoothing} in [0, 1).
     *
     * @param smoothing the share of the target spread evenly over the classes
     */
    public SoftmaxCrossEntropy(float smoothing) {
        if (!(smoothing >= 0f && smoothing < 1f)) {
            throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + smoothing);
        }
        this.smoothing = smoothing;
    }

    /**
     * The label smoothing.
     *
     * @return the share, in [0, 1)
     */
    public float smoothing() {
        return smoothing;
    }

    @Override
    public void build(Shape scores, Arena arena) {
        buffers.build(scores, arena);
        probs = Tensor.zeros(arena, scores);
    }

    @Override
    public float forward(Tensor scores, int[] labels) {
        buffers.accept(scores, labels);
        int n = buffers.n();
        Tensor p = probs.firstBatch(n);
        double sum = Losses.softmaxCrossEntropy(n, buffers.classes(), scores.segment(), scores.offset(), labels, smoothing,
                p.segment(), p.offset());
        return (float) (sum / n);
    }

    @Override
    public Tensor backward() {
        Tensor g = buffers.grad();
        int n = buffers.n();
        Tensor p = probs.firstBatch(n);
        Losses.softmaxCrossEntropyBackward(n, buffers.classes(), p.segment(), p.offset(), buffers.labels(), smoothing, 1f / n,
                g.segment(), g.offset());
        return g;
    }

    /**
     * The softmax of the last forward's scores, (N, classes): a view valid until the next forward.
     *
     * @return the probabilities
     */
    public Tensor probabilities() {
        buffers.grad(); // fails clearly before any forward
        return probs.firstBatch(buffers.n());
    }

    @Override
    public String describe() {
        return smoothing == 0f ? "SoftmaxCrossEntropy" : "SoftmaxCrossEntropy(label smoothing " + smoothing + ")";
    }
}
