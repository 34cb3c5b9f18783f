package dev.stride.nn;

import dev.stride.tensor.Tensor;

/**
 * Batch views of one tensor for the parts of a parallel call, kept until the tensor (its memory,
 * offset or shape) changes, so a layer running the same batch step after step makes no new views.
 * Each part reads and writes only its own slot, so parts may ask at the same time.
 */
final class PartViews {
    private final Tensor[] views;

    PartViews(int parts) {
        views = new Tensor[parts];
    }

    /** Samples [from, to) of {@code whole}, a non-empty range; null for a null tensor. */
    Tensor part(Tensor whole, int from, int to, int part) {
        if (whole == null) {
            return null;
        }
        Tensor cached = views[part];
        if (cached != null && cached.segment() == whole.segment()
                && cached.offset() == whole.offset() + from * whole.shape().sampleSize()
                && cached.dim(0) == to - from && sameSample(cached, whole)) {
            return cached;
        }
        Tensor view = whole.batch(from, to);
        views[part] = view;
        return view;
    }

    /**
     * Elements [from, to) of {@code whole}, read flat, as a rank-1 view: the runs an element-wise
     * layer cuts a batch too small for a split by samples into.
     */
    Tensor elements(Tensor whole, long from, long to, int part) {
        Tensor cached = views[part];
        if (cached != null && cached.segment() == whole.segment() && cached.offset() == whole.offset() + from
                && cached.rank() == 1 && cached.size() == to - from) {
            return cached;
        }
        Tensor view = whole.reshape(Math.toIntExact(whole.size())).batch(Math.toIntExact(from), Math.toIntExact(to));
        views[part] = view;
        return view;
    }

    private static boolean sameSample(Tensor a, Tensor b) {
        if (a.rank() != b.rank()) {
            return false;
        }
        for (int i = 1; i < a.rank(); i++) {
            if (a.dim(i) != b.dim(i)) {
                return false;
            }
        }
        return true;
    }
}
