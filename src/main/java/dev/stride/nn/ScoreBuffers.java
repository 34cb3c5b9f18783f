package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;

import java.lang.foreign.Arena;

/**
 * What both losses share: the gradient buffer (N, classes) allocated at build, the checks of
 * scores and labels, and the last batch those checks accepted.
 */
final class ScoreBuffers {
    private final String loss;
    private Shape built;
    private Tensor grad; // (N, classes)
    private int[] labels;
    private int n;

    ScoreBuffers(String loss) {
        this.loss = loss;
    }

    void build(Shape scores, Arena arena) {
        if (scores.rank() != 2) {
            throw new ShapeException(loss + ": expects scores [N, classes], got " + scores + "; put Flatten and Linear before the loss");
        }
        built = scores;
        grad = Tensor.zeros(arena, scores);
    }

    /** Checks a forward's scores and labels and remembers them for backward. */
    void accept(Tensor scores, int[] labels) {
        if (built == null) {
            throw new IllegalStateException(loss + ": forward before build");
        }
        Shape s = scores.shape();
        if (s.rank() != 2 || s.dim(1) != built.dim(1) || s.dim(0) > built.dim(0)) {
            throw new ShapeException(loss + ": expected scores [N<=" + built.dim(0) + ", " + built.dim(1) + "], got " + s);
        }
        int rows = s.dim(0);
        if (labels.length < rows) {
            throw new IllegalArgumentException(loss + ": " + rows + " rows of scores but only " + labels.length + " labels");
        }
        int classes = s.dim(1);
        for (int i = 0; i < rows; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException(loss + ": label at index " + i + " is " + labels[i] + " but there are "
                        + classes + " classes (valid labels are 0 to " + (classes - 1) + ")");
            }
        }
        this.labels = labels;
        this.n = rows;
    }

    /** The gradient view for the last accepted batch. */
    Tensor grad() {
        if (labels == null) {
            throw new IllegalStateException(loss + ": backward before forward");
        }
        return grad.firstBatch(n);
    }

    int[] labels() {
        return labels;
    }

    int n() {
        return n;
    }

    int classes() {
        return built.dim(1);
    }
}
