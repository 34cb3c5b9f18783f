package dev.stride.nn;

import dev.stride.tensor.Tensor;

/** The first n samples of a buffer as a view, made again only when n changes, so a steady batch allocates nothing. */
final class FirstRows {
    private final Tensor whole;
    private Tensor view;

    FirstRows(Tensor whole) {
        this.whole = whole;
        this.view = whole;
    }

    Tensor of(int n) {
        if (view.dim(0) != n) {
            view = whole.firstBatch(n);
        }
        return view;
    }
}
