package dev.stride.nn;

import dev.stride.ops.Activations;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

import java.util.SplittableRandom;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * Inverted dropout: in training each element is kept with probability 1 - p and scaled by 1/(1 - p),
 * so evaluation (the identity) needs no rescaling. Every training forward draws a new mask from a
 * generator seeded once at construction, so two runs with the same seed drop the same units.
 * Backward multiplies dy by the same mask. Training mode is on until {@code setTraining(false)}.
 */
public final class Dropout extends Elementwise {
    private final float p;
    private final long seed;
    private final float scale;
    private final SplittableRandom random;
    private Tensor mask; // same shape as the input: 0 or 1/(1 - p)

    /**
     * A dropout layer, in training mode.
     *
     * @param p    the probability of dropping an element, in [0, 1)
     * @param seed seeds the mask generator
     */
    public Dropout(float p, long seed) {
        if (!(p >= 0f && p < 1f)) {
            throw new IllegalArgumentException("Dropout: p is the probability of dropping a unit and must be in [0, 1), got " + p);
        }
        this.p = p;
        this.seed = seed;
        this.scale = 1f / (1f - p);
        this.random = new SplittableRandom(seed);
    }

    /**
     * The probability of dropping an element.
     *
     * @return p
     */
    public float p() {
        return p;
    }

    /**
     * The seed of the mask generator.
     *
     * @return the seed
     */
    public long seed() {
        return seed;
    }

    @Override
    protected void allocate(Shape input, BuildContext ctx) {
        super.allocate(input, ctx);
        mask = Tensor.zeros(ctx.arena(), input);
    }

    @Override
    void forward(Tensor x, Tensor y) {
        Tensor m = mask.firstBatch(x.dim(0));
        if (!isTraining()) {
            m.fill(1f);
        } else {
            for (long i = 0; i < m.size(); i++) {
                m.segment().setAtIndex(FLOAT, m.offset() + i, random.nextDouble() < p ? 0f : scale);
            }
        }
        Activations.multiply(x.segment(), x.offset(), m.segment(), m.offset(), y.segment(), y.offset(), x.size());
    }

    @Override
    void backward(Tensor x, Tensor y, Tensor dy, Tensor dx) {
        Tensor m = mask.firstBatch(dy.dim(0));
        Activations.multiply(dy.segment(), dy.offset(), m.segment(), m.offset(), dx.segment(), dx.offset(), dy.size());
    }

    /** The mask is drawn in sample order from one generator, so the batch stays whole. */
    @Override
    protected Split split() {
        return Split.NONE;
    }

    @Override
    public String describe() {
        return "Dropout(p=" + p + ")";
    }
}
