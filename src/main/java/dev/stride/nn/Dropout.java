package dev.stride.nn;

import dev.stride.ops.Activations;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.tensor.Workspace;

import java.lang.foreign.Arena;
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
    private boolean training = true;
    private Tensor mask; // same shape as the input: 0 or 1/(1 - p)

    /**
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

    public float p() {
        return p;
    }

    public long seed() {
        return seed;
    }

    public boolean isTraining() {
        return training;
    }

    @Override
    public void setTraining(boolean training) {
        this.training = training;
    }

    @Override
    public void build(Shape input, Arena arena, Workspace workspace) {
        super.build(input, arena, workspace);
        mask = Tensor.zeros(arena, input);
    }

    @Override
    void forward(Tensor x, Tensor y) {
        Tensor m = mask.firstBatch(x.dim(0));
        if (!training) {
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
    boolean splitsBatch() {
        return false;
    }

    @Override
    public String describe() {
        return "Dropout(p=" + p + ")";
    }
}
