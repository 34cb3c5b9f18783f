package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.SequencedMap;

/**
 * Children applied one after another, each built with its predecessor's output shape. Children
 * are named "0", "1", ... as in PyTorch's {@code nn.Sequential}, or by the caller ({@link #of}),
 * and a Sequential nests inside other composites like any layer.
 */
public final class Sequential extends Layer {
    private final List<Layer> layers;

    /**
     * The layers, named "0", "1", ... in order.
     *
     * @param layers at least one
     */
    public Sequential(Layer... layers) {
        this(List.of(layers));
    }

    /**
     * The layers, named "0", "1", ... in order.
     *
     * @param layers at least one
     */
    public Sequential(List<? extends Layer> layers) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a Sequential needs at least one layer");
        }
        this.layers = List.copyOf(layers);
        for (int i = 0; i < this.layers.size(); i++) {
            addChild(Integer.toString(i), this.layers.get(i));
        }
    }

    private Sequential(SequencedMap<String, ? extends Layer> named) {
        if (named.isEmpty()) {
            throw new IllegalArgumentException("a Sequential needs at least one layer");
        }
        this.layers = List.copyOf(named.values());
        named.forEach(this::addChild);
    }

    /**
     * The layers under the given names, in the map's order (PyTorch's {@code
     * nn.Sequential(OrderedDict(...))}).
     *
     * @param named at least one layer, by name
     * @return the model
     */
    public static Sequential of(SequencedMap<String, ? extends Layer> named) {
        return new Sequential(named);
    }

    /**
     * The layers in running order.
     *
     * @return an unmodifiable list
     */
    public List<Layer> layers() {
        return layers;
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
    protected boolean ownsOutput() {
        return false;
    }

    @Override
    protected void allocate(Shape input, BuildContext ctx) {
        ConvFusion.mark(layers, ctx.options());
        Shape s = input;
        for (Layer layer : layers) {
            buildChild(layer, s, ctx);
            s = layer.outputShape(s);
        }
    }

    @Override
    protected Tensor forwardPass(Tensor x) {
        Tensor y = x;
        // By index, not for-each: in nested Sequentials (MobileNetV2 has 50) C2 kept each iterator
        // on the heap, 32 bytes a Sequential a forward.
        for (int i = 0; i < layers.size(); i++) {
            y = layers.get(i).forward(y);
        }
        return y;
    }

    /** Back-propagates through every layer, skipping the first layer's input gradient unless it is wanted. */
    @Override
    protected Tensor backwardPass(Tensor dy, boolean needInputGrad) {
        Tensor g = dy;
        for (int i = layers.size() - 1; i >= 0; i--) {
            g = layers.get(i).backward(g, i > 0 || needInputGrad);
        }
        return g;
    }

    @Override
    public String describe() {
        List<String> names = new ArrayList<>(children().keySet());
        boolean numbered = true;
        for (int i = 0; i < names.size(); i++) {
            numbered &= names.get(i).equals(Integer.toString(i));
        }
        return "Sequential(" + layers.size() + " layers" + (numbered ? "" : ": " + String.join(", ", names)) + ")";
    }
}
