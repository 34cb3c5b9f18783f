package dev.stride.nn;

import dev.stride.ops.Losses;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

import java.lang.foreign.Arena;

/**
 * The multiclass SVM (hinge) loss: L_n = sum over j != y_n of max(0, s_nj - s_ny + delta), averaged
 * over the batch. The subgradient at a margin of exactly 0 is 0. Keeps a reference to the last
 * scores (by contract the previous layer's output, valid until the next forward) for backward.
 */
public final class SvmHinge implements Loss {
    private final float delta;
    private final ScoreBuffers buffers = new ScoreBuffers("SvmHinge");
    private Tensor lastScores;

    /** delta = 1. */
    public SvmHinge() {
        this(1f);
    }

    /**
     * A hinge loss with this margin.
     *
     * @param delta the margin, finite and at least 0
     */
    public SvmHinge(float delta) {
        if (!(delta >= 0f) || Float.isInfinite(delta)) {
            throw new IllegalArgumentException("SvmHinge: delta (the margin) must be finite and at least 0, got " + delta);
        }
        this.delta = delta;
    }

    /**
     * The margin.
     *
     * @return delta
     */
    public float delta() {
        return delta;
    }

    @Override
    public void build(Shape scores, Arena arena) {
        buffers.build(scores, arena);
    }

    @Override
    public float forward(Tensor scores, int[] labels) {
        buffers.accept(scores, labels);
        lastScores = scores;
        return (float) (Losses.hinge(buffers.n(), buffers.classes(), delta, scores.segment(), scores.offset(), labels) / buffers.n());
    }

    @Override
    public Tensor backward() {
        Tensor g = buffers.grad();
        int n = buffers.n();
        Losses.hingeBackward(n, buffers.classes(), delta, lastScores.segment(), lastScores.offset(), buffers.labels(), 1f / n,
                g.segment(), g.offset());
        return g;
    }

    @Override
    public String describe() {
        return "SvmHinge(delta=" + delta + ")";
    }
}
