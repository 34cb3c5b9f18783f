package dev.stride.nn;

import dev.stride.ops.BranchOps;
import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * Runs every branch on the same input and concatenates their outputs along the channels, in
 * branch order: GoogLeNet's Inception module ({@code branch1} .. {@code branch4}). Every branch must
 * keep the batch, height and width. Backward hands each branch its slice of dy and sums the
 * branches' input gradients.
 */
public final class Concat extends Layer {
    private final List<Layer> branches;
    private int[] channels;        // output channels of each branch
    private FirstRows out;         // (N, sum of channels, H, W)
    private FirstRows dx;          // the input shape; null for inference builds
    private FirstRows[] branchDy;  // each branch's output shape: its slice of dy; null for inference builds

    private Concat(SequencedMap<String, ? extends Layer> branches) {
        if (branches.size() < 2) {
            throw new IllegalArgumentException("a Concat needs at least two branches, got " + branches.keySet());
        }
        this.branches = List.copyOf(branches.values());
        branches.forEach(this::addChild);
    }

    /**
     * The branches under the given names, in the map's order.
     *
     * @param branches at least two, by name
     * @return the layer
     */
    public static Concat of(SequencedMap<String, ? extends Layer> branches) {
        return new Concat(branches);
    }

    /**
     * The branches named "0", "1", ...
     *
     * @param branches at least two
     * @return the layer
     */
    public static Concat of(Layer... branches) {
        SequencedMap<String, Layer> named = new LinkedHashMap<>();
        for (int i = 0; i < branches.length; i++) {
            named.put(Integer.toString(i), branches[i]);
        }
        return new Concat(named);
    }

    /**
     * The branches, in order.
     *
     * @return an unmodifiable list
     */
    public List<Layer> branches() {
        return branches;
    }

    @Override
    public Shape outputShape(Shape input) {
        List<Shape> shapes = new ArrayList<>();
        int total = 0;
        for (Layer b : branches) {
            Shape s = b.outputShape(input);
            if (s.rank() != 4) {
                throw new ShapeException(label() + ": branch " + name(b) + " gives " + s + "; a Concat joins [N, C, H, W] outputs");
            }
            shapes.add(s);
            total += s.dim(1);
        }
        Shape first = shapes.getFirst();
        for (int i = 1; i < shapes.size(); i++) {
            Shape s = shapes.get(i);
            if (s.dim(0) != first.dim(0) || s.dim(2) != first.dim(2) || s.dim(3) != first.dim(3)) {
                throw new ShapeException(label() + ": branches disagree in shape: " + name(branches.getFirst()) + " gives "
                        + first + " but " + name(branches.get(i)) + " gives " + s
                        + "; every branch must keep N, H and W (check their strides and padding)");
            }
        }
        return Shape.of(first.dim(0), total, first.dim(2), first.dim(3));
    }

    private String name(Layer branch) {
        for (var e : children().entrySet()) {
            if (e.getValue() == branch) {
                return "'" + e.getKey() + "'";
            }
        }
        return branch.describe();
    }

    @Override
    protected boolean ownsOutput() {
        return false;
    }

    @Override
    protected void allocate(Shape input, BuildContext ctx) {
        channels = new int[branches.size()];
        branchDy = ctx.training() ? new FirstRows[branches.size()] : null;
        for (int i = 0; i < branches.size(); i++) {
            Layer b = branches.get(i);
            buildChild(b, input, ctx);
            Shape s = b.outputShape(input);
            channels[i] = s.dim(1);
            if (branchDy != null) {
                branchDy[i] = new FirstRows(Tensor.zeros(ctx.arena(), s));
            }
        }
        out = new FirstRows(Tensor.zeros(ctx.arena(), outputShape(input)));
        dx = ctx.training() ? new FirstRows(Tensor.zeros(ctx.arena(), input)) : null;
    }

    @Override
    protected Tensor forwardPass(Tensor x) {
        int n = x.dim(0);
        Tensor y = out.of(n);
        long plane = (long) y.dim(2) * y.dim(3);
        int at = 0;
        for (int i = 0; i < branches.size(); i++) {
            Tensor b = branches.get(i).forward(x);
            BranchOps.copyChannels(n, channels[i], plane, b.segment(), b.offset(), channels[i], 0,
                    y.segment(), y.offset(), y.dim(1), at);
            at += channels[i];
        }
        return y;
    }

    @Override
    protected Tensor backwardPass(Tensor dy, boolean needInputGrad) {
        int n = dy.dim(0);
        long plane = (long) dy.dim(2) * dy.dim(3);
        Tensor sum = needInputGrad ? dx.of(n) : null;
        int at = 0;
        for (int i = 0; i < branches.size(); i++) {
            Tensor d = branchDy[i].of(n);
            BranchOps.copyChannels(n, channels[i], plane, dy.segment(), dy.offset(), dy.dim(1), at,
                    d.segment(), d.offset(), channels[i], 0);
            at += channels[i];
            Tensor g = branches.get(i).backward(d, needInputGrad);
            if (sum != null) {
                if (i == 0) {
                    sum.copyFrom(g);
                } else {
                    BranchOps.add(g.segment(), g.offset(), sum.segment(), sum.offset(), sum.segment(), sum.offset(), sum.size());
                }
            }
        }
        return sum;
    }

    @Override
    public String describe() {
        return "Concat(" + branches.size() + " branches: " + String.join(", ", children().keySet()) + ")";
    }
}
