package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * The tree half of {@link Layer}: a node's children and its place under its parent (so its path,
 * "features.0", is known as soon as the tree is put together), and its parameters and buffers,
 * named by path as PyTorch's {@code state_dict} names them. {@link Layer} adds the life cycle.
 */
abstract class LayerTree {
    private final SequencedMap<String, Layer> children = new LinkedHashMap<>();
    private final List<Parameter> ownParameters = new ArrayList<>();
    private final SequencedMap<String, Tensor> ownBuffers = new LinkedHashMap<>();
    private LayerTree parent;           // the composite this layer was last added to (or built under); null for a root
    private String name = "";       // its name there
    private List<Parameter> allParameters; // parameters() of the last build: steps call it and must not allocate

    /**
     * Registers a child under {@code name} (no dots); call it from the constructor, in running order.
     *
     * @param <L> the child's type
     * @param name the child's name
     * @param child the child
     * @return {@code child}
     */
    protected final <L extends Layer> L addChild(String name, L child) {
        if (name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": child name '" + name + "' must be non-empty, without dots");
        }
        if (children.putIfAbsent(name, child) != null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": two children named '" + name + "'");
        }
        LayerTree node = child;
        node.parent = this;
        node.name = name;
        return child;
    }

    /**
     * The children by name, in running order; empty for a leaf.
     *
     * @return the children, unmodifiable
     */
    public final SequencedMap<String, Layer> children() {
        return Collections.unmodifiableSequencedMap(children);
    }

    /**
     * The path from the root, e.g. "features.0"; "" for the root. Known as soon as the tree is
     * put together, so shape errors name the layer even before a build.
     *
     * @return the path
     */
    public final String path() {
        if (parent == null) {
            return "";
        }
        String above = parent.path();
        return above.isEmpty() ? name : above + "." + name;
    }

    /**
     * How errors name this layer: "layer features.0 (Conv2d)", or the type alone for the root.
     *
     * @return the label
     */
    public final String label() {
        String type = getClass().getSimpleName();
        String path = path();
        return path.isEmpty() ? type : "layer " + path + " (" + type + ")";
    }

    // For the hot path: the public views above are wrappers made per call.
    final boolean isLeaf() {
        return children.isEmpty();
    }

    final boolean hasOwnParameters() {
        return !ownParameters.isEmpty();
    }

    boolean isRoot() {
        return parent == null;
    }

    /** Whether {@code child} is this node's child under the name it was given. */
    boolean isChild(LayerTree child) {
        return child.parent == this && children.get(child.name) == child;
    }

    // Points every child back at this tree (a layer moved into another model, as a new head's
    // features are, belongs to the one being built) and refuses one instance in two places.
    final void checkTree(List<LayerTree> seen) {
        for (var e : children.entrySet()) {
            LayerTree child = e.getValue();
            for (LayerTree l : seen) {
                if (l == child) {
                    String first = child.path();
                    child.parent = this;
                    child.name = e.getKey();
                    throw new IllegalArgumentException("the same " + child.getClass().getSimpleName()
                            + " instance appears twice in the model, at '" + first + "' and '" + child.path()
                            + "'; give each position its own layer");
                }
            }
            seen.add(child);
            child.parent = this;
            child.name = e.getKey();
            child.checkTree(seen);
        }
    }

    /**
     * The parameter {@code name} of this layer, allocated zero-filled by the first build (or taken
     * from the model shared with, see {@link BuildOptions#sharingWith}); later builds return the same
     * values. Training builds give it a gradient, inference builds none.
     *
     * @param ctx the build's context
     * @param name the local name, e.g. {@code weight}
     * @param shape its shape
     * @param init how {@link Init} sets it
     * @param decays whether weight decay applies to it
     * @param fanIn inputs feeding each output unit
     * @param fanOut outputs each input unit feeds
     * @return the parameter
     */
    protected final Parameter parameter(BuildContext ctx, String name, Shape shape, InitRule init, boolean decays,
                                        int fanIn, int fanOut) {
        String full = qualified(name);
        for (int i = 0; i < ownParameters.size(); i++) {
            Parameter p = ownParameters.get(i);
            if (p.name().equals(full)) {
                if (!p.value().shape().equals(shape)) {
                    throw new IllegalStateException(label() + ": parameter " + full + " was built as " + p.value().shape() + ", now " + shape);
                }
                ctx.kept(full);
                if (!p.hasGrad() && ctx.training()) {
                    p = new Parameter(full, p.value(), Tensor.zeros(ctx.arena(), shape), fanIn, fanOut, init, decays);
                    ownParameters.set(i, p);
                }
                return p;
            }
        }
        Tensor value = ctx.sharedOrZeros(full, shape);
        Tensor grad = ctx.options().mode() == Mode.TRAINING ? Tensor.zeros(ctx.arena(), shape) : null;
        Parameter p = new Parameter(full, value, grad, fanIn, fanOut, init, decays);
        ownParameters.add(p);
        return p;
    }

    /**
     * The non-trainable buffer {@code name} (running statistics): saved in checkpoints, never optimised.
     *
     * @param ctx the build's context
     * @param name the local name, e.g. {@code running_mean}
     * @param shape its shape
     * @return the buffer
     */
    protected final Tensor buffer(BuildContext ctx, String name, Shape shape) {
        Tensor t = ownBuffers.get(name);
        if (t == null) {
            t = ctx.sharedOrZeros(qualified(name), shape);
            ownBuffers.put(name, t);
        } else {
            ctx.kept(qualified(name));
        }
        return t;
    }

    private String qualified(String local) {
        String path = path();
        return path.isEmpty() ? local : path + "." + local;
    }

    /**
     * Every parameter of this subtree: this node's, then each child's in order.
     *
     * @return an unmodifiable list
     */
    public final List<Parameter> parameters() {
        if (allParameters == null) {
            List<Parameter> all = new ArrayList<>(ownParameters);
            for (Layer c : children.values()) {
                all.addAll(c.parameters());
            }
            allParameters = List.copyOf(all);
        }
        return allParameters;
    }

    /**
     * This layer's own parameters, without its children's.
     *
     * @return an unmodifiable list
     */
    public final List<Parameter> ownParameters() {
        return Collections.unmodifiableList(ownParameters);
    }

    /**
     * Every buffer of this subtree by full name, as {@link #parameters()} orders them.
     *
     * @return a new map
     */
    public final SequencedMap<String, Tensor> buffers() {
        SequencedMap<String, Tensor> all = new LinkedHashMap<>();
        ownBuffers.forEach((k, v) -> all.put(qualified(k), v));
        for (Layer c : children.values()) {
            all.putAll(c.buffers());
        }
        return all;
    }

    /**
     * Parameters and buffers by full name, in PyTorch's {@code state_dict} order (each module's
     * parameters, then its buffers, then its children's): what a checkpoint stores.
     *
     * @return a new map
     */
    public final SequencedMap<String, Tensor> state() {
        SequencedMap<String, Tensor> all = new LinkedHashMap<>();
        for (Parameter p : ownParameters) {
            all.put(p.name(), p.value());
        }
        ownBuffers.forEach((k, v) -> all.put(qualified(k), v));
        for (Layer c : children.values()) {
            all.putAll(c.state());
        }
        return all;
    }

    /**
     * The number of trainable values in this subtree.
     *
     * @return the sum of the parameters' sizes
     */
    public final long parameterCount() {
        long n = 0;
        for (Parameter p : parameters()) {
            n += p.value().size();
        }
        return n;
    }

    /** Zeroes the gradients of every parameter in this subtree. */
    public final void zeroGrad() {
        for (Parameter p : parameters()) {
            p.zeroGrad();
        }
    }

    /** Drops the cached {@link #parameters()} list: a build may have added parameters. */
    final void forgetParameterList() {
        allParameters = null;
    }
}
