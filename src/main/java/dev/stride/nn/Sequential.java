package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.tensor.Workspace;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * Layers applied one after another. {@link #build(Shape, Arena)} labels every layer
 * "layer i (Type)" so that shape errors name it, builds each with its predecessor's output shape
 * and gives all of them one shared {@link Workspace}.
 *
 * <p>A Sequential is itself a {@link Layer}, so it nests and can be checked like any other layer.
 */
public final class Sequential extends Layer {
    private final List<Layer> layers;
    private Shape[] shapes;        // shapes[0] the input, shapes[i + 1] the output of layer i
    private List<Parameter> parameters = List.of();

    public Sequential(Layer... layers) {
        this(List.of(layers));
    }

    public Sequential(List<Layer> layers) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a Sequential needs at least one layer");
        }
        this.layers = List.copyOf(layers);
    }

    /**
     * Builds every layer for inputs of shape {@code input} (its batch the largest) with a fresh
     * workspace running {@code -Dstride.threads} threads (default 1).
     */
    public void build(Shape input, Arena arena) {
        build(input, arena, new Workspace(arena));
    }

    /** As {@link #build(Shape, Arena)}, with the layers splitting their work across {@code threads} threads. */
    public void build(Shape input, Arena arena, int threads) {
        build(input, arena, new Workspace(arena, threads));
    }

    @Override
    public void build(Shape input, Arena arena, Workspace workspace) {
        Shape[] s = new Shape[layers.size() + 1];
        s[0] = input;
        List<Parameter> params = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            layer.setLabel("layer " + i + " (" + layer.getClass().getSimpleName() + ")");
            layer.build(s[i], arena, workspace);
            s[i + 1] = layer.outputShape(s[i]);
            params.addAll(layer.parameters());
        }
        workspace.segment(); // allocate the scratch now, not in the first training step
        shapes = s;
        parameters = List.copyOf(params);
    }

    @Override
    public Shape outputShape(Shape input) {
        Shape s = input;
        for (Layer layer : layers) {
            s = layer.outputShape(s);
        }
        return s;
    }

    @Override
    public Tensor forward(Tensor x) {
        checkBuilt();
        Tensor y = x;
        for (Layer layer : layers) {
            y = layer.forward(y);
        }
        return y;
    }

    /** Back-propagates {@code dy} through every layer, skipping the first layer's input gradient. */
    public void backward(Tensor dy) {
        backward(dy, false);
    }

    /** Back-propagates {@code dy}; returns the gradient with respect to the input when {@code needInputGrad}, else null. */
    @Override
    public Tensor backward(Tensor dy, boolean needInputGrad) {
        checkBuilt();
        Tensor g = dy;
        for (int i = layers.size() - 1; i >= 0; i--) {
            g = layers.get(i).backward(g, i > 0 || needInputGrad);
        }
        return g;
    }

    /** Every parameter in layer order (within a layer, as the layer lists them). */
    @Override
    public List<Parameter> parameters() {
        checkBuilt();
        return parameters;
    }

    public void zeroGrad() {
        for (Parameter p : parameters()) {
            p.zeroGrad();
        }
    }

    @Override
    public void setTraining(boolean training) {
        for (Layer layer : layers) {
            layer.setTraining(training);
        }
    }

    public List<Layer> layers() {
        return layers;
    }

    public Shape inputShape() {
        checkBuilt();
        return shapes[0];
    }

    public Shape outputShape() {
        checkBuilt();
        return shapes[shapes.length - 1];
    }

    public long parameterCount() {
        long count = 0;
        for (Parameter p : parameters()) {
            count += p.value().size();
        }
        return count;
    }

    /** A table of layers with their output shapes and parameter counts, and the totals. */
    public String summary() {
        return summary(false);
    }

    /**
     * The summary; with {@code explain}, each layer is followed by its arithmetic: the output size
     * formula with the numbers put in and the parameter count, e.g.
     * "height (32 - 5 + 2*2)/1 + 1 = 32, ... -> 32x32x10; parameters (5*5*3)*10 + 10 = 760".
     */
    public String summary(boolean explain) {
        checkBuilt();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"layer", "output shape", "parameters"});
        rows.add(new String[] {"input", shapes[0].toString(), ""});
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            long count = 0;
            for (Parameter p : layer.parameters()) {
                count += p.value().size();
            }
            rows.add(new String[] {i + " " + layer.describe(), shapes[i + 1].toString(), Long.toString(count)});
        }
        int[] width = new int[3];
        for (String[] row : rows) {
            for (int c = 0; c < 3; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        String format = "%-" + width[0] + "s  %-" + width[1] + "s  %" + width[2] + "s";
        String n = System.lineSeparator();
        String rule = "-".repeat(width[0] + width[1] + width[2] + 4) + n;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(format, (Object[]) rows.get(0)).stripTrailing()).append(n).append(rule);
        sb.append(String.format(format, (Object[]) rows.get(1)).stripTrailing()).append(n);
        for (int i = 0; i < layers.size(); i++) {
            sb.append(String.format(format, (Object[]) rows.get(i + 2))).append(n);
            if (explain) {
                sb.append("    ").append(layers.get(i).explain(shapes[i])).append(n);
            }
        }
        sb.append(rule);
        sb.append("total parameters: ").append(parameterCount()).append(n);
        sb.append("output: ").append(shapes[shapes.length - 1]).append(n);
        return sb.toString();
    }

    private void checkBuilt() {
        if (shapes == null) {
            throw new IllegalStateException(label() + ": not built yet; call build(inputShape, arena) first");
        }
    }

    @Override
    public String describe() {
        return "Sequential(" + layers.size() + " layers)";
    }
}
