package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;
import dev.stride.tensor.Workspace;

import java.lang.foreign.Arena;
import java.util.List;

/**
 * A building block of a network with its forward pass and, right beside it, its backward pass.
 *
 * <p>Life cycle: {@link #outputShape} infers shapes without allocating; {@link #build} is called
 * once the input shape is known (its batch dimension is the largest batch the layer will see) and
 * allocates parameters, outputs and gradients from the arena and reserves scratch in the
 * workspace; then {@link #forward} and {@link #backward} run any number of times without
 * allocating. A smaller batch than the one built for uses the first rows of every buffer.
 *
 * <p>Gradient rules: {@code backward} overwrites the input gradient it returns and accumulates
 * into the parameter gradients, which only {@link Parameter#zeroGrad()} clears.
 */
public abstract class Layer {
    private String label = getClass().getSimpleName();

    /** How errors name this layer, e.g. "layer 3 (Conv2d)"; the model sets it. */
    public final String label() {
        return label;
    }

    public final void setLabel(String label) {
        this.label = label;
    }

    /** The output shape for an input shape, or a {@link ShapeException} explaining why it does not fit. */
    public abstract Shape outputShape(Shape input);

    /** Allocates everything the layer needs for inputs of shape {@code input} (or smaller batches). */
    public abstract void build(Shape input, Arena arena, Workspace workspace);

    /** The output for {@code x}: a view of the layer's own output buffer, valid until the next forward. */
    public abstract Tensor forward(Tensor x);

    /**
     * Back-propagates {@code dy} (the gradient of the loss with respect to the last forward's
     * output): accumulates parameter gradients and, when {@code needInputGrad}, overwrites and
     * returns the gradient with respect to the last forward's input; otherwise returns null.
     */
    public abstract Tensor backward(Tensor dy, boolean needInputGrad);

    public List<Parameter> parameters() {
        return List.of();
    }

    /** Switches between training and evaluation behaviour (dropout); most layers ignore it. */
    public void setTraining(boolean training) {
    }

    /** One line for summaries, e.g. "Conv2d(3->10, 5x5, stride 1, pad 2)". */
    public abstract String describe();

    /**
     * The arithmetic behind this layer's summary line for the given input: the output-size
     * formula with the numbers put in, and the parameter count.
     */
    public String explain(Shape input) {
        return describe() + ": " + input + " -> " + outputShape(input);
    }

    /**
     * Checks an input against the shape the layer was built for: the same dimensions except a
     * batch no larger than the built one.
     */
    protected final void checkInput(Tensor x, Shape built) {
        Shape s = x.shape();
        boolean ok = s.rank() == built.rank() && s.dim(0) <= built.dim(0);
        for (int i = 1; ok && i < s.rank(); i++) {
            ok = s.dim(i) == built.dim(i);
        }
        if (!ok) {
            throw new ShapeException(label + ": expected input " + describeExpected(built) + ", got " + s);
        }
    }

    /** Checks an upstream gradient against the output of the last forward. */
    protected final void checkGradient(Tensor dy, Shape lastOutput) {
        if (!dy.shape().equals(lastOutput)) {
            throw new ShapeException(label + ": gradient of shape " + dy.shape()
                    + " does not match the last forward's output " + lastOutput);
        }
    }

    private static String describeExpected(Shape built) {
        StringBuilder sb = new StringBuilder("[N<=").append(built.dim(0));
        for (int i = 1; i < built.rank(); i++) {
            sb.append(", ").append(built.dim(i));
        }
        return sb.append(']').toString();
    }
}
