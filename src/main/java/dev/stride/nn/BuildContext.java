package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;
import dev.stride.tensor.Workspace;

import java.lang.foreign.Arena;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** What the layers of one build share: the arena, the workspace, the options, the tensors shared with another model. */
public final class BuildContext {
    private final Arena arena;
    private final Workspace workspace;
    private final BuildOptions options;
    private final Map<String, Tensor> shared; // the source model's state by full name; empty when not sharing
    private final Set<String> used = new HashSet<>();

    BuildContext(Arena arena, Workspace workspace, BuildOptions options) {
        this.arena = arena;
        this.workspace = workspace;
        this.options = options;
        this.shared = options.sharingWith() == null ? Map.of() : options.sharingWith().state();
    }

    /**
     * The arena the build allocates from.
     *
     * @return the arena
     */
    public Arena arena() {
        return arena;
    }

    /**
     * The scratch the layers of this build share.
     *
     * @return the workspace
     */
    public Workspace workspace() {
        return workspace;
    }

    /**
     * How the model is being built.
     *
     * @return the options
     */
    public BuildOptions options() {
        return options;
    }

    /**
     * Whether this is a training build (gradients are allocated).
     *
     * @return true for training
     */
    public boolean training() {
        return options.mode() == Mode.TRAINING;
    }

    /** The shared tensor of that name, or a new zero-filled one when this build shares nothing. */
    Tensor sharedOrZeros(String name, Shape shape) {
        if (options.sharingWith() == null) {
            return Tensor.zeros(arena, shape);
        }
        Tensor t = shared.get(name);
        if (t == null) {
            throw new IllegalArgumentException("cannot share parameters: this model has '" + name
                    + "' but the model shared with has no such tensor; share only between instances of the same architecture");
        }
        if (!t.shape().equals(shape)) {
            throw new ShapeException("cannot share parameters: '" + name + "' is " + shape + " here but "
                    + t.shape() + " in the model shared with");
        }
        used.add(name);
        return t;
    }

    /** A tensor a rebuild keeps: counts as found for {@link #checkAllShared()}. */
    void kept(String name) {
        used.add(name);
    }

    /** After a sharing build: every tensor of the source found a place, or the trees differ. */
    void checkAllShared() {
        if (options.sharingWith() != null && used.size() != shared.size()) {
            Set<String> left = new TreeSet<>(shared.keySet());
            left.removeAll(used);
            throw new IllegalArgumentException("cannot share parameters: the model shared with has " + left
                    + " that this model lacks; share only between instances of the same architecture");
        }
    }
}
